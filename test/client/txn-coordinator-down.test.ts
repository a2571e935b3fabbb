/**
 * sendOffsetsToTransaction settles within its timeout when the consumer group's coordinator
 * dies for good (mock cluster). librdkafka sends TxnOffsetCommit through its coordinator
 * request machinery, which waited for the cached coordinator to come back up without ever
 * enforcing the request's timeout, and re-ran only when some broker went to or from UP:
 * with the coordinator down and the other brokers steady, the call never returned (the
 * exactly-once worker's stall after a node kill on the three-node cluster, see
 * docs/cluster-faults.md). Fixed by deps/patches/coord-req-timeout.patch.
 */
import { describe, expect, it } from 'vitest';

import { KafkaConsumer, KafkaError, KafkaProducer } from '../../lib/index';
import { realCluster, unique, useCluster } from '../helpers';

const cluster = useCluster(3);

describe('transaction calls when the group coordinator dies for good', () => {
  it.skipIf(realCluster)('sendOffsetsToTransaction rejects within its timeout instead of waiting forever, then finds a new coordinator (mock only: moves coordinators)', async () => {
    const mock = cluster.mock!;
    const input = await cluster.topic('txd-in');
    const group = unique('txd-g');
    const transactionalId = unique('txd-tx');
    // Input leader and transaction coordinator on broker 1, the group's coordinator on broker 2.
    await mock.setPartitionLeader(input, 0, 1);
    await mock.setCoordinator('transaction', transactionalId, 1);
    await mock.setCoordinator('group', group, 2);
    const plain = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await plain.sendBatch(['a', 'b', 'c'].map((value) => ({ topic: input, partition: 0, value })));
    await plain.close();
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, 'enable.auto.commit': false });
    consumer.on('error', () => undefined);
    await consumer.assign([{ topic: input, partition: 0, offset: 0n }]);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'transactional.id': transactionalId });
    producer.on('error', () => undefined);
    try {
      await producer.initTransactions();
      // A first commit of offsets: the producer now knows broker 2 as the group's coordinator.
      await producer.transaction(async () => {
        await producer.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 1n }], consumer);
      });

      await mock.setBrokerDown(2);
      await producer.beginTransaction();
      const t0 = Date.now();
      const outcome = await producer.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 2n }], consumer, { timeoutMs: 3000 }).then(
        () => 'resolved',
        (e: unknown) => e,
      );
      const elapsed = Date.now() - t0;
      console.log(`txn-coordinator-down: sendOffsetsToTransaction with the group coordinator down settled after ${elapsed} ms: ${outcome instanceof Error ? outcome.message : String(outcome)}`);
      // The coordinator stays down: the call fails, typed, about when its 3 s timeout passes.
      expect(outcome).toBeInstanceOf(KafkaError);
      expect(elapsed).toBeLessThan(10_000);
      await producer.abortTransaction();

      // The group's coordinator moves to broker 3: the next call finds it by itself.
      await mock.setCoordinator('group', group, 3);
      await producer.transaction(async () => {
        await producer.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 2n }], consumer, { timeoutMs: 10_000 });
      });
    } finally {
      await producer.close({ timeoutMs: 5000 });
      await consumer.close();
    }
  }, 60_000);
});
