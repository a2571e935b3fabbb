import { describe, expect, it } from 'vitest';

import { ClosedError, ConfigError, KafkaConsumer, KafkaError, KafkaProducer } from '../../lib/index';
import { fastGroup, unique, useCluster } from '../helpers';

const cluster = useCluster();

describe('bad input gives typed errors and the process keeps running', () => {
  it('librdkafka-refused configuration is a ConfigError naming the property', () => {
    // @ts-expect-error -- the compiler refuses it too; the runtime check is for JavaScript callers
    expect(() => new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'no.such.property': 1 })).toThrow(ConfigError);
    try {
      // @ts-expect-error -- as above
      new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, acks: 'sometimes' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).property).toBe('acks');
    }
  });

  it('a secret value never appears in a configuration error', () => {
    try {
      new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'ssl.key.password': { nested: 'hunter2' } as never });
      expect.unreachable();
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('hunter2');
    }
  });

  it('messages with wrong shapes are refused with TypeErrors', async () => {
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await expect(producer.send({ topic: '', value: 'x' })).rejects.toThrow(/topic must be a non-empty string/);
    await expect(producer.send({ topic: 't', value: 42 as never })).rejects.toThrow(/value must be/);
    await expect(producer.send({ topic: 't', value: 'x', partition: -3 })).rejects.toThrow(/partition must be a non-negative integer/);
    await expect(producer.send({ topic: 't', value: 'x', headers: [[1, 'x']] as never })).rejects.toThrow(/headers/);
    await producer.close();
  });

  it('a message larger than message.max.bytes is rejected with MSG_SIZE_TOO_LARGE', async () => {
    const topic = await cluster.topic('big');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'message.max.bytes': 10_000 });
    const error = await producer.send({ topic, value: Buffer.alloc(20_000) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaError);
    expect((error as KafkaError).codeName).toBe('MSG_SIZE_TOO_LARGE');
    expect((await producer.send({ topic, value: 'small' })).offset).toBe(0n);
    await producer.close();
  });
});

describe('lifecycle', () => {
  it('close is idempotent and every call after close rejects with ClosedError', async () => {
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g') });
    await Promise.all([producer.close(), producer.close()]);
    await consumer.close();
    await consumer.close();
    await expect(producer.send({ topic: 't', value: 'x' })).rejects.toBeInstanceOf(ClosedError);
    expect(() => producer.produce({ topic: 't', value: 'x' })).toThrow(ClosedError);
    await expect(producer.flush()).rejects.toBeInstanceOf(ClosedError);
    await expect(consumer.subscribe(['t'])).rejects.toBeInstanceOf(ClosedError);
    await expect(consumer.commit()).rejects.toBeInstanceOf(ClosedError);
    expect(await consumer.consume({ timeoutMs: 10 })).toBeNull();
  });

  it('closing a producer with messages in flight settles every send', async () => {
    const topic = await cluster.topic('inflight');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 50 });
    const sends = Array.from({ length: 200 }, (_, i) => producer.send({ topic, value: `m${i}` }).then(() => 'ok', () => 'failed'));
    const report = await producer.close({ timeoutMs: 5000 });
    const outcomes = await Promise.all(sends);
    expect(outcomes).toHaveLength(200);
    expect(outcomes.filter((o) => o === 'failed')).toHaveLength(report.undelivered);
  });

  it('closing a consumer while it is iterating ends the iteration and runs the revoke hook', async () => {
    const topic = await cluster.topic('midstream');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.sendBatch(Array.from({ length: 500 }, (_, i) => ({ topic, value: `m${i}` })));
    const revoked: number[] = [];
    const consumer = new KafkaConsumer(
      { 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g'), ...fastGroup },
      { onRevoke: async (ps) => {
          await consumer.commit();
          revoked.push(...ps.map((p) => p.partition));
        } },
    );
    await consumer.subscribe([topic]);
    let seen = 0;
    for await (const _ of consumer) {
      if (++seen === 10) void consumer.close();
    }
    await consumer.close();
    expect(seen).toBeGreaterThanOrEqual(10);
    expect(revoked).toEqual([0]);
    await producer.close();
  });

  it('commits called before close() are sent before the group is left: each settles, close() does not time out, the last offsets stay', async () => {
    // A commit that reached librdkafka after the group had begun leaving was never answered
    // (close() then sat at its deadline and reported a coordinator that did not answer), and
    // one that landed just as the group ended aborted the process in librdkafka's teardown
    // (assert !rd_kafka_assignment_in_progress, seen in the lifecycle fuzz on Kafka 4.1).
    const topic = await cluster.topic('commit-then-close', 2);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic, partition: i % 2, value: `m${i}` })));
    await producer.close();
    const group = unique('g-commit-then-close');
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, ...fastGroup });
    await consumer.subscribe([topic]);
    for (let got = 0; got < 5; ) got += (await consumer.consumeBatch(100, { timeoutMs: 500 })).length;
    const commits = Array.from({ length: 100 }, (_, i) =>
      consumer.commit([{ topic, partition: i % 2, offset: BigInt(i + 1) }]).then(() => 'ok', (e: unknown) => e),
    );
    const started = Date.now();
    const report = await consumer.close({ timeoutMs: 15_000 });
    const ms = Date.now() - started;
    const outcomes = await Promise.all(commits);
    console.log(`close() with 100 commits queued: ${JSON.stringify(report)} after ${ms} ms`);
    expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
    expect(report).toEqual({ timedOut: false });
    const check = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group });
    const committed = await check.committed([{ topic, partition: 0 }, { topic, partition: 1 }]);
    expect(committed.map((c) => c.offset)).toEqual([99n, 100n]);
    await check.close();
  }, 60_000);

  it('opens and closes 100 consumers in a row without leaking or crashing', async () => {
    const topic = await cluster.topic('churn');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.sendBatch(Array.from({ length: 50 }, (_, i) => ({ topic, value: `m${i}` })));
    for (let i = 0; i < 100; i++) {
      const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('churn') });
      await consumer.assign([{ topic, partition: 0, offset: 0n }]);
      if (i % 2 === 0) await consumer.consume({ timeoutMs: 5000 });
      await consumer.close();
    }
    await producer.close();
  });
});
