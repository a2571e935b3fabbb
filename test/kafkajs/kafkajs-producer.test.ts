/**
 * Producer, partitioners, errors and configuration of octokafka/kafkajs, checked against
 * KafkaJS's documented behaviour and, for the partitioners, against kafkajs's own code.
 */
import { randomBytes } from 'node:crypto';

import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  CompressionTypes,
  Kafka,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSProtocolError,
  logLevel,
  Partitioners,
  type LogEntry,
  type PartitionMetadata,
} from '../../lib/kafkajs';
import { KafkaConsumer } from '../../lib/index';
import { toKafkaJSError } from '../../lib/kafkajs/errors';
import { KafkaError } from '../../lib/util/errors';
import type { TestCluster } from '../helpers';
import { kafkajsCluster, unique, until } from '../kafkajs-helpers';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await kafkajsCluster();
});
afterAll(async () => {
  await cluster.close();
});

const metadata = (n: number, leaderless: number[] = []): PartitionMetadata[] =>
  Array.from({ length: n }, (_, i) => ({ partitionErrorCode: 0, partitionId: i, leader: leaderless.includes(i) ? -1 : 0, replicas: [0], isr: [0] }));

describe('partitioners', () => {
  it('DefaultPartitioner and LegacyPartitioner place keys exactly where kafkajs does', () => {
    const ours = { d: Partitioners.DefaultPartitioner(), l: Partitioners.LegacyPartitioner() };
    const theirs = { d: kafkajs.Partitioners.DefaultPartitioner(), l: kafkajs.Partitioners.LegacyPartitioner() };
    for (let i = 0; i < 2000; i++) {
      const key = i % 2 ? randomBytes(i % 37) : `key-${i}-${randomBytes(3).toString('hex')}`;
      for (const n of [1, 3, 7, 12, 100]) {
        const args = { topic: 't', partitionMetadata: metadata(n), message: { key, value: null } };
        expect(ours.d(args)).toBe(theirs.d(args));
        expect(ours.l(args)).toBe(theirs.l(args));
      }
    }
  });

  it('unkeyed messages round-robin over partitions with a leader; an explicit partition wins', () => {
    const p = Partitioners.DefaultPartitioner();
    const seen = Array.from({ length: 8 }, () => p({ topic: 't', partitionMetadata: metadata(4, [1]), message: { value: 'x' } }));
    expect(new Set(seen)).toEqual(new Set([0, 2, 3]));
    expect(p({ topic: 't', partitionMetadata: metadata(4), message: { value: 'x', key: 'k', partition: 3 } })).toBe(3);
  });
});

describe('producer', () => {
  it('send() returns one RecordMetadata per partition, offsets as strings; acks and compression per call', async () => {
    const topic = await cluster.topic('kjs-p', 2);
    const kafka = new Kafka({ clientId: 'p', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const first = await producer.send({ topic, messages: [0, 1, 2, 3].map((i) => ({ value: `v${i}`, partition: i % 2 })) });
    expect(first.sort((a, b) => a.partition - b.partition)).toEqual([
      { topicName: topic, partition: 0, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '-1' },
      { topicName: topic, partition: 1, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '-1' },
    ]);
    const second = await producer.send({ topic, acks: 1, compression: CompressionTypes.LZ4, messages: [{ value: 'w', partition: 0 }] });
    expect(second).toEqual([expect.objectContaining({ partition: 0, baseOffset: '2' })]);
    await expect(producer.send({ topic, acks: 2, messages: [{ value: 'x' }] })).rejects.toBeInstanceOf(KafkaJSNonRetriableError);
    await expect(producer.send({ topic, messages: [{ key: 'k' } as never] })).rejects.toThrow(/without value/);
    await producer.disconnect();
  });

  it('a round-robin send() of many messages keeps each partition in send order and lists partitions as they first came', async () => {
    // Sent grouped by partition (one librdkafka call per partition, not per message): what
    // must not change is the order within a partition and the RecordMetadata of the send.
    const topic = await cluster.topic('kjs-rr', 4);
    const kafka = new Kafka({ clientId: 'rr', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const count = 1000;
    const sent = await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ value: `v${i}` })) });
    await producer.disconnect();
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('kjs-rr'), 'auto.offset.reset': 'earliest' });
    const byPartition = new Map<number, number[]>();
    try {
      await consumer.subscribe([topic]);
      let got = 0;
      for await (const batch of consumer.batches(count)) {
        for (const m of batch) {
          const list = byPartition.get(m.partition) ?? [];
          list.push(Number(m.value!.toString().slice(1)));
          byPartition.set(m.partition, list);
        }
        if ((got += batch.length) >= count) break;
      }
    } finally {
      await consumer.close();
    }
    // Round-robin: 250 each, every partition in send order, one message in four apart.
    expect([...byPartition.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const values of byPartition.values()) {
      expect(values).toHaveLength(count / 4);
      for (let i = 1; i < values.length; i++) expect(values[i]! - values[i - 1]!).toBe(4);
    }
    // One RecordMetadata per partition, in the order the partitions first took a message.
    const firstAppearance = [...byPartition.entries()].sort((a, b) => a[1][0]! - b[1][0]!).map(([partition]) => partition);
    expect(sent.map((r) => r.partition)).toEqual(firstAppearance);
    for (const r of sent) expect(r.baseOffset).toBe('0');
  });

  it('concurrent small send()s each settle on their own, in call order, and a failing one rejects alone', async () => {
    const topic = await cluster.topic('kjs-concurrent', 2);
    const kafka = new Kafka({ clientId: 'p', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    // Small sends share native calls within a tick; a large one in the middle goes its own way.
    const sizes = Array.from({ length: 400 }, (_, i) => (i === 200 ? 50 : 1 + (i % 3)));
    const sends = sizes.map((n, i) => producer.send({ topic, messages: Array.from({ length: n }, (_, j) => ({ value: `s${i}-${j}`, partition: 0 })) }));
    const bad = producer.send({ topic, messages: [{ value: 'nowhere', partition: 7 }] });
    const after = producer.send({ topic, messages: [{ value: 'after', partition: 1 }] });
    await expect(bad).rejects.toBeInstanceOf(KafkaJSError);
    const results = await Promise.all(sends);
    let next = 0;
    for (const [i, r] of results.entries()) {
      expect(r).toEqual([expect.objectContaining({ topicName: topic, partition: 0, baseOffset: String(next) })]);
      next += sizes[i]!;
    }
    expect(await after).toEqual([expect.objectContaining({ partition: 1, baseOffset: '0' })]);
    await producer.disconnect();
  });

  it.skipIf(Boolean(process.env.KAFKA_BOOTSTRAP_SERVERS))('retriable broker errors are retried: send() succeeds after NOT_ENOUGH_REPLICAS twice (mock fault injection)', async () => {
    const topic = await cluster.topic('kjs-retry', 1);
    const kafka = new Kafka({ clientId: 'p', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50 } });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'warm-up' }] });
    await cluster.mock!.pushRequestErrors(0, [19, 19]);
    const meta = await producer.send({ topic, messages: [{ value: 'after two failures' }] });
    expect(meta).toEqual([expect.objectContaining({ partition: 0, baseOffset: '1', errorCode: 0 })]);
    await producer.disconnect();
  });

  it.skipIf(Boolean(process.env.KAFKA_BOOTSTRAP_SERVERS))('a non-retriable broker error rejects send() with its KafkaJS type (mock fault injection)', async () => {
    const topic = await cluster.topic('kjs-fatal', 1);
    const kafka = new Kafka({ clientId: 'p', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'warm-up' }] });
    await cluster.mock!.pushRequestErrors(0, [10]);
    const e = await producer.send({ topic, messages: [{ value: 'too large, says the broker' }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KafkaJSProtocolError);
    expect(e).toMatchObject({ type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false });
    await producer.disconnect();
  });

  it('idempotent producers refuse acks other than -1, as KafkaJS does', async () => {
    const topic = await cluster.topic('kjs-idem', 1);
    const kafka = new Kafka({ clientId: 'p', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true });
    expect(producer.isIdempotent()).toBe(true);
    await producer.connect();
    expect(await producer.send({ topic, messages: [{ value: 'a' }] })).toHaveLength(1);
    await expect(producer.send({ topic, acks: 1, messages: [{ value: 'a' }] })).rejects.toThrow(/idempotent/);
    await producer.disconnect();
  });

  it('allowAutoTopicCreation: false rejects an unknown topic with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const kafka = new Kafka({ clientId: 'p', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const e = await producer.send({ topic: unique('missing'), messages: [{ value: 'a' }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KafkaJSProtocolError);
    expect(e).toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true });
    await producer.disconnect();
  });

  it('connect() to brokers that refuse connections rejects with KafkaJSConnectionError; brokers may be an async function', async () => {
    const kafka = new Kafka({ clientId: 'p', brokers: async () => ['127.0.0.1:1'], connectionTimeout: 1000, logLevel: logLevel.NOTHING });
    const e = await kafka.producer().connect().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KafkaJSConnectionError);
    expect((e as KafkaJSError).retriable).toBe(true);
  }, 30_000);

  it('a broker that is not a host:port string (an unset environment variable) is named at once, not found by a connection timeout', async () => {
    const started = Date.now();
    expect(() => new Kafka({ brokers: ['127.0.0.1:9092', undefined as unknown as string] })).toThrow(/brokers gave undefined as broker 1; each broker must be a "host:port" string/);
    expect(() => new Kafka({ brokers: [''] })).toThrow(KafkaJSNonRetriableError);
    const kafka = new Kafka({ brokers: async () => [undefined as unknown as string], logLevel: logLevel.NOTHING });
    const e = await kafka.producer().connect().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KafkaJSNonRetriableError);
    expect((e as Error).message).toMatch(/the brokers function gave undefined as broker 0/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a transactional producer sends only inside a transaction', async () => {
    const topic = await cluster.topic('kjs-tx', 1);
    const kafka = new Kafka({ clientId: 'p', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ transactionalId: unique('tx') });
    await producer.connect();
    await expect(producer.send({ topic, messages: [{ value: 'a' }] })).rejects.toBeInstanceOf(KafkaJSNonRetriableError);
    const t = await producer.transaction();
    expect(t.isActive()).toBe(true);
    await expect(producer.transaction()).rejects.toThrow(/ongoing transaction/);
    await t.send({ topic, messages: [{ value: 'a' }] });
    await t.commit();
    expect(t.isActive()).toBe(false);
    await expect(t.send({ topic, messages: [{ value: 'b' }] })).rejects.toBeInstanceOf(KafkaJSNonRetriableError);
    await producer.disconnect();
  });
});

describe('errors, configuration, logging', () => {
  it('octokafka errors become KafkaJS classes with retriable and protocol type', () => {
    const p = toKafkaJSError(new KafkaError({ message: 'Broker: Not leader', code: 6, retriable: true })) as KafkaJSProtocolError;
    expect(p).toBeInstanceOf(KafkaJSProtocolError);
    expect(p).toMatchObject({ name: 'KafkaJSProtocolError', type: 'NOT_LEADER_FOR_PARTITION', code: 6, retriable: true });
    const r = toKafkaJSError(new KafkaError({ message: 'Broker: Rebalance in progress', code: 27 })) as KafkaJSProtocolError;
    expect(r).toMatchObject({ type: 'REBALANCE_IN_PROGRESS', retriable: false });
    const c = toKafkaJSError(new KafkaError({ message: 'connect refused', code: -195, retriable: true }));
    expect(c).toBeInstanceOf(KafkaJSConnectionError);
    expect((c as KafkaJSError).cause).toBeInstanceOf(KafkaError);
  });

  it('options librdkafka cannot honour are named: a warning, or an error when ignoring them would change behaviour', async () => {
    const entries: LogEntry[] = [];
    const kafka = new Kafka({
      brokers: ['127.0.0.1:1'],
      socketFactory: () => undefined,
      logCreator: () => (e) => void entries.push(e),
    });
    expect(entries.map((e) => e.log.message)).toEqual([expect.stringMatching(/^socketFactory is ignored/)]);
    expect(() => kafka.consumer({ groupId: 'g', partitionAssigners: [() => ({}) as never] })).toThrow(/partitionAssigners/);
    expect(() => new Kafka({ brokers: ['x:1'], sasl: { mechanism: 'custom', authenticationProvider: () => ({ authenticate: async () => undefined }) } })).toThrow(/custom mechanism/);
    const consumer = kafka.consumer({ groupId: 'g' });
    await consumer.subscribe({ topic: 'a', fromBeginning: true });
    await expect(consumer.subscribe({ topic: 'b', fromBeginning: false })).rejects.toThrow(/auto\.offset\.reset/);
    const admin = kafka.admin();
    await expect(admin.listPartitionReassignments({})).rejects.toBeInstanceOf(KafkaJSNotImplemented);
  });

  it('logLevel filters KafkaJS log entries; namespaces and labels as KafkaJS', async () => {
    const entries: LogEntry[] = [];
    const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.WARN, logCreator: () => (e) => void entries.push(e) });
    const log = kafka.logger().namespace('Test');
    log.info('hidden');
    log.warn('shown', { extra: 1 });
    expect(entries).toEqual([{ namespace: 'Test', level: logLevel.WARN, label: 'WARN', log: expect.objectContaining({ message: 'shown', extra: 1, timestamp: expect.any(String) }) }]);
  });
});

describe('SASL mapping', () => {
  it('plain / scram / oauthbearer reach librdkafka as its SASL settings', async () => {
    const { mapKafkaConfig } = await import('../../lib/kafkajs/config-mapping');
    expect(mapKafkaConfig({ brokers: ['b:1'], ssl: true, sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' } }).config).toMatchObject({
      'security.protocol': 'sasl_ssl',
      'sasl.mechanisms': 'SCRAM-SHA-256',
      'sasl.username': 'u',
      'sasl.password': 'p',
    });
    expect(mapKafkaConfig({ brokers: ['b:1'], sasl: { mechanism: 'plain', username: 'u', password: 'p' } }).config).toMatchObject({ 'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'PLAIN' });
    const jwt = ['e30', Buffer.from(JSON.stringify({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url'), 'sig'].join('.');
    const o = mapKafkaConfig({ brokers: ['b:1'], sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: jwt }) } });
    expect(o.config).toMatchObject({ 'sasl.mechanisms': 'OAUTHBEARER' });
    const token = await (o.options.oauthbearer as () => Promise<{ token: string; principal: string; lifetimeMs: number }>)();
    expect(token).toMatchObject({ token: jwt, principal: 'alice' });
    expect(token.lifetimeMs).toBeGreaterThan(590_000);
    const aws = mapKafkaConfig({ brokers: ['b-1.c.kafka.eu-west-1.amazonaws.com:9098'], ssl: true, sasl: { mechanism: 'aws', authorizationIdentity: 'AIDA', accessKeyId: 'A', secretAccessKey: 'S' } });
    expect(aws.options.awsMskIam).toMatchObject({ region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'eu-west-1', credentials: { accessKeyId: 'A', secretAccessKey: 'S' } });
  });
});

void until;
