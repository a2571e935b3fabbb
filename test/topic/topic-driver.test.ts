/** Driver: the C++ driver tests, configuration, the info topic written the way Octopus writes it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, KafkaError } from '../../lib/util/errors';
import { KafkaProducer } from '../../lib/client/producer';
import { KafkaAdmin } from '../../lib/admin/admin';
import { KafkaConsumer } from '../../lib/client/consumer';
import { Driver, TopicNotFoundError } from '../../lib/topic/driver';
import { resolveDriverConfig } from '../../lib/topic/driver-config';
import { realCluster, unique, useCluster } from '../helpers';

const cluster = useCluster();
let driver: Driver;

beforeAll(async () => {
  driver = await Driver.connect({ kafka: { 'bootstrap.servers': [cluster.bootstrapServers] } });
});
afterAll(async () => {
  await driver?.close();
});

describe('Driver (C++ suite)', () => {
  it('topicExists is false, then createTopic makes it true; a second create throws', async () => {
    const name = unique('drv');
    expect(await driver.topicExists(name)).toBe(false);
    const topic = await driver.createTopic(name);
    expect(topic.name).toBe(name);
    expect(await driver.topicExists(name)).toBe(true);
    await expect(driver.createTopic(name)).rejects.toMatchObject({ codeName: 'TOPIC_ALREADY_EXISTS' });
  });

  it('openTopic of an unknown topic throws "topic not found"', async () => {
    await expect(driver.openTopic(unique('nope'))).rejects.toThrow(/topic not found/);
    await expect(driver.openTopic(unique('nope'))).rejects.toBeInstanceOf(TopicNotFoundError);
  });

  it('a new topic has 1 partition and reopens with the same components', async () => {
    const name = unique('one');
    await driver.createTopic(name, { validator: { type: 'schema', schema: { type: 'object', required: ['x'] } } });
    const topic = await driver.openTopic(name);
    expect(topic.partitions).toEqual([{ partition_id: 0 }]);
    expect(topic.validator.description).toEqual({ schema: { required: ['x'], type: 'object' }, type: 'schema' });
    expect(topic.selector.description).toEqual({ type: 'default' });
    expect(topic.serializer.description).toEqual({ type: 'default' });
  });

  it('listTopics lists created topics with object components and partition counts, not info topics', async () => {
    const a = unique('lst');
    const b = unique('lst');
    await driver.createTopic(a);
    await driver.createTopic(b, { num_partitions: 3, selector: { type: 'key', field: 'user' } });
    const list = await driver.listTopics();
    const byName = new Map(list.map((t) => [t.name, t]));
    expect(byName.get(a)).toEqual({ name: a, num_partitions: 1, validator: { type: 'default' }, selector: { type: 'default' }, serializer: { type: 'default' } });
    expect(byName.get(b)?.num_partitions).toBe(3);
    expect(byName.get(b)?.selector).toEqual({ field: 'user', type: 'key' });
    expect(list.some((t) => t.name.includes('__info_'))).toBe(false);
  });

  it('writes the info records byte for byte as Octopus does', async () => {
    const name = unique('bytes');
    await driver.createTopic(name, { validator: { type: 'eventbridge', schema: { source: ['a'] } } });
    const admin = new KafkaAdmin({ 'bootstrap.servers': cluster.bootstrapServers });
    const c = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g') });
    try {
      await c.assign([{ topic: `__info_${name}`, partition: 0, offset: -2n }]);
      const values: string[] = [];
      while (values.length < 3) {
        const m = await c.consume({ timeoutMs: 10_000 });
        expect(m).not.toBeNull();
        expect(m!.key).toBeNull();
        expect(m!.headers).toEqual([]);
        values.push(m!.value!.toString());
      }
      expect(values).toEqual(['{"schema":{"source":["a"]},"type":"eventbridge"}', '{"type":"default"}', '{"type":"default"}']);
    } finally {
      await c.close();
      await admin.close();
    }
  });

  /** Creates a plain topic (no info records), through the mock's API or CreateTopics. */
  async function rawTopic(name: string, partitions: number): Promise<void> {
    if (cluster.mock) return cluster.mock.createTopic(name, partitions, 1);
    const admin = new KafkaAdmin({ 'bootstrap.servers': cluster.bootstrapServers });
    try {
      await admin.createTopics([{ topic: name, numPartitions: partitions }]);
    } finally {
      await admin.close();
    }
  }

  it('opens a topic whose info topic a raw producer wrote the way Octopus does', async () => {
    const name = unique('octo');
    await rawTopic(name, 2);
    await rawTopic(`__info_${name}`, 1);
    const p = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    for (const v of ['{"type":"default"}', '{"type":"default"}', '{"schema":{"type":"object"},"type":"schema"}']) {
      await p.send({ topic: `__info_${name}`, partition: 0, value: Buffer.from(v) });
    }
    await p.close();
    const topic = await driver.openTopic(name);
    expect(topic.partitions).toHaveLength(2);
    expect(topic.serializer.description).toEqual({ schema: { type: 'object' }, type: 'schema' });
  });

  it('openTopic of a topic whose info topic is empty fails instead of hanging', async () => {
    const name = unique('empty');
    await rawTopic(name, 1);
    await rawTopic(`__info_${name}`, 1);
    const started = Date.now();
    await expect(driver.openTopic(name)).rejects.toThrow(/0 of its 3 component records/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('deleteTopic: unknown → not found; the mock refuses with a clear error', async () => {
    await expect(driver.deleteTopic(unique('gone'))).rejects.toBeInstanceOf(TopicNotFoundError);
    const name = unique('del');
    await driver.createTopic(name);
    const err = await driver.deleteTopic(name).then(() => null, (e: unknown) => e);
    if (cluster.mock) expect(err).toBeInstanceOf(KafkaError);
    else expect(err).toBeNull();
  });

  it('namespace prefixes Kafka names and stays invisible', async () => {
    // A namespace of its own: a real cluster keeps the topics of earlier runs.
    const namespace = unique('nsa');
    const ns = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers }, namespace });
    try {
      const name = unique('n');
      const topic = await ns.createTopic(name);
      expect(topic.kafkaTopic).toBe(`${namespace}.${name}`);
      expect((await ns.listTopics()).map((t) => t.name)).toEqual([name]);
      expect(await driver.topicExists(name)).toBe(false);
    } finally {
      await ns.close();
    }
  });
});

describe('Driver configuration', () => {
  it('a value of another kind (a Buffer) is a ConfigError naming it, and arrays given are left as they are (not frozen)', async () => {
    // Found by the decoder fuzz (seed 28734790): zod's readonly arrays froze what they met, and
    // a Buffer in a union made that throw a bare TypeError.
    // @ts-expect-error -- refused by the compiler too; the runtime check is for JSON configurations
    await expect(Driver.connect({ kafka: { 'client.id': Buffer.from('x') } })).rejects.toMatchObject({ name: 'ConfigError', property: 'kafka.client.id' });
    const servers = ['127.0.0.1:1'];
    const list = ['a', 'b'];
    const resolved = resolveDriverConfig({ kafka: { 'bootstrap.servers': servers, 'debug': list } });
    expect(resolved.kafka['bootstrap.servers']).toBe('127.0.0.1:1');
    expect(Object.isFrozen(servers)).toBe(false);
    expect(Object.isFrozen(list)).toBe(false);
  });

  it('errors name the JSON path', async () => {
    // @ts-expect-error -- refused by the compiler too; the runtime check is for JSON configurations
    await expect(Driver.connect({ kafka: { 'bootstrap.servers': 42 } })).rejects.toMatchObject({ property: 'kafka.bootstrap.servers' });
    // An empty namespace and blocks octokafka does not read are accepted, as Octopus accepts
    // them (topic-octopus-parity.test.ts); what is wrong in the parts it reads is not.
    await expect(Driver.connect({ kafka: {}, namespace: 'not a prefix' })).rejects.toMatchObject({ property: 'namespace' });
    // @ts-expect-error -- refused by the compiler too; the runtime check is for JSON configurations
    await expect(Driver.connect({ kafka: {}, disable_info_topic: 1 })).rejects.toBeInstanceOf(ConfigError);
    // @ts-expect-error -- refused by the compiler too; the runtime check is for JSON configurations
    await expect(Driver.connect({ kafka: {}, aws_msk_iam: {} })).rejects.toMatchObject({ property: 'aws_msk_iam.region' });
  });

  it('aws_msk_iam makes every client of the driver use SASL_SSL + OAUTHBEARER with MSK IAM tokens', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    try {
      // A setting that contradicts MSK IAM is refused: the mapping applies to the driver's clients.
      await expect(
        Driver.connect({ kafka: { 'bootstrap.servers': '127.0.0.1:1', 'security.protocol': 'PLAINTEXT' }, aws_msk_iam: { region: 'eu-west-1' } }),
      ).rejects.toThrow(/security\.protocol/);
      const driver = await Driver.connect({ kafka: { 'bootstrap.servers': '127.0.0.1:1' }, aws_msk_iam: { region: 'eu-west-1' } });
      await driver.close();
    } finally {
      process.env = saved;
    }
  });

  it('Driver.embedded() starts an embedded cluster (connect() without servers is an error: test/topic/driver-embedded.test.ts)', async () => {
    const d = await Driver.embedded({});
    try {
      expect(d.embeddedCluster).toBeDefined();
      const name = unique('emb');
      await d.createTopic(name);
      expect(await d.topicExists(name)).toBe(true);
    } finally {
      await d.close();
    }
  });

  it('fromFile reads the JSON configuration', async () => {
    const file = join(tmpdir(), `${unique('cfg')}.json`);
    writeFileSync(file, JSON.stringify({ kafka: { 'bootstrap.servers': cluster.bootstrapServers }, info_topic_prefix: '__meta_' }));
    const d = await Driver.fromFile(file);
    try {
      const name = unique('f');
      await d.createTopic(name);
      expect(await d.topicExists(name)).toBe(true);
      // The info topic has the configured prefix.
      const admin = new KafkaAdmin({ 'bootstrap.servers': cluster.bootstrapServers });
      try {
        const names = await admin.listTopics({ includeInternal: true });
        expect(names).toContain(`__meta_${name}`);
        expect(names).not.toContain(`__info_${name}`);
      } finally {
        await admin.close();
      }
    } finally {
      await d.close();
    }
    await expect(Driver.fromFile(join(tmpdir(), unique('missing')))).rejects.toBeInstanceOf(ConfigError);
  });
});
