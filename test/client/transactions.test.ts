/**
 * Transactions: committed messages are visible to read_committed consumers, aborted ones
 * never; consumer offsets sent to a transaction commit with it (exactly once).
 */
import { describe, expect, it } from 'vitest';

import { KafkaConsumer, KafkaError, KafkaProducer } from '../../lib/index';
import { realCluster, unique, useCluster } from '../helpers';

// librdkafka's mock cluster runs the transaction protocol (InitProducerId, AddPartitions,
// EndTxn, TxnOffsetCommit) but writes no commit/abort markers and stores no transactional
// offsets: what read_committed consumers see and the committed offsets need a real broker.
const MOCK_REASON = 'the mock cluster writes no transaction markers and stores no transactional offsets';

const cluster = useCluster();

async function readAll(topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<string[]> {
  const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g'), 'isolation.level': isolation });
  await consumer.assign([{ topic, partition: 0, offset: 0n }]);
  const out: string[] = [];
  for (;;) {
    const batch = await consumer.consumeBatch(100, { timeoutMs: 2000 });
    if (batch.length === 0) break;
    out.push(...batch.map((m) => m.value!.toString()));
  }
  await consumer.close();
  return out;
}

describe('transactions', () => {
  async function fourTransactions(topic: string): Promise<void> {
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'transactional.id': unique('tx') });
    // The options form everywhere here, the deprecated positional timeouts in the last one.
    await producer.initTransactions({ timeoutMs: 30_000 });
    await producer.transaction(async () => {
      await producer.sendBatch([{ topic, value: 'a1' }, { topic, value: 'a2' }]);
    }, { timeoutMs: 30_000 });
    await producer.beginTransaction();
    await producer.send({ topic, value: 'b1' });
    await producer.abortTransaction({ timeoutMs: 30_000 });
    const failed = await producer
      .transaction(async () => {
        await producer.send({ topic, value: 'c1' });
        throw new Error('application failure');
      })
      .catch((e: unknown) => e);
    expect((failed as Error).message).toBe('application failure');
    await producer.transaction(async () => {
      await producer.send({ topic, value: 'd1' });
    }, 30_000);
    await producer.close();
  }

  it('runs begin/commit, abort, and abort-on-failure; every message is delivered', async () => {
    const topic = await cluster.topic('txn');
    await fourTransactions(topic);
    expect(await readAll(topic, 'read_uncommitted')).toEqual(['a1', 'a2', 'b1', 'c1', 'd1']);
  });

  it.skipIf(!realCluster)(`read_committed consumers see committed messages only (${MOCK_REASON})`, async () => {
    const topic = await cluster.topic('txn-rc');
    await fourTransactions(topic);
    expect(await readAll(topic, 'read_committed')).toEqual(['a1', 'a2', 'd1']);
  });

  it('consumer offsets sent to a transaction commit with it', async () => {
    const input = await cluster.topic('txn-in');
    const output = await cluster.topic('txn-out');
    const group = unique('txg');
    const plain = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await plain.sendBatch(['x', 'y', 'z'].map((value) => ({ topic: input, value })));
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, 'enable.auto.commit': false });
    await consumer.assign([{ topic: input, partition: 0, offset: 0n }]);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'transactional.id': unique('tx') });
    await producer.initTransactions();
    const batch = await consumer.consumeBatch(3, { timeoutMs: 10_000 });
    while (batch.length < 3) batch.push(...(await consumer.consumeBatch(3 - batch.length, { timeoutMs: 10_000 })));
    await producer.transaction(async () => {
      await producer.sendBatch(batch.map((m) => ({ topic: output, value: m.value!.toString().toUpperCase() })));
      await producer.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: batch[2]!.offset + 1n }], consumer, { timeoutMs: 30_000 });
    });
    if (realCluster) {
      expect(await consumer.committed([{ topic: input, partition: 0 }])).toEqual([{ topic: input, partition: 0, offset: 3n }]);
      expect(await readAll(output, 'read_committed')).toEqual(['X', 'Y', 'Z']);
    } else {
      // On the mock (see MOCK_REASON) the protocol succeeded; the output is there.
      expect(await readAll(output, 'read_uncommitted')).toEqual(['X', 'Y', 'Z']);
    }
    await consumer.close();
    await expect(producer.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 1n }], consumer)).rejects.toThrow(/closed/);
    await producer.close();
    await plain.close();
  });

  it('transaction calls without transactional.id fail with a typed error', async () => {
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const e = await producer.initTransactions({ timeoutMs: 1000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KafkaError);
    expect((e as KafkaError).codeName).toBe('_NOT_CONFIGURED');
    // The deprecated positional timeout is still read.
    await expect(producer.initTransactions(1000)).rejects.toMatchObject({ codeName: '_NOT_CONFIGURED' });
    await expect(producer.commitTransaction(1000)).rejects.toBeInstanceOf(KafkaError);
    await expect(producer.commitTransaction({ timeoutMs: '1000' as never })).rejects.toThrow(new TypeError('commitTransaction: options.timeoutMs must be a number of milliseconds ≥ 0, got "1000"'));
    await producer.close();
  });
});
