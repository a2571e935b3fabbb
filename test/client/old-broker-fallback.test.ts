/**
 * The fallbacks for brokers older than the features the library uses, against the real broker
 * seen through a proxy that offers only what Apache Kafka 2.1 offered (./old-broker-proxy):
 * librdkafka then builds the requests it would build for a 2.1 broker, and the real broker
 * answers them. Each test checks the proxy saw the old request, so that it fails without the
 * fallback (the new request is not available) and would notice a proxy that let it through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AdminError, Driver, ErrorCode, KafkaAdmin, KafkaConsumer, KafkaError, KafkaProducer } from '../../lib/index';
import { cleanEnv, run } from '../cli-helpers';
import { realCluster, unique, withHandle } from '../helpers';
import { startOldBrokerProxy, type OldBrokerProxy } from '../old-broker-proxy';

const CREATE_TOPICS = 19;
const ALTER_CONFIGS = 33;
const INCREMENTAL_ALTER_CONFIGS = 44;
const LIST_GROUPS = 16;
const DESCRIBE_GROUPS = 15;
const CONSUMER_GROUP_DESCRIBE = 69;

let proxy: OldBrokerProxy;
let admin: KafkaAdmin;
/** The real broker, for checks that must not go through the proxy. */
let direct: KafkaAdmin;

/** Waits until the real broker's metadata has the topic (it learns a created topic a moment after CreateTopics answers). */
async function visible(topic: string): Promise<void> {
  await expect.poll(() => direct.describeTopics([topic]).then(() => true, () => false), { timeout: 10_000 }).toBe(true);
}

/** The entries set on the topic itself, as the real broker describes them. */
async function own(topic: string): Promise<Record<string, string | null>> {
  const [described] = await direct.describeConfigs([{ type: 'topic', name: topic }]);
  return Object.fromEntries(described!.entries.filter((e) => e.source === 'DYNAMIC_TOPIC_CONFIG').map((e) => [e.name, e.value]));
}

const sent = (apiKey: number) => proxy.requests.filter((r) => r.apiKey === apiKey).map((r) => r.version);

describe.skipIf(!realCluster)('fallbacks for brokers older than 2.4 — needs a real broker: the proxy narrows a real broker to Kafka 2.1 API versions', () => {
  beforeAll(async () => {
    proxy = await startOldBrokerProxy(process.env.KAFKA_BOOTSTRAP_SERVERS!);
    admin = new KafkaAdmin({ 'bootstrap.servers': proxy.bootstrapServers });
    direct = new KafkaAdmin({ 'bootstrap.servers': process.env.KAFKA_BOOTSTRAP_SERVERS! });
  });
  afterAll(async () => {
    await admin?.close();
    await direct?.close();
    await proxy?.close();
    expect(proxy?.problems ?? []).toEqual([]);
  });

  it('the proxy is transparent for what 2.1 had: metadata and the data path go through it', async () => {
    const d = await admin.describeCluster();
    expect(d.brokers.map((b) => `${b.host}:${b.port}`)).toEqual([proxy.bootstrapServers]);
    const topic = unique('old-data');
    await direct.createTopics([{ topic, numPartitions: 1 }]);
    await visible(topic);
    const producer = new KafkaProducer({ 'bootstrap.servers': proxy.bootstrapServers });
    const report = await producer.send({ topic, value: 'through the proxy' });
    await producer.close();
    expect(report.offset).toBe(0n);
    expect(Math.max(...proxy.requests.filter((r) => r.apiKey === 0).map((r) => r.version))).toBeLessThanOrEqual(7);
  });

  it("createTopics without a partition count or replication factor uses the broker's defaults (CreateTopics v3)", async () => {
    const topic = unique('old-create');
    await admin.createTopics([{ topic }]);
    expect(sent(CREATE_TOPICS).length).toBeGreaterThan(0);
    expect(Math.max(...sent(CREATE_TOPICS))).toBeLessThanOrEqual(3);
    await visible(topic);
    const [desc] = await direct.describeTopics([topic]);
    const [broker] = await direct.describeConfigs([{ type: 'broker', name: String((await direct.describeCluster()).controllerId) }]);
    const numPartitions = Number(broker!.entries.find((e) => e.name === 'num.partitions')!.value);
    expect(desc!.partitions).toHaveLength(numPartitions);
    expect(desc!.partitions[0]!.replicas).toHaveLength(1);
  });

  it('Driver.createTopic without a replication factor creates the topic and its info topic', async () => {
    const driver = await Driver.connect({ kafka: { 'bootstrap.servers': proxy.bootstrapServers } });
    try {
      const name = unique('old-driver');
      const handle = await driver.createTopic(name, { num_partitions: 2 });
      expect(handle).toBeDefined();
      expect(await driver.topicExists(name)).toBe(true);
      const topics = await direct.listTopics({ includeInternal: true });
      expect(topics.filter((t) => t.endsWith(name))).toHaveLength(2);
    } finally {
      await driver.close();
    }
    expect(Math.max(...sent(CREATE_TOPICS))).toBeLessThanOrEqual(3);
  });

  it('`octokafka topic create` and `octokafka test-send` (with and without --replication-factor) work', async () => {
    const env = cleanEnv();
    const created = unique('old-cli');
    const create = await run(['topic', 'create', created, '-p', '2', '-b', proxy.bootstrapServers], { env });
    expect(create.stderr).toBe('');
    expect(create.code).toBe(0);
    await visible(created);
    expect((await direct.describeTopics([created]))[0]!.partitions).toHaveLength(2);

    const sendTopic = unique('old-test-send');
    const send = await run(['test-send', sendTopic, '-b', proxy.bootstrapServers, '--json'], { env });
    expect(send.code).toBe(0);
    expect(JSON.parse(send.stdout)).toMatchObject({ topic: sendTopic, createdTopic: true, offset: 0 });

    const withRf = unique('old-test-send-rf');
    const sendRf = await run(['test-send', withRf, '-b', proxy.bootstrapServers, '--replication-factor', '1', '--json'], { env });
    expect(sendRf.code).toBe(0);
    expect(JSON.parse(sendRf.stdout)).toMatchObject({ topic: withRf, createdTopic: true });
    await visible(withRf);
    expect((await direct.describeTopics([withRf]))[0]!.partitions[0]!.replicas).toHaveLength(1);
  });

  it('alterConfigs falls back to AlterConfigs and keeps its incremental meaning: other entries stay', async () => {
    const topic = unique('old-configs');
    await direct.createTopics([{ topic, numPartitions: 1, config: { 'retention.ms': 7_200_000, 'cleanup.policy': 'compact', 'max.message.bytes': 200_000 } }]);
    await visible(topic);
    // The fallback reads the configuration first: it must be the one just created.
    await expect.poll(() => own(topic), { timeout: 10_000 }).toEqual({ 'retention.ms': '7200000', 'cleanup.policy': 'compact', 'max.message.bytes': '200000' });
    const before = sent(INCREMENTAL_ALTER_CONFIGS).length;
    await admin.alterConfigs([
      {
        type: 'topic',
        name: topic,
        changes: [
          { name: 'retention.ms', value: 3_600_000 },
          { name: 'max.message.bytes', op: 'delete' },
          { name: 'cleanup.policy', op: 'append', value: 'delete' },
          { name: 'segment.ms', value: 600_000 },
        ],
      },
    ]);
    // The legacy request went through; the incremental one was never sent to this "old" broker.
    expect(sent(ALTER_CONFIGS).length).toBeGreaterThan(0);
    expect(sent(INCREMENTAL_ALTER_CONFIGS).length).toBe(before);
    const expected = { 'retention.ms': '3600000', 'cleanup.policy': 'compact,delete', 'segment.ms': '600000' };
    await expect.poll(() => own(topic), { timeout: 10_000 }).toEqual(expected);

    // validateOnly changes nothing (changes apply in order: the next one showing proves it);
    // a bad value is the broker's typed error.
    await admin.alterConfigs([{ type: 'topic', name: topic, changes: [{ name: 'retention.ms', value: 1 }] }], { validateOnly: true });
    await admin.alterConfigs([{ type: 'topic', name: topic, changes: [{ name: 'segment.ms', value: 700_000 }] }]);
    await expect.poll(() => own(topic), { timeout: 10_000 }).toEqual({ ...expected, 'segment.ms': '700000' });
    const bad = await admin.alterConfigs([{ type: 'topic', name: topic, changes: [{ name: 'retention.ms', value: 'soon' }] }]).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AdminError);
    expect((bad as AdminError).codeName).toBe('INVALID_CONFIG');

    // Groups have no legacy AlterConfigs: a typed refusal, not a silent rewrite.
    const group = await admin.alterConfigs([{ type: 'group', name: unique('g'), changes: [{ name: 'consumer.session.timeout.ms', value: 50_000 }] }]).catch((e: unknown) => e);
    expect(group).toBeInstanceOf(KafkaError);
    expect((group as KafkaError).code).toBe(ErrorCode.UNSUPPORTED_FEATURE);
  });

  it('listConsumerGroups reports the states ListGroups v2 leaves out; describe uses DescribeGroups', async () => {
    const topic = unique('old-groups');
    await direct.createTopics([{ topic, numPartitions: 2 }]);
    const producer = new KafkaProducer({ 'bootstrap.servers': proxy.bootstrapServers });
    await producer.send({ topic, partition: 0, value: 'x' });
    await producer.close();
    const group = unique('old-g');
    const consumer = new KafkaConsumer({
      'bootstrap.servers': proxy.bootstrapServers,
      'group.id': group,
      'client.id': 'old-broker-test',
      'auto.offset.reset': 'earliest',
    });
    try {
      await consumer.subscribe([topic]);
      await expect.poll(async () => (await consumer.consumeBatch(1, { timeoutMs: 1000 })).length, { timeout: 20_000 }).toBe(1);
      const listed = await admin.listConsumerGroups();
      expect(Math.max(...sent(LIST_GROUPS))).toBeLessThanOrEqual(2);
      expect(listed.groups.find((g) => g.groupId === group)).toMatchObject({ isSimple: false, state: 'Stable' });
      const [desc] = await admin.describeConsumerGroups([group]);
      expect(desc).toMatchObject({ groupId: group, state: 'Stable' });
      expect(desc!.members.map((m) => m.clientId)).toEqual(['old-broker-test']);
      expect(sent(DESCRIBE_GROUPS).length).toBeGreaterThan(0);
      expect(sent(CONSUMER_GROUP_DESCRIBE)).toEqual([]);
    } finally {
      await consumer.close();
    }
    await expect.poll(async () => (await admin.listConsumerGroups()).groups.find((g) => g.groupId === group)?.state, { timeout: 10_000 }).toBe('Empty');
  });
});

/**
 * The same fallbacks, on both the mock and a real broker: the native handle is replaced by a
 * stand-in that answers as librdkafka does for a broker without IncrementalAlterConfigs or
 * ListGroups states, so the merge rules are checked whatever the cluster.
 */
describe('fallbacks for old brokers, against a stand-in of the native client', () => {
  type Entry = { name: string; value: string | null; source: string; isSensitive?: boolean; isSynonym?: boolean };
  function legacyBroker(entries: Entry[]) {
    const writes: Array<Array<{ type: number; name: string; entries: Array<[string, string]> }>> = [];
    const handle = {
      incrementalAlterConfigs: async () => {
        // librdkafka's words when the broker lacks the API.
        throw { code: ErrorCode.UNSUPPORTED_FEATURE, message: 'IncrementalAlterConfigs (KIP-339) not supported by broker, requires broker version >= 2.3.0' };
      },
      describeConfigs: async (resources: Array<{ type: number; name: string }>) =>
        resources.map((r) => ({
          ...r,
          entries: entries.map((e) => ({ isReadOnly: false, isDefault: e.source === 'DEFAULT_CONFIG', isSensitive: false, isSynonym: false, ...e })),
        })),
      alterConfigs: async (resources: Array<{ type: number; name: string; entries: Array<[string, string]> }>) => {
        writes.push(resources);
        return resources.map(({ type, name }) => ({ type, name }));
      },
    };
    return { handle, writes };
  }

  it('alterConfigs writes back the own entries with the changes applied; inherited values and synonyms are not written', async () => {
    const broker = legacyBroker([
      { name: 'retention.ms', value: '7200000', source: 'DYNAMIC_TOPIC_CONFIG' },
      { name: 'retention.ms', value: '604800000', source: 'DEFAULT_CONFIG', isSynonym: true },
      { name: 'cleanup.policy', value: 'compact,delete', source: 'DYNAMIC_TOPIC_CONFIG' },
      { name: 'max.message.bytes', value: '200000', source: 'DYNAMIC_TOPIC_CONFIG' },
      { name: 'min.insync.replicas', value: '1', source: 'STATIC_BROKER_CONFIG' },
      { name: 'segment.ms', value: '604800000', source: 'DEFAULT_CONFIG' },
    ]);
    await withHandle(broker.handle, (admin) =>
      admin.alterConfigs([
        {
          type: 'topic',
          name: 't',
          changes: [
            { name: 'retention.ms', value: 3_600_000 },
            { name: 'max.message.bytes', op: 'delete' },
            { name: 'cleanup.policy', op: 'subtract', value: 'delete' },
            { name: 'segment.ms', value: 600_000 },
          ],
        },
      ]),
    );
    expect(broker.writes).toEqual([
      [
        {
          type: 2,
          name: 't',
          entries: [
            ['retention.ms', '3600000'],
            ['cleanup.policy', 'compact'],
            ['segment.ms', '600000'],
          ],
        },
      ],
    ]);
  });

  it('append to a list the topic inherits starts from the inherited value', async () => {
    const broker = legacyBroker([{ name: 'cleanup.policy', value: 'delete', source: 'DEFAULT_CONFIG' }]);
    await withHandle(broker.handle, (admin) => admin.alterConfigs([{ type: 'topic', name: 't', changes: [{ name: 'cleanup.policy', op: 'append', value: 'compact' }] }]));
    expect(broker.writes[0]![0]!.entries).toEqual([['cleanup.policy', 'delete,compact']]);
  });

  it('refuses what a full rewrite would lose: a sensitive entry, a group config', async () => {
    const broker = legacyBroker([{ name: 'ssl.keystore.password', value: null, source: 'DYNAMIC_BROKER_CONFIG', isSensitive: true }]);
    await withHandle(broker.handle, async (admin) => {
      const secret = await admin.alterConfigs([{ type: 'broker', name: '1', changes: [{ name: 'log.cleaner.threads', value: 2 }] }]).catch((e: unknown) => e);
      expect(secret).toBeInstanceOf(KafkaError);
      expect((secret as KafkaError).code).toBe(ErrorCode.UNSUPPORTED_FEATURE);
      expect((secret as KafkaError).message).toContain('ssl.keystore.password');
      const group = await admin.alterConfigs([{ type: 'group', name: 'g', changes: [{ name: 'consumer.session.timeout.ms', value: 50_000 }] }]).catch((e: unknown) => e);
      expect((group as KafkaError).code).toBe(ErrorCode.UNSUPPORTED_FEATURE);
    });
    expect(broker.writes).toEqual([]);
  });

  it("listConsumerGroups fills in the states ListGroups did not report, from DescribeGroups", async () => {
    const described: string[][] = [];
    const handle = {
      listConsumerGroups: async () => ({
        groups: [
          { groupId: 'b', isSimple: false, state: 'Unknown', type: 'Unknown' },
          { groupId: 'a', isSimple: false, state: 'Unknown', type: 'Unknown' },
        ],
        errors: [],
      }),
      describeConsumerGroups: async (ids: string[]) => {
        described.push(ids);
        return ids.map((groupId) => ({
          groupId,
          isSimple: false,
          partitionAssignor: 'range',
          state: groupId === 'a' ? 'Stable' : 'Empty',
          type: 'Classic',
          coordinator: null,
          members: [],
          authorizedOperations: null,
        }));
      },
    };
    await withHandle(handle, async (admin) => {
      const listed = await admin.listConsumerGroups();
      expect(listed.groups.map((g) => [g.groupId, g.state])).toEqual([
        ['a', 'Stable'],
        ['b', 'Empty'],
      ]);
    });
    expect(described).toEqual([['a', 'b']]);
  });
});
