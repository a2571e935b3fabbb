/**
 * An unreachable cluster is not silent: `connect()` waits until the cluster answers or fails
 * within its timeout with a typed error naming the servers, and librdkafka's "all brokers
 * down" arrives as a typed `error` event.
 */
import { describe, expect, it } from 'vitest';

import { BrokersDownError, ClosedError, ErrorCode, KafkaAdmin, KafkaConsumer, KafkaError, KafkaProducer, type KafkaConfig } from '../../lib/index';
import type { NativeEvent } from '../../lib/native/binding';
import { unique, useCluster } from '../helpers';

const cluster = useCluster();

const DEAD = '127.0.0.1:1';

type Client = KafkaProducer | KafkaConsumer | KafkaAdmin;
const kinds: Array<[string, (config: KafkaConfig) => Client]> = [
  ['producer', (config) => new KafkaProducer(config)],
  ['consumer', (config) => new KafkaConsumer({ ...config, 'group.id': unique('connect') })],
  ['admin', (config) => new KafkaAdmin(config)],
];

describe.each(kinds)('%s.connect()', (_kind, make) => {
  it(`rejects within its timeout with a BrokersDownError naming ${DEAD}`, async () => {
    const client = make({ 'bootstrap.servers': DEAD });
    client.on('error', () => undefined);
    try {
      const t0 = Date.now();
      const error = await client.connect({ timeoutMs: 1500 }).then(() => undefined, (e: unknown) => e);
      const elapsed = Date.now() - t0;
      expect(error).toBeInstanceOf(BrokersDownError);
      expect(error).toBeInstanceOf(KafkaError);
      expect((error as BrokersDownError).code).toBe(ErrorCode.ALL_BROKERS_DOWN);
      expect((error as BrokersDownError).servers).toBe(DEAD);
      expect((error as Error).message).toContain(DEAD);
      expect((error as Error).message).toContain('1500 ms');
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      expect(elapsed).toBeLessThan(6000);
    } finally {
      await client.close();
    }
  });

  it('resolves once the cluster answers', async () => {
    const client = make({ 'bootstrap.servers': cluster.bootstrapServers });
    try {
      await client.connect({ timeoutMs: 10_000 });
      await client.connect();
    } finally {
      await client.close();
    }
    await expect(client.connect()).rejects.toBeInstanceOf(ClosedError);
  });
});

describe('all brokers down', () => {
  // librdkafka's _ALL_BROKERS_DOWN error callback, as the native pump hands it over. (This
  // librdkafka raises it rarely: neither for a bootstrap list that never answered, which is
  // connect()'s case, nor when the one broker of a cluster goes down; so the event is fed here.)
  it('is a typed error event naming the servers', () => {
    const producer = new KafkaProducer({ 'bootstrap.servers': DEAD });
    const errors: KafkaError[] = [];
    producer.on('error', (e) => errors.push(e));
    try {
      const handler = producer as unknown as { handleCommonEvent(event: NativeEvent): boolean };
      handler.handleCommonEvent({
        type: 'error',
        at: 0,
        error: { code: ErrorCode.ALL_BROKERS_DOWN, name: '_ALL_BROKERS_DOWN', message: '1/1 brokers are down', retriable: true, fatal: false, txnRequiresAbort: false },
      });
      const down = errors.find((e) => e.code === ErrorCode.ALL_BROKERS_DOWN);
      expect(down).toBeInstanceOf(BrokersDownError);
      expect((down as BrokersDownError).servers).toBe(DEAD);
      expect(down!.message).toBe(`1/1 brokers are down (bootstrap.servers: ${DEAD})`);
      expect(down!.codeName).toBe('_ALL_BROKERS_DOWN');
      expect(down!.isRetriable).toBe(true);
    } finally {
      void producer.close({ timeoutMs: 100 });
    }
  });

  it('a consumer pointed at a port where nothing listens raises one BrokersDownError event naming the servers, without any call', async () => {
    const servers = `${DEAD},localhost:2`;
    const consumer = new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': unique('down') });
    const down: BrokersDownError[] = [];
    consumer.on('error', (e) => {
      if (e instanceof BrokersDownError) down.push(e);
    });
    try {
      const t0 = Date.now();
      while (down.length === 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(down[0]!.servers).toBe(servers);
      expect(down[0]!.message).toMatch(/no bootstrap server answered \(bootstrap.servers: 127.0.0.1:1,localhost:2\)/);
      await new Promise((r) => setTimeout(r, 1500)); // more connection failures: still reported once
      expect(down).toHaveLength(1);
    } finally {
      await consumer.close({ timeoutMs: 1000 });
    }
  });

  it('a reachable cluster raises no BrokersDownError', async () => {
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const down: KafkaError[] = [];
    producer.on('error', (e) => {
      if (e instanceof BrokersDownError) down.push(e);
    });
    try {
      const topic = await cluster.topic('reachable');
      await producer.send({ topic, value: 'x' });
      expect(down).toEqual([]);
    } finally {
      await producer.close();
    }
  });
});
