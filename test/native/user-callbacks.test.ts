/**
 * Application code the clients call (a `produce` callback, `rebalance` / `commit` / `error` /
 * `log` listeners, a logger) may throw. Whatever it throws, every message still ends in
 * exactly one outcome: the other deliveries of the same native batch settle, no message is
 * lost to the application, rebalances complete; the exception itself surfaces as an uncaught
 * exception on a later tick, as from any Node callback.
 */
import { errorMonitor, type EventEmitter } from 'node:events';

import { describe, expect, it } from 'vitest';

import { KafkaConsumer, KafkaProducer, type DeliveryReport, type KafkaError } from '../../lib/index';
import type { NativeEvent, NativeMessages } from '../../lib/native/binding';
import { fastGroup, unique, useCluster } from '../helpers';

const cluster = useCluster();

/**
 * Takes over `uncaughtException` (vitest's own handler would fail the run) and collects what
 * reaches it, until `restore()`.
 */
function captureUncaught(): { errors: unknown[]; restore(): void } {
  const saved = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const errors: unknown[] = [];
  const onError = (e: unknown): void => {
    errors.push(e);
  };
  process.on('uncaughtException', onError);
  return {
    errors,
    restore: () => {
      process.off('uncaughtException', onError);
      for (const l of saved) process.on('uncaughtException', l);
    },
  };
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves with what each promise settled with, or 'pending' for those still pending after `ms`. */
async function settledWithin<T>(promises: Array<Promise<T>>, ms: number): Promise<Array<PromiseSettledResult<T> | 'pending'>> {
  const out: Array<PromiseSettledResult<T> | 'pending'> = promises.map(() => 'pending');
  promises.forEach((p, i) =>
    p.then(
      (value) => (out[i] = { status: 'fulfilled', value }),
      (reason: unknown) => (out[i] = { status: 'rejected', reason }),
    ),
  );
  const deadline = Date.now() + ms;
  while (out.includes('pending') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return out;
}

describe('a throwing produce callback', () => {
  it('leaves every other message of the batch with its own outcome, and close() reports nothing undelivered', async () => {
    const topic = await cluster.topic('throwing-callback');
    // One linger window: all of these come back in the same native delivery batch.
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 200 });
    const uncaught = captureUncaught();
    try {
      const boom = new Error('application bug in a delivery callback');
      const calls: Array<{ error: KafkaError | null; report: DeliveryReport | null }> = [];
      producer.produce({ topic, value: 'first' }, (error, report) => {
        calls.push({ error, report });
        throw boom;
      });
      const sends: Array<Promise<DeliveryReport>> = [];
      for (let i = 0; i < 50; i++) {
        sends.push(producer.send({ topic, value: `send-${i}` }));
        producer.produce({ topic, value: `produce-${i}` }, (error, report) => calls.push({ error, report }));
      }
      const batch = producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic, value: `batch-${i}` })));

      const outcomes = await settledWithin([...sends, batch as Promise<unknown> as Promise<DeliveryReport>], 10_000);
      expect(outcomes.filter((o) => o === 'pending')).toHaveLength(0);
      for (const o of outcomes) expect(o).toMatchObject({ status: 'fulfilled' });
      await until(() => calls.length === 51, 10_000, 'every produce callback');
      expect(calls.every((c) => c.error === null && c.report !== null)).toBe(true);
      // Every offset once: 1 + 50 + 50 + 20 messages, each acknowledged.
      const offsets = [
        ...calls.map((c) => c.report!.offset),
        ...outcomes.slice(0, 50).map((o) => (o as PromiseFulfilledResult<DeliveryReport>).value.offset),
        ...((outcomes[50] as PromiseFulfilledResult<unknown>).value as DeliveryReport[]).map((r) => r.offset),
      ];
      expect(new Set(offsets).size).toBe(121);

      const report = await producer.close({ timeoutMs: 5000 });
      expect(report.undelivered).toBe(0);
      // The callback's exception is not swallowed: it surfaces once, as an uncaught exception.
      await until(() => uncaught.errors.length > 0, 2000, 'the uncaught exception');
      expect(uncaught.errors).toEqual([boom]);
    } finally {
      uncaught.restore();
      await producer.close();
    }
  });

  it('a throwing error listener or logger does not stop the other deliveries either', async () => {
    const thrown: string[] = [];
    const logger = {
      error: () => {
        thrown.push('logger');
        throw new Error('logger bug');
      },
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
    };
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 200 }, { logger });
    // The topic is made after the producer has met the cluster, so that its metadata cannot be
    // in the producer's cache yet: a send to a partition it lacks then fails in its delivery
    // report (the path under test), not at once in produce() (as it does once the partition
    // count is known, which a loaded machine made possible before).
    await producer.connect();
    const topic = await cluster.topic('throwing-error-listener');
    const uncaught = captureUncaught();
    try {
      (producer as EventEmitter).on(errorMonitor, () => thrown.push('monitor'));
      producer.on('error', () => {
        thrown.push('listener');
        throw new Error('listener bug');
      });
      // Without a callback a failed delivery is an 'error' event: the first one fails
      // (unknown partition), the others of its batch must still settle.
      producer.produce({ topic, value: 'nowhere', partition: 9 });
      const sends = Array.from({ length: 30 }, (_, i) => producer.send({ topic, value: `m${i}` }));
      const outcomes = await settledWithin(sends, 10_000);
      expect(outcomes.filter((o) => o === 'pending')).toHaveLength(0);
      for (const o of outcomes) expect(o).toMatchObject({ status: 'fulfilled' });
      expect((await producer.close({ timeoutMs: 5000 })).undelivered).toBe(0);
      await until(() => uncaught.errors.length >= 2, 2000, 'the uncaught exceptions');
      expect(thrown).toEqual(['logger', 'monitor', 'listener']);
      expect(uncaught.errors.map((e) => (e as Error).message).sort()).toEqual(['listener bug', 'logger bug']);
    } finally {
      uncaught.restore();
      await producer.close();
    }
  });
});

/** A native-shaped batch of `values` for topic [0], offsets from `firstOffset`. */
function nativeMessages(topic: string, values: string[], firstOffset: bigint): NativeMessages {
  const buffer = Buffer.from(values.join(''));
  const layout = new Int32Array(8 * values.length);
  let pos = 0;
  values.forEach((v, i) => {
    layout.set([0, 0, 0, -1, pos, Buffer.byteLength(v), -1, 0], 8 * i);
    pos += Buffer.byteLength(v);
  });
  return {
    count: values.length,
    topics: [topic],
    layout,
    offsets: BigInt64Array.from(values, (_, i) => firstOffset + BigInt(i)),
    timestamps: new Float64Array(values.length),
    buffer,
    headerRows: new Int32Array(0),
    headerNames: [],
  };
}

describe('throwing consumer listeners', () => {
  it('lose no message of the batch they interrupt (commit and rebalance events among messages)', async () => {
    // The native pump hands over messages and events together, events placed among the
    // messages by `at`; this feeds the consumer such a batch directly.
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('throwing') });
    const uncaught = captureUncaught();
    try {
      const listened: string[] = [];
      consumer.on('commit', () => {
        listened.push('commit');
        throw new Error('commit listener bug');
      });
      consumer.on('commit', () => listened.push('second commit listener'));
      consumer.on('rebalance', () => {
        listened.push('rebalance');
        throw new Error('rebalance listener bug');
      });
      const topic = 'in-batch';
      const values = Array.from({ length: 10 }, (_, i) => `v${i}`);
      const events: NativeEvent[] = [
        { type: 'commit', at: 3, offsets: [{ topic, partition: 0, offset: 3n }] },
        { type: 'rebalance', at: 6, kind: 'assign', protocol: 'EAGER', token: -1, timeoutMs: 300000, partitions: [] },
      ];
      const handler = consumer as unknown as { onBatch(m: NativeMessages | null, e: NativeEvent[] | null): void };
      const rebalanceDone: number[] = [];
      // The fake rebalance's token is not librdkafka's: record it instead of passing it on.
      const client = consumer as unknown as { handle: object };
      const native = client.handle;
      client.handle = new Proxy(native, {
        get: (target, name) => {
          if (name === 'rebalanceDone') return (token: number) => rebalanceDone.push(token);
          const value = Reflect.get(target, name) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      handler.onBatch(nativeMessages(topic, values, 0n), events);
      expect(consumer.bufferedCount).toBe(10);
      const got: string[] = [];
      for (let i = 0; i < 10; i++) got.push((await consumer.consume({ timeoutMs: 1000 }))!.value!.toString());
      expect(got).toEqual(values);
      expect(listened).toEqual(['commit', 'second commit listener', 'rebalance']);
      await until(() => rebalanceDone.length === 1, 2000, 'rebalanceDone');
      expect(rebalanceDone).toEqual([-1]);
      client.handle = native;
      await until(() => uncaught.errors.length === 2, 2000, 'the uncaught exceptions');
      expect(uncaught.errors.map((e) => (e as Error).message)).toEqual(['commit listener bug', 'rebalance listener bug']);
    } finally {
      uncaught.restore();
      await consumer.close();
    }
  });

  it('against the cluster: throwing rebalance and commit listeners, the rebalance completes and every message arrives', async () => {
    const topic = await cluster.topic('throwing-listeners', 2);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 1 });
    const consumer = new KafkaConsumer({
      'bootstrap.servers': cluster.bootstrapServers,
      'group.id': unique('throwing-listeners'),
      ...fastGroup,
      'auto.commit.interval.ms': 20,
    });
    const uncaught = captureUncaught();
    try {
      let rebalances = 0;
      let commits = 0;
      consumer.on('rebalance', () => {
        rebalances++;
        throw new Error('rebalance listener bug');
      });
      consumer.on('commit', () => {
        commits++;
        throw new Error('commit listener bug');
      });
      await consumer.subscribe([topic]);
      const total = 2000;
      const seen = new Set<string>();
      const reading = (async () => {
        for await (const m of consumer) {
          seen.add(m.value!.toString());
          // Commit results arrive as 'commit' events, among the messages that follow.
          if (seen.size % 100 === 0) void consumer.commit(null, { async: true }).catch(() => undefined);
          if (seen.size === total) return;
        }
      })();
      // Small chunks over time, so that commit events land among the messages.
      for (let i = 0; i < total; i += 50) {
        await producer.sendBatch(Array.from({ length: 50 }, (_, j) => ({ topic, partition: (i + j) % 2, value: `m${i + j}` })));
        await new Promise((r) => setTimeout(r, 5));
      }
      await Promise.race([reading, until(() => false, 20_000, `all ${total} messages (got ${seen.size})`).catch(() => undefined)]);
      expect(seen.size).toBe(total);
      expect(rebalances).toBeGreaterThan(0);
      // Commit results come back from the broker independently of the messages: the last
      // ones may arrive after the reading ended.
      await until(() => commits > 0, 10_000, 'a commit event');
      expect(commits).toBeGreaterThan(0);
      expect((await consumer.assignment()).length).toBe(2);
      expect(uncaught.errors.length).toBeGreaterThan(0);
    } finally {
      await consumer.close();
      await producer.close();
      uncaught.restore();
    }
  });
});
