/**
 * Behaviour beside the C++ Octopus (issue 17): configuration files Octopus accepts, topics
 * without an info topic, and consumer group names under a namespace.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaAdmin } from '../../lib/admin/admin';
import type { Logger } from '../../lib/core/client-base';
import { ConfigError } from '../../lib/util/errors';
import { KafkaProducer } from '../../lib/client/producer';
import { Driver, TopicNotFoundError } from '../../lib/topic/driver';
import { resolveDriverConfig } from '../../lib/topic/driver-config';
import { TOPIC_WARNING_CODE } from '../../lib/topic/notes';
import { unique, useCluster } from '../helpers';

const cluster = useCluster();

/** A logger that keeps what it is given. */
function recordingLogger(): Logger & { lines: Array<{ level: string; fields: object; message: string }> } {
  const lines: Array<{ level: string; fields: object; message: string }> = [];
  const at = (level: string) => (fields: object, message?: string) => void lines.push({ level, fields, message: message ?? '' });
  return { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

/** Runs `fn` and returns the process warnings it emitted. */
async function processWarnings(fn: () => Promise<void>): Promise<Error[]> {
  const seen: Error[] = [];
  const listener = (w: Error): void => void seen.push(w);
  process.on('warning', listener);
  try {
    await fn();
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

describe('configuration files Octopus accepts', () => {
  it('"namespace": "" is no namespace', async () => {
    const driver = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers }, namespace: '' });
    try {
      const name = unique('nons');
      const topic = await driver.createTopic(name);
      expect(topic.kafkaTopic).toBe(name);
      const admin = new KafkaAdmin({ 'bootstrap.servers': cluster.bootstrapServers });
      try {
        expect(await admin.listTopics({ includeInternal: true })).toContain(`__info_${name}`);
      } finally {
        await admin.close();
      }
    } finally {
      await driver.close();
    }
  });

  it("loads the cloud-service file of Octopus's README: the octopus block is ignored (debug note), info topics get Octopus's info_ prefix", async () => {
    // The shape of the README's "Octopus cloud service" example, with a reachable cluster.
    const file = join(tmpdir(), `${unique('octopus-cfg')}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          kafka: { 'bootstrap.servers': [cluster.bootstrapServers] },
          namespace: 'my-namespace',
          octopus: { subject: 'my-subject-id', authorization: 'my-auth-token', url: 'https://my-octopus-service.example.com' },
        },
        null,
        4,
      ),
    );
    const logger = recordingLogger();
    const driver = await Driver.fromFile(file, { logger });
    try {
      const debug = logger.lines.filter((l) => l.level === 'debug' && /ignoring "octopus"/.test(l.message));
      expect(debug).toHaveLength(1);
      expect(debug[0]!.fields).toEqual({ ignored: ['octopus'] });
      expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
      const name = unique('cloud');
      const topic = await driver.createTopic(name);
      expect(topic.kafkaTopic).toBe(`my-namespace.${name}`);
      const admin = new KafkaAdmin({ 'bootstrap.servers': cluster.bootstrapServers });
      try {
        const names = await admin.listTopics({ includeInternal: true });
        expect(names).toContain(`my-namespace.info_${name}`);
        expect(names).not.toContain(`my-namespace.__info_${name}`);
      } finally {
        await admin.close();
      }
      // It reopens with its components (read from my-namespace.info_<name>), without a warning.
      await driver.openTopic(name);
      expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
    } finally {
      await driver.close();
    }
  });

  it("loads the Octopus cloud-service configuration with environment variables and MSK IAM (the shape of Octopus's examples)", () => {
    const logger = recordingLogger();
    const resolved = resolveDriverConfig(
      {
        kafka: { 'bootstrap.servers': ['b-1.example:9098', 'b-2.example:9098'] },
        aws_msk_iam: { region: 'us-east-1' },
        octopus: { subject_env: 'OCTOPUS_SUBJECT', authorization_env: 'OCTOPUS_AUTHORIZATION' },
        namespace: 'ns-0123456789ab',
      },
      { logger },
    );
    expect(resolved.kafka['bootstrap.servers']).toBe('b-1.example:9098,b-2.example:9098');
    expect(resolved.clientOptions.awsMskIam).toEqual({ region: 'us-east-1' });
    expect(resolved.prefix).toBe('ns-0123456789ab.');
    expect(resolved.infoTopicPrefix).toBe('info_');
    expect(resolved.ignoredKeys).toEqual(['octopus']);
    expect(logger.lines.map((l) => l.level)).toEqual(['debug']);
  });

  it('an explicit info_topic_prefix wins over the cloud-service default', () => {
    expect(resolveDriverConfig({ octopus: {}, info_topic_prefix: '__meta_' }).infoTopicPrefix).toBe('__meta_');
    expect(resolveDriverConfig({ octopus: {} }).infoTopicPrefix).toBe('info_');
    expect(resolveDriverConfig({}).infoTopicPrefix).toBe('__info_');
  });

  it('ignores blocks of its own (sorted in the note) and says nothing above debug', () => {
    const logger = recordingLogger();
    const resolved = resolveDriverConfig(
      { kafka: { 'bootstrap.servers': 'h:9092' }, myapp: { threads: 4 }, 'extra-flag': true, namespace: 'ns' },
      { logger },
    );
    expect(resolved.ignoredKeys).toEqual(['extra-flag', 'myapp']);
    expect(resolved.prefix).toBe('ns.');
    expect(logger.lines.map((l) => l.level)).toEqual(['debug']);
    expect(logger.lines[0]!.message).toMatch(/ignoring "extra-flag", "myapp"/);
    // Nothing ignored: no note.
    const quiet = recordingLogger();
    resolveDriverConfig({ kafka: {} }, { logger: quiet });
    expect(quiet.lines).toEqual([]);
  });

  it('kafka lists are joined with commas, numbers and booleans as their text (as Octopus does)', () => {
    const resolved = resolveDriverConfig({ kafka: { 'bootstrap.servers': ['a:1', 'b:2'], 'debug': ['broker', 'topic'], 'linger.ms': 5, 'enable.idempotence': true } });
    expect(resolved.kafka).toMatchObject({ 'bootstrap.servers': 'a:1,b:2', debug: 'broker,topic', 'linger.ms': 5, 'enable.idempotence': true });
    expect(resolveDriverConfig({ kafka: { 'x.list': [1, true, 'z'] } }).kafka['x.list']).toBe('1,true,z');
  });

  it.each([
    ['a non-string namespace', { namespace: 5 }, 'namespace'],
    ['a namespace Kafka cannot name', { namespace: 'a b' }, 'namespace'],
    ['a non-boolean disable_info_topic', { disable_info_topic: 'yes' }, 'disable_info_topic'],
    ['an empty info_topic_prefix', { info_topic_prefix: '' }, 'info_topic_prefix'],
    ['a non-object kafka block', { kafka: 'h:9092' }, 'kafka'],
    ['bootstrap.servers of the wrong type', { kafka: { 'bootstrap.servers': 42 } }, 'kafka.bootstrap.servers'],
    ['an object as a kafka property', { kafka: { 'sasl.mechanisms': { a: 1 } } }, 'kafka.sasl.mechanisms'],
    ['aws_msk_iam without a region', { aws_msk_iam: {} }, 'aws_msk_iam.region'],
    // The shape of Octopus's AWS_MSK_IAM_INTEGRATION.md, which Octopus itself refuses (librdkafka has no such property).
    ['aws_msk_iam inside kafka', { kafka: { 'bootstrap.servers': 'h:9098', aws_msk_iam: { region: 'us-east-1' } } }, 'kafka.aws_msk_iam'],
  ])('still rejects %s, naming %s', (_what, config, property) => {
    let error: unknown;
    try {
      resolveDriverConfig(config);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).property).toBe(property);
  });

  it('rejects a logger without the four methods', () => {
    expect(() => resolveDriverConfig({}, { logger: { warn() {} } as unknown as Logger })).toThrow(ConfigError);
  });
});

describe('topics without an info topic', () => {
  let driver: Driver;
  const logger = recordingLogger();
  beforeAll(async () => {
    driver = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers } }, { logger });
  });
  afterAll(async () => {
    await driver?.close();
  });

  it('a plain Kafka topic opens with the default components and a warning, and carries events', async () => {
    const name = await cluster.topic('plain', 2);
    expect(await driver.topicExists(name)).toBe(true);
    const before = logger.lines.length;
    const topic = await driver.openTopic(name);
    const warnings = logger.lines.slice(before).filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(new RegExp(`no info topic "__info_${name}".*default validator, partition selector and serializer`));
    expect(topic.partitions).toEqual([{ partition_id: 0 }, { partition_id: 1 }]);
    expect(topic.validator.description).toEqual({ type: 'default' });
    expect(topic.selector.description).toEqual({ type: 'default' });
    expect(topic.serializer.description).toEqual({ type: 'default' });
    const producer = topic.producer();
    expect(await producer.push({ n: 1 }, Buffer.from('one'), { partition: 1 })).toBe(0n);
    const consumer = topic.consumer(unique('plain-group'), { targets: [1] });
    const event = await consumer.pull({ timeoutMs: 10_000 });
    expect(event?.metadata).toEqual({ n: 1 });
    expect(event?.dataBuffer.toString()).toBe('one');
    await consumer.close();
    await producer.close();
  });

  it('without a logger the warning is a process warning (code OCTOKAFKA_TOPIC)', async () => {
    const plain = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers } });
    try {
      const name = await cluster.topic('plainw');
      const warnings = await processWarnings(async () => void (await plain.openTopic(name)));
      const ours = warnings.filter((w) => (w as Error & { code?: string }).code === TOPIC_WARNING_CODE);
      expect(ours).toHaveLength(1);
      expect(ours[0]!.message).toMatch(/has no info topic/);
    } finally {
      await plain.close();
    }
  });

  it('a topic that does not exist at all is still "not found"', async () => {
    await expect(driver.openTopic(unique('absent'))).rejects.toBeInstanceOf(TopicNotFoundError);
    expect(await driver.topicExists(unique('absent'))).toBe(false);
  });

  it('listTopics lists only topics with info records, as Octopus does', async () => {
    const name = await cluster.topic('plainl');
    expect((await driver.listTopics()).map((t) => t.name)).not.toContain(name);
  });

  it('createTopic on an existing plain topic is TOPIC_ALREADY_EXISTS', async () => {
    const name = await cluster.topic('plainc');
    await expect(driver.createTopic(name)).rejects.toMatchObject({ codeName: 'TOPIC_ALREADY_EXISTS' });
  });
});

describe('consumer groups under a namespace', () => {
  it('the group is the consumer name as given, without the namespace prefix (as in Octopus)', async () => {
    // Octopus (TopicHandle.cpp, makeConsumer) sets group.id to the consumer's name, namespace
    // or not: a group shared with Octopus services must keep that name.
    const ns = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers }, namespace: 'grpns' });
    const admin = new KafkaAdmin({ 'bootstrap.servers': cluster.bootstrapServers });
    try {
      const name = unique('g');
      const topic = await ns.createTopic(name);
      const producer = topic.producer();
      await producer.push({ i: 0 });
      const group = unique('shared-group');
      const consumer = topic.consumer(group);
      const event = await consumer.pull({ timeoutMs: 10_000 });
      await event!.acknowledge();
      await consumer.close();
      await producer.close();
      const offsets = await admin.listConsumerGroupOffsets(group, [{ topic: `grpns.${name}`, partition: 0 }]);
      expect(offsets.map((o) => o.offset)).toEqual([1n]);
      const prefixed = await admin.listConsumerGroupOffsets(`grpns.${group}`, [{ topic: `grpns.${name}`, partition: 0 }]);
      expect(prefixed.map((o) => o.offset)).toEqual([-1n]);
    } finally {
      await admin.close();
      await ns.close();
    }
  });
});

describe('consumer groups under a namespace, opted in', () => {
  it('"namespace_consumer_groups": true puts the namespace in front of the group name, as for topics', async () => {
    const ns = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers }, namespace: 'grpns2', namespace_consumer_groups: true });
    const admin = new KafkaAdmin({ 'bootstrap.servers': cluster.bootstrapServers });
    try {
      const name = unique('g');
      const topic = await ns.createTopic(name);
      const producer = topic.producer();
      await producer.push({ i: 0 });
      const group = unique('own-group');
      const consumer = topic.consumer(group);
      const event = await consumer.pull({ timeoutMs: 10_000 });
      await event!.acknowledge();
      await consumer.close();
      await producer.close();
      const prefixed = await admin.listConsumerGroupOffsets(`grpns2.${group}`, [{ topic: `grpns2.${name}`, partition: 0 }]);
      expect(prefixed.map((o) => o.offset)).toEqual([1n]);
      const bare = await admin.listConsumerGroupOffsets(group, [{ topic: `grpns2.${name}`, partition: 0 }]);
      expect(bare.map((o) => o.offset)).toEqual([-1n]);
    } finally {
      await admin.close();
      await ns.close();
    }
  });

  it('rejects a non-boolean namespace_consumer_groups naming it', async () => {
    // @ts-expect-error -- refused by the compiler too; the runtime check is for JSON configurations
    await expect(Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers }, namespace_consumer_groups: 'yes' })).rejects.toMatchObject({
      property: 'namespace_consumer_groups',
    });
  });
});

describe('a raw producer can still write a plain topic the topic API reads', () => {
  it('an event value written by hand (Octopus wire format) decodes', async () => {
    const name = await cluster.topic('plainraw');
    const driver = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers } }, { logger: recordingLogger() });
    const raw = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    try {
      const json = Buffer.from('{"a":2,"z":1}');
      const md = Buffer.alloc(8 + json.length);
      md.writeBigUInt64LE(BigInt(json.length));
      json.copy(md, 8);
      const value = Buffer.alloc(16 + md.length + 3);
      value.writeBigUInt64LE(BigInt(md.length), 0);
      value.writeBigUInt64LE(3n, 8);
      md.copy(value, 16);
      Buffer.from('abc').copy(value, 16 + md.length);
      await raw.send({ topic: name, partition: 0, value });
      const consumer = (await driver.openTopic(name)).consumer(unique('raw-group'));
      const event = await consumer.pull({ timeoutMs: 10_000 });
      expect(event?.metadata).toEqual({ a: 2, z: 1 });
      expect(event?.dataBuffer.toString()).toBe('abc');
      await consumer.close();
    } finally {
      await raw.close();
      await driver.close();
    }
  });
});

describe('the key selector seen from Octopus', () => {
  it('the info records put the validator first, so Octopus keeps it when it falls back on "key"', async () => {
    // Octopus reads the three records in order and stops at the first component it cannot
    // build (the "key" selector): the validator, read first, is kept; selector and serializer
    // are its defaults. This checks the records are in that order and shape.
    const driver = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers } });
    const { KafkaConsumer } = await import('../../lib/client/consumer');
    const { Offset } = await import('../../lib/core/message');
    const raw = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('info') });
    try {
      const name = unique('keyed');
      await driver.createTopic(name, {
        num_partitions: 4,
        validator: { type: 'schema', schema: { type: 'object', required: ['user'] } },
        selector: { type: 'key', field: 'user' },
      });
      await raw.assign([{ topic: `__info_${name}`, partition: 0, offset: Offset.BEGINNING }]);
      const records: string[] = [];
      while (records.length < 3) {
        const m = await raw.consume({ timeoutMs: 10_000 });
        if (m === null) break;
        records.push(m.value!.toString());
      }
      expect(records).toEqual(['{"schema":{"required":["user"],"type":"object"},"type":"schema"}', '{"field":"user","type":"key"}', '{"type":"default"}']);
    } finally {
      await raw.close();
      await driver.close();
    }
  });
});

describe('replication factor', () => {
  let driver: Driver;
  beforeAll(async () => {
    driver = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers } });
  });
  afterAll(async () => {
    await driver?.close();
  });

  it("defaults to the broker's: createTopic works on a one-broker cluster, where Octopus's default of 3 does not", async () => {
    const name = unique('rf');
    const topic = await driver.createTopic(name);
    expect(topic.partitions).toHaveLength(1);
    if (cluster.mock) {
      // The same one-broker cluster refuses Octopus's default.
      await expect(driver.createTopic(unique('rf3'), { replication_factor: 3 })).rejects.toThrow();
    }
  });

  it.each([[0], [-1], [1.5], ['3']])('replication_factor %j is a ConfigError', async (rf) => {
    await expect(driver.createTopic(unique('rfbad'), { replication_factor: rf as number })).rejects.toMatchObject({ property: 'replication_factor' });
  });
});
