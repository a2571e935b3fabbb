/**
 * createTopics without a partition count or replication factor on brokers older than 2.4:
 * librdkafka sends -1 ("the broker's default", KIP-464) only with CreateTopics v4 and refuses
 * the request on older brokers with _UNSUPPORTED_FEATURE. The admin client then reads the
 * broker's `num.partitions` / `default.replication.factor` (DescribeConfigs) and asks again
 * with them. Neither the mock nor the pinned Kafka 4 broker is that old: the native handle is
 * replaced by a stand-in that answers like librdkafka does against one.
 */
import { describe, expect, it } from 'vitest';

import { ErrorCode, KafkaError } from '../../lib/index';
import { withHandle } from '../helpers';

interface CreateCall {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
}

/** A native admin handle of a client connected to a broker without KIP-464 (CreateTopics < v4). */
function oldBroker(defaults: Record<string, string | null>) {
  const creates: CreateCall[][] = [];
  const described: Array<Array<{ type: number; name: string }>> = [];
  const handle = {
    createTopics: async (topics: CreateCall[]) => {
      creates.push(topics.map(({ topic, numPartitions, replicationFactor }) => ({ topic, numPartitions, replicationFactor })));
      if (topics.some((t) => t.numPartitions === -1 || t.replicationFactor === -1)) {
        // librdkafka's words when the request cannot be built for this broker.
        throw { code: ErrorCode.UNSUPPORTED_FEATURE, message: 'Default replication factor (KIP-464) not supported by broker, requires broker version <= 2.4.0' };
      }
      return topics.map((t) => ({ name: t.topic }));
    },
    metadata: async () => ({ clusterId: 'old-cluster', controllerId: 2, origBrokerId: 1, brokers: [{ id: 1, host: 'b1', port: 9092 }, { id: 2, host: 'b2', port: 9092 }], topics: [] }),
    describeConfigs: async (resources: Array<{ type: number; name: string }>) => {
      described.push(resources);
      return resources.map((r) => ({
        type: r.type,
        name: r.name,
        entries: Object.entries(defaults).map(([name, value]) => ({ name, value, source: 5, isReadOnly: false, isDefault: false, isSensitive: false, synonyms: [] })),
      }));
    },
  };
  return { handle, creates, described };
}

describe('createTopics on a broker older than 2.4 (no KIP-464 defaults)', () => {
  it("fills in the broker's default replication factor and partition count and asks again", async () => {
    const broker = oldBroker({ 'default.replication.factor': '3', 'num.partitions': '6' });
    await withHandle(broker.handle, async (admin) => {
      await admin.createTopics([
        { topic: 'no-defaults' },
        { topic: 'partitions-given', numPartitions: 2 },
        { topic: 'replication-given', replicationFactor: 2 },
        { topic: 'both-given', numPartitions: 4, replicationFactor: 1 },
      ]);
    });
    // The controller's configuration is the one asked for.
    expect(broker.described).toEqual([[{ type: 4, name: '2' }]]);
    expect(broker.creates).toHaveLength(2);
    expect(broker.creates[1]).toEqual([
      { topic: 'no-defaults', numPartitions: 6, replicationFactor: 3 },
      { topic: 'partitions-given', numPartitions: 2, replicationFactor: 3 },
      { topic: 'replication-given', numPartitions: 6, replicationFactor: 2 },
      { topic: 'both-given', numPartitions: 4, replicationFactor: 1 },
    ]);
  });

  it('a broker that does not tell its defaults: a typed error that says what to give', async () => {
    const broker = oldBroker({ 'num.partitions': '1' });
    await withHandle(broker.handle, async (admin) => {
      const error = await admin.createTopics([{ topic: 't' }]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(KafkaError);
      expect((error as KafkaError).code).toBe(ErrorCode.UNSUPPORTED_FEATURE);
      expect((error as KafkaError).message).toMatch(/default\.replication\.factor/);
      expect((error as KafkaError).message).toMatch(/replicationFactor/);
    });
    expect(broker.creates).toHaveLength(1);
  });

  it('a broker with KIP-464 is asked once, with -1', async () => {
    const creates: CreateCall[][] = [];
    const handle = {
      createTopics: async (topics: CreateCall[]) => {
        creates.push(topics.map(({ topic, numPartitions, replicationFactor }) => ({ topic, numPartitions, replicationFactor })));
        return topics.map((t) => ({ name: t.topic }));
      },
    };
    await withHandle(handle, (admin) => admin.createTopics([{ topic: 'new' }]));
    expect(creates).toEqual([[{ topic: 'new', numPartitions: -1, replicationFactor: -1 }]]);
  });
});
