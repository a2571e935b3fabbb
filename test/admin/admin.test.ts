import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AdminError, ClosedError, ErrorCode, KafkaAdmin, KafkaConsumer, KafkaProducer, type Message } from '../../lib/index';
import { fastGroup, realCluster, rejection, unique, useCluster } from '../helpers';

const BROKERS = 3;
const cluster = useCluster(BROKERS);
let admin: KafkaAdmin;
// On the mock every topic can have a replica on each of its 3 brokers; a real test
// cluster may have a single broker.
const replication = realCluster ? 1 : BROKERS;

beforeAll(async () => {
  admin = new KafkaAdmin({ 'bootstrap.servers': cluster.bootstrapServers });
});
afterAll(async () => {
  await admin.close();
});

async function newTopic(prefix: string, numPartitions: number): Promise<string> {
  const topic = unique(prefix);
  await admin.createTopics([{ topic, numPartitions, replicationFactor: replication }]);
  await visible(topic);
  return topic;
}

/**
 * Waits until the cluster's metadata has the topic: a real broker answers CreateTopics once
 * the controller committed it, and its metadata cache learns it a moment later.
 */
async function visible(topic: string): Promise<void> {
  await expect.poll(() => admin.describeTopics([topic]).then(() => true, () => false), { timeout: 10_000 }).toBe(true);
}

async function collect(consumer: KafkaConsumer, n: number, timeoutMs = 20_000): Promise<Message[]> {
  const out: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n && Date.now() < deadline) out.push(...(await consumer.consumeBatch(n - out.length, { timeoutMs: deadline - Date.now() })));
  return out;
}

describe('KafkaAdmin', () => {
  it('describes the cluster: id, brokers and controller', async () => {
    const d = await admin.describeCluster();
    expect(d.brokers.length).toBeGreaterThanOrEqual(1);
    for (const b of d.brokers) expect(b).toMatchObject({ id: expect.any(Number), host: expect.any(String), port: expect.any(Number) });
    if (cluster.mock) {
      expect(d.clusterId).toMatch(/^mockCluster/);
      expect(d.brokers.map((b) => b.id)).toEqual([1, 2, 3]);
      expect(d.brokers.map((b) => `${b.host}:${b.port}`).join(',')).toBe(cluster.mock.bootstrapServers);
      // The mock reports controller id 0, which is none of its brokers (1..N).
      expect(d.controller).toBeNull();
    } else {
      expect(d.clusterId).toEqual(expect.any(String));
      expect(d.controller?.id).toBe(d.controllerId);
    }
  });

  it('creates a topic and describes its partitions with leaders, replicas and ISRs', async () => {
    const topic = await newTopic('admin-create', 3);
    const [desc] = await admin.describeTopics([topic]);
    expect(desc!.topic).toBe(topic);
    expect(desc!.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    const brokerIds = (await admin.describeCluster()).brokers.map((b) => b.id);
    for (const p of desc!.partitions) {
      expect(p.replicas).toHaveLength(replication);
      expect(p.replicas).toContain(p.leader);
      expect(brokerIds).toContain(p.leader);
      expect([...p.isr].sort()).toEqual([...p.replicas].sort());
      expect(p.error).toBeUndefined();
    }
    expect(await admin.listTopics()).toContain(topic);
    expect((await admin.describeTopics()).map((t) => t.topic)).toContain(topic);
  });

  it('reports each topic that could not be created, and creates the others', async () => {
    const existing = await newTopic('admin-exists', 1);
    const fresh = unique('admin-fresh');
    const { error } = await rejection(
      admin.createTopics([
        { topic: existing, numPartitions: 1, replicationFactor: replication },
        { topic: fresh, numPartitions: 2, replicationFactor: replication },
      ]),
    );
    expect(error).toBeInstanceOf(AdminError);
    expect(error.codeName).toBe('TOPIC_ALREADY_EXISTS');
    expect((error as AdminError).failures.map((f) => f.name)).toEqual([`topic ${JSON.stringify(existing)}`]);
    expect(error.message).toContain(existing);
    await visible(fresh);
    expect((await admin.describeTopics([fresh]))[0]!.partitions).toHaveLength(2);
  });

  it('validateOnly creates nothing; a replication factor above the broker count is refused', async () => {
    const topic = unique('admin-dry');
    await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }], { validateOnly: true });
    expect(await admin.listTopics()).not.toContain(topic);
    const brokers = (await admin.describeCluster()).brokers.length;
    const { error } = await rejection(admin.createTopics([{ topic, numPartitions: 1, replicationFactor: brokers + 1 }]));
    expect(error.codeName).toBe('INVALID_REPLICATION_FACTOR');
  });

  it('an explicit replica assignment sets the partition count and replication factor', async () => {
    const ids = (await admin.describeCluster()).brokers.map((b) => b.id);
    const replicas = ids.slice(0, replication);
    const topic = unique('admin-assigned');
    await admin.createTopics([{ topic, replicaAssignment: [replicas, [...replicas].reverse()] }]);
    await visible(topic);
    const [desc] = await admin.describeTopics([topic]);
    expect(desc!.partitions.map((p) => [...p.replicas].sort())).toEqual([[...replicas].sort(), [...replicas].sort()]);
  });

  it('describing a topic that does not exist rejects, and does not create it', async () => {
    const missing = unique('admin-missing');
    const { error } = await rejection(admin.describeTopics([missing]));
    expect(error).toBeInstanceOf(AdminError);
    expect(error.codeName).toBe('UNKNOWN_TOPIC_OR_PART');
    expect(error.message).toContain(missing);
    expect(await admin.listTopics()).not.toContain(missing);
  });

  it('lists earliest and latest offsets after producing, in request order', async () => {
    const topic = await newTopic('admin-offsets', 2);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.sendBatch(Array.from({ length: 5 }, (_, i) => ({ topic, partition: 1, value: `m${i}`, timestamp: 1_700_000_000_000 + i })));
    await producer.close();
    const [latest] = await admin.listOffsets([{ topic, partition: 1, spec: 'latest' }]);
    expect(latest).toMatchObject({ topic, partition: 1, offset: 5n });
    // One spec per partition in a request (librdkafka refuses duplicates).
    const [earliest, emptyLatest] = await admin.listOffsets([
      { topic, partition: 1, spec: 'earliest' },
      { topic, partition: 0, spec: 'latest' },
    ]);
    expect(earliest).toMatchObject({ topic, partition: 1, offset: 0n });
    expect(emptyLatest).toMatchObject({ topic, partition: 0, offset: 0n });
    const [byTime] = await admin.listOffsets([{ topic, partition: 1, spec: { timestamp: 1_700_000_000_002 } }]);
    // The mock cannot look offsets up by timestamp and answers -1.
    expect(byTime!.offset).toBe(cluster.mock ? -1n : 2n);
  });

  it('lists the offsets a consumer group committed', async () => {
    const topic = await newTopic('admin-group', 2);
    const group = unique('g');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: `m${i}` })));
    await producer.close();
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, ...fastGroup });
    await consumer.assign([{ topic, partition: 0 }]);
    const got = await collect(consumer, 4);
    await consumer.commitMessage(got[3]!);
    await consumer.close();

    const offsets = await admin.listConsumerGroupOffsets(group, [{ topic, partition: 0 }, { topic, partition: 1 }]);
    expect(offsets.map((o) => [o.topic, o.partition, o.offset])).toEqual([
      [topic, 0, 4n],
      [topic, 1, -1n],
    ]);
    // Without partitions: every partition the group committed to.
    const all = await admin.listConsumerGroupOffsets(group);
    expect(all.map((o) => [o.topic, o.partition, o.offset])).toEqual([[topic, 0, 4n]]);
    expect(await admin.listConsumerGroupOffsets(unique('nobody'))).toEqual([]);
  });

  it('refuses bad arguments with TypeErrors that name the argument', async () => {
    const cases: Array<[() => Promise<unknown>, RegExp]> = [
      [() => admin.createTopics([]), /createTopics\(topics\) must not be empty/],
      [() => admin.createTopics('t' as never), /createTopics\(topics\) must be an array/],
      [() => admin.createTopics([{ topic: '' }]), /topics\[0\]\.topic must be a non-empty string/],
      [() => admin.createTopics([{ topic: 't', numPartitions: 0 }]), /topics\[0\]\.numPartitions must be a positive integer/],
      [() => admin.createTopics([{ topic: 't', config: { 'retention.ms': {} as never } }]), /topics\[0\]\.config\["retention\.ms"\]/],
      [() => admin.deleteTopics([42 as never]), /deleteTopics\(topics\): topic name \[0\]/],
      [() => admin.createPartitions([{ topic: 't', totalCount: 1.5 }]), /topics\[0\]\.totalCount must be a positive integer/],
      [() => admin.describeTopics([] as string[]), /describeTopics\(topics\) must not be empty/],
      [() => admin.listOffsets([{ topic: 't', partition: 0, spec: 'newest' as never }]), /partitions\[0\]\.spec must be/],
      [() => admin.listOffsets([{ topic: 't', partition: -1, spec: 'latest' }]), /partitions\[0\]\.partition must be a non-negative integer/],
      [() => admin.listOffsets([{ topic: 't', partition: 0, spec: 'latest' }], { isolationLevel: 'dirty' as never }), /options\.isolationLevel/],
      [() => admin.describeConsumerGroups(['a', 'a']), /group ids must not repeat/],
      [() => admin.listConsumerGroupOffsets(''), /listConsumerGroupOffsets\(groupId\): groupId must be a non-empty string/],
      [() => admin.listConsumerGroupOffsets('g', [{ topic: 't' } as never]), /partitions\[0\]\.partition/],
      [() => admin.describeConfigs([{ type: 'cluster' as never, name: 'x' }]), /describeConfigs\(resources\): \[0\]\.type must be 'topic', 'broker' or 'group'/],
      [() => admin.alterConfigs([{ type: 'topic', name: 't', changes: [{ name: 'retention.ms' }] }]), /changes\[0\]\.value must be/],
      [() => admin.describeCluster({ timeoutMs: -5 }), /options\.timeoutMs must be an integer/],
      [() => admin.deleteConsumerGroups([]), /deleteConsumerGroups\(groupIds\) must not be empty/],
      [() => admin.deleteConsumerGroups(['a', 'a']), /deleteConsumerGroups\(groupIds\): group ids must not repeat/],
      [() => admin.deleteRecords([{ topic: 't', partition: 0, offset: 5 as never }]), /deleteRecords\(partitions\): partitions\[0\]\.offset must be a non-negative bigint or 'end'/],
      [() => admin.deleteRecords([{ topic: 't', partition: 0, offset: -2n }]), /partitions\[0\]\.offset must be a non-negative bigint/],
      [() => admin.deleteRecords([{ topic: 't', partition: 0, offset: 1n }, { topic: 't', partition: 0, offset: 2n }]), /partitions must not repeat/],
    ];
    for (const [call, message] of cases) await expect(call()).rejects.toThrow(message);
    for (const [call] of cases) await expect(call()).rejects.toBeInstanceOf(TypeError);
    expect(() => new KafkaAdmin({ 'bootstrap.servers': 'x:1' }, { timeoutMs: 0 })).toThrow(/options\.timeoutMs/);
  });

  it('close is idempotent; every call after close rejects with ClosedError', async () => {
    const other = new KafkaAdmin({ 'bootstrap.servers': cluster.bootstrapServers });
    await other.describeCluster();
    expect(await Promise.all([other.close(), other.close({ timeoutMs: 5000 })])).toEqual([{ timedOut: false }, { timedOut: false }]);
    expect(await other.close()).toEqual({ timedOut: false });
    expect(other.isClosed).toBe(true);
    const calls: Array<() => Promise<unknown>> = [
      () => other.describeCluster(),
      () => other.listTopics(),
      () => other.describeTopics(['t']),
      () => other.createTopics([{ topic: 't' }]),
      () => other.deleteTopics(['t']),
      () => other.createPartitions([{ topic: 't', totalCount: 2 }]),
      () => other.listOffsets([{ topic: 't', partition: 0, spec: 'latest' }]),
      () => other.listConsumerGroups(),
      () => other.describeConsumerGroups(['g']),
      () => other.listConsumerGroupOffsets('g'),
      () => other.describeConfigs([{ type: 'topic', name: 't' }]),
      () => other.alterConfigs([{ type: 'topic', name: 't', changes: [{ name: 'retention.ms', value: 1 }] }]),
      () => other.deleteConsumerGroups(['g']),
      () => other.deleteRecords([{ topic: 't', partition: 0, offset: 1n }]),
    ];
    for (const call of calls) await expect(call()).rejects.toBeInstanceOf(ClosedError);
  });
});

describe.skipIf(realCluster)('KafkaAdmin on a MockCluster (mock only)', () => {
  it('fails fast with UNSUPPORTED_FEATURE for what the embedded cluster lacks', async () => {
    const topic = await newTopic('admin-unsupported', 1);
    const lacking: Array<[string, () => Promise<unknown>]> = [
      ['DeleteTopics', () => admin.deleteTopics([topic])],
      ['CreatePartitions', () => admin.createPartitions([{ topic, totalCount: 4 }])],
      ['DescribeConfigs', () => admin.describeConfigs([{ type: 'topic', name: topic }])],
      ['IncrementalAlterConfigs', () => admin.alterConfigs([{ type: 'topic', name: topic, changes: [{ name: 'retention.ms', value: 1000 }] }])],
      ['ListConsumerGroups', () => admin.listConsumerGroups()],
      ['DescribeConsumerGroups', () => admin.describeConsumerGroups([unique('g')])],
      ['DeleteGroups', () => admin.deleteConsumerGroups([unique('g')])],
      ['DeleteRecords', () => admin.deleteRecords([{ topic, partition: 0, offset: 0n }])],
    ];
    for (const [api, call] of lacking) {
      const { error, ms } = await rejection(call());
      expect(error.code).toBe(ErrorCode.UNSUPPORTED_FEATURE);
      expect(error.message).toContain(`embedded cluster (librdkafka's mock cluster) does not support ${api}`);
      expect(ms).toBeLessThan(2000);
    }
    // Nothing was changed and the client still works.
    expect((await admin.describeTopics([topic]))[0]!.partitions).toHaveLength(1);
  });

  it('a fresh client identifies the mock before its first unsupported call, still fast', async () => {
    const fresh = new KafkaAdmin({ 'bootstrap.servers': cluster.bootstrapServers });
    const { error, ms } = await rejection(fresh.describeConsumerGroups(['g']));
    expect(error.code).toBe(ErrorCode.UNSUPPORTED_FEATURE);
    expect(ms).toBeLessThan(2000);
    await fresh.close();
  });

  it('close() does not wait for a slow broker: the request in flight rejects at once', async () => {
    const topic = await newTopic('admin-slow', 1);
    const slow = new KafkaAdmin({ 'bootstrap.servers': cluster.bootstrapServers });
    await slow.describeCluster();
    for (let id = 1; id <= BROKERS; id++) await cluster.mock!.setBrokerRtt(id, 5000);
    try {
      const pending = rejection(slow.listOffsets([{ topic, partition: 0, spec: 'latest' }], { timeoutMs: 20_000 }));
      await new Promise((r) => setTimeout(r, 200));
      const start = performance.now();
      await slow.close();
      expect(performance.now() - start).toBeLessThan(2000);
      const { error } = await pending;
      expect(error.codeName).toBe('_DESTROY');
    } finally {
      for (let id = 1; id <= BROKERS; id++) await cluster.mock!.setBrokerRtt(id, 0);
    }
  });

  it('a group request that times out while the coordinator is looked up is abandoned safely', async () => {
    // librdkafka 2.14.2 frees and then uses a coordinator request's state when its own timeout
    // fires before the FindCoordinator response arrives (slow brokers here); the client
    // keeps librdkafka's timeout long and gives up on the caller's deadline itself.
    const topic = await newTopic('admin-slow-coordinator', 1);
    const group = unique('g');
    const slow = new KafkaAdmin({ 'bootstrap.servers': cluster.bootstrapServers });
    await slow.describeCluster();
    for (let id = 1; id <= BROKERS; id++) await cluster.mock!.setBrokerRtt(id, 600);
    try {
      const { error, ms } = await rejection(slow.listConsumerGroupOffsets(group, [{ topic, partition: 0 }], { timeoutMs: 300 }));
      expect(error.codeName).toBe('_TIMED_OUT');
      expect(ms).toBeLessThan(1500);
      // The late FindCoordinator response and the request it then sends complete unseen.
      await new Promise((r) => setTimeout(r, 2500));
    } finally {
      for (let id = 1; id <= BROKERS; id++) await cluster.mock!.setBrokerRtt(id, 0);
    }
    expect(await slow.listConsumerGroupOffsets(group, [{ topic, partition: 0 }])).toMatchObject([{ topic, partition: 0, offset: -1n }]);
    await slow.close();
  });

  it('on a mock cluster in another process: createTopics fails fast and says how to create topics', async () => {
    const root = join(__dirname, '..', '..');
    // A bare mock cluster process built from the addon alone (no compiled TypeScript needed).
    const script = `
      const addon = require(${JSON.stringify(join(root, 'node_modules/node-gyp-build'))})(${JSON.stringify(root)});
      const mock = new addon.MockCluster(2, () => {});
      mock.createTopic('remote', 3, 2).then(() => console.log('bootstrap.servers=' + mock.bootstraps()));
      process.stdin.on('end', () => mock.close().then(() => process.exit(0))).resume();`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      const servers = /^bootstrap\.servers=(\S+)$/.exec(line)![1]!;
      const remote = new KafkaAdmin({ 'bootstrap.servers': servers });
      const { error, ms } = await rejection(remote.createTopics([{ topic: 'other', numPartitions: 1 }]));
      expect(error.code).toBe(ErrorCode.UNSUPPORTED_FEATURE);
      expect(error.message).toContain('does not support CreateTopics');
      expect(error.message).toContain('--topic name:partitions');
      expect(error.message).toContain('MockCluster.createTopic');
      expect(ms).toBeLessThan(2000);
      // The request is built (config, replica assignment) before the cluster refuses it.
      const assigned = await rejection(
        remote.createTopics([{ topic: 'assigned', replicaAssignment: [[1, 2], [2, 1]] }, { topic: 'conf', config: { 'cleanup.policy': 'compact' } }]),
      );
      expect(assigned.error.code).toBe(ErrorCode.UNSUPPORTED_FEATURE);
      const [desc] = await remote.describeTopics(['remote']);
      expect(desc!.partitions.map((p) => p.replicas.length)).toEqual([2, 2, 2]);
      expect((await rejection(remote.listConsumerGroups())).error.code).toBe(ErrorCode.UNSUPPORTED_FEATURE);
      // Recognized by its cluster id: a group's offsets are looked up partition by partition.
      expect(await remote.listConsumerGroupOffsets('nobody')).toEqual([]);
      await remote.close();
    } finally {
      child.stdin!.end();
      await once(child, 'exit');
    }
  });
});

describe.skipIf(!realCluster)('KafkaAdmin on a real cluster (real cluster only)', () => {
  it('adds partitions, alters and describes configs, deletes topics', async () => {
    const topic = await newTopic('admin-real', 2);
    await admin.createPartitions([{ topic, totalCount: 3 }], { validateOnly: true });
    await admin.createPartitions([{ topic, totalCount: 3 }]);
    await expect.poll(async () => (await admin.describeTopics([topic]))[0]!.partitions.length, { timeout: 10_000 }).toBe(3);

    await admin.alterConfigs([{ type: 'topic', name: topic, changes: [{ name: 'retention.ms', value: 3_600_000 }] }]);
    // The broker applies a committed change a moment after it answers.
    const retention = async () => (await admin.describeConfigs([{ type: 'topic', name: topic }]))[0]!.entries.find((e) => e.name === 'retention.ms');
    await expect.poll(retention, { timeout: 10_000 }).toMatchObject({ value: '3600000', source: 'DYNAMIC_TOPIC_CONFIG', isDefault: false });

    const { error } = await rejection(admin.describeConfigs([{ type: 'topic', name: unique('no-such-topic') }]));
    expect(error).toBeInstanceOf(AdminError);

    await admin.deleteTopics([topic]);
    await expect.poll(async () => (await admin.listTopics()).includes(topic), { timeout: 10_000 }).toBe(false);
    // Gone from the metadata too: describing it is the typed unknown-topic error.
    await expect.poll(async () => (await rejection(admin.describeTopics([topic]))).error.codeName, { timeout: 10_000 }).toBe('UNKNOWN_TOPIC_OR_PART');
    const { error: again } = await rejection(admin.deleteTopics([topic]));
    expect(again).toBeInstanceOf(AdminError);
    expect(again.codeName).toBe('UNKNOWN_TOPIC_OR_PART');
  });

  it('alters topic configs incrementally: set and delete one entry, the others stay; a bad value is refused', async () => {
    const topic = unique('admin-configs');
    await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: replication, config: { 'retention.ms': 7_200_000, 'cleanup.policy': 'compact' } }]);
    await visible(topic);
    const own = async () =>
      Object.fromEntries(
        (await admin.describeConfigs([{ type: 'topic', name: topic }]))[0]!.entries.filter((e) => e.source === 'DYNAMIC_TOPIC_CONFIG').map((e) => [e.name, e.value]),
      );
    // Changes are applied a moment after the broker answers: wait for each to show.
    await expect.poll(own, { timeout: 10_000 }).toEqual({ 'retention.ms': '7200000', 'cleanup.policy': 'compact' });
    await admin.alterConfigs([{ type: 'topic', name: topic, changes: [{ name: 'max.message.bytes', value: 300_000 }, { name: 'retention.ms', op: 'delete' }] }]);
    await expect.poll(own, { timeout: 10_000 }).toEqual({ 'cleanup.policy': 'compact', 'max.message.bytes': '300000' });
    const [described] = await admin.describeConfigs([{ type: 'topic', name: topic }]);
    // Deleted: back to the broker's value.
    const retention = described!.entries.find((e) => e.name === 'retention.ms')!;
    expect(retention.source).not.toBe('DYNAMIC_TOPIC_CONFIG');
    expect(retention.value).not.toBe('7200000');
    await admin.alterConfigs([{ type: 'topic', name: topic, changes: [{ name: 'segment.ms', value: 1000 }] }], { validateOnly: true });
    // Changes apply in order: once the append shows, a validateOnly change made before it would too.
    await admin.alterConfigs([{ type: 'topic', name: topic, changes: [{ name: 'cleanup.policy', op: 'append', value: 'delete' }] }]);
    await expect.poll(async () => (await own())['cleanup.policy'], { timeout: 10_000 }).toBe('compact,delete');
    expect(await own()).not.toHaveProperty('segment.ms');
    const { error } = await rejection(admin.alterConfigs([{ type: 'topic', name: topic, changes: [{ name: 'retention.ms', value: 'soon' }] }]));
    expect(error).toBeInstanceOf(AdminError);
    expect(error.codeName).toBe('INVALID_CONFIG');
  });

  it('deletes a consumer group: refused while it has members, done when it is empty', async () => {
    const topic = await newTopic('admin-delete-group', 1);
    const group = unique('g');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.send({ topic, partition: 0, value: 'x' });
    await producer.close();
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, ...fastGroup });
    await consumer.subscribe([topic]);
    const [m] = await collect(consumer, 1);
    await consumer.commitMessage(m!);

    const { error: busy } = await rejection(admin.deleteConsumerGroups([group]));
    expect(busy).toBeInstanceOf(AdminError);
    expect(busy.codeName).toBe('NON_EMPTY_GROUP');
    expect((busy as AdminError).failures.map((f) => f.name)).toEqual([`group ${JSON.stringify(group)}`]);
    expect(await admin.listConsumerGroupOffsets(group)).toMatchObject([{ topic, partition: 0, offset: 1n }]);

    await consumer.close();
    await expect.poll(async () => (await admin.listConsumerGroups()).groups.find((g) => g.groupId === group)?.state, { timeout: 10_000 }).toBe('Empty');
    await admin.deleteConsumerGroups([group]);
    expect((await admin.listConsumerGroups()).groups.map((g) => g.groupId)).not.toContain(group);
    expect(await admin.listConsumerGroupOffsets(group)).toEqual([]);
    const { error: gone } = await rejection(admin.deleteConsumerGroups([group]));
    expect(gone.codeName).toBe('GROUP_ID_NOT_FOUND');
  });

  it('lists and describes consumer groups with their members and assignments', async () => {
    const topic = await newTopic('admin-groups', 2);
    const group = unique('g');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.send({ topic, partition: 0, value: 'x' });
    await producer.close();
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, 'client.id': 'admin-test', ...fastGroup });
    await consumer.subscribe([topic]);
    expect(await collect(consumer, 1)).toHaveLength(1);

    const listed = await admin.listConsumerGroups();
    expect(listed.groups.find((g) => g.groupId === group)).toMatchObject({ isSimple: false, state: 'Stable' });
    const [desc] = await admin.describeConsumerGroups([group]);
    expect(desc).toMatchObject({ groupId: group, state: 'Stable', isSimple: false });
    expect(desc!.members).toHaveLength(1);
    expect(desc!.members[0]!.clientId).toBe('admin-test');
    expect(desc!.members[0]!.assignment.map((a) => a.partition).sort()).toEqual([0, 1]);
    expect(desc!.coordinator).not.toBeNull();
    await consumer.close();
    // The group outlives its members: Empty, with no members.
    await expect.poll(async () => (await admin.describeConsumerGroups([group]))[0]!.state, { timeout: 10_000 }).toBe('Empty');
    expect((await admin.describeConsumerGroups([group]))[0]!.members).toEqual([]);
  });
});
