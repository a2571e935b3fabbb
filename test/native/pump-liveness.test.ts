/**
 * The native pump keeps events flowing to JS whatever else is going on: delivery reports
 * during a flush, messages while a long call waits for a broker, consumption right after
 * the application catches up, and rebalances whose hooks never settle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConfigError, ErrorCode, KafkaConsumer, KafkaError, KafkaProducer, type Message, MockCluster } from '../../lib/index';
import { unique } from '../helpers';

const onMock = !process.env.KAFKA_BOOTSTRAP_SERVERS;

describe.skipIf(!onMock)('pump liveness (mock cluster: broker round-trip and outages are injected)', () => {
  let cluster: MockCluster;
  beforeAll(async () => {
    cluster = await MockCluster.start({ brokers: 2 });
  });
  afterAll(async () => {
    await cluster.close();
  });

  it('delivery reports reach JS while flush() waits, not all at its end', async () => {
    const topic = unique('flushing');
    await cluster.createTopic(topic, 1, 1);
    await cluster.setPartitionLeader(topic, 0, 1);
    // Small batches and a slow broker: the flush takes seconds, delivery comes in steps.
    await cluster.setBrokerRtt(1, 50);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'batch.num.messages': 500, 'linger.ms': 0 });
    try {
      await producer.send({ topic, value: 'warm-up' });
      const settled: number[] = [];
      const sends = Array.from({ length: 20_000 }, (_, i) => producer.send({ topic, value: `m${i}` }).then(() => settled.push(Date.now())));
      const start = Date.now();
      await producer.flush({ timeoutMs: 60_000 });
      const flushed = Date.now();
      await Promise.all(sends);
      expect(flushed - start).toBeGreaterThan(400); // the flush really waited
      // Reports settled while the flush was in progress: most of them well before it ended.
      const early = settled.filter((t) => t < flushed - 200).length;
      expect(early, `${early} of 20000 settled before the flush's last 200 ms (flush took ${flushed - start} ms)`).toBeGreaterThan(10_000);
    } finally {
      await cluster.setBrokerRtt(1, 0);
      await producer.close();
    }
  }, 90_000);

  it('messages keep arriving while a long call (watermarks from a leader that answers in 5 s) waits', async () => {
    const live = unique('live');
    const dead = unique('dead');
    await cluster.createTopic(live, 1, 1);
    await cluster.createTopic(dead, 1, 1);
    await cluster.setPartitionLeader(live, 0, 1);
    await cluster.setPartitionLeader(dead, 0, 2);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g') });
    try {
      await consumer.assign([{ topic: live, partition: 0, offset: 0n }]);
      await producer.send({ topic: live, value: 'first' });
      expect((await consumer.consume({ timeoutMs: 10_000 }))?.value?.toString()).toBe('first');
      // The other partition's leader answers after 5 s: the query waits out its 3 s timeout.
      await cluster.setBrokerRtt(2, 5000);
      let watermarksDone = 0;
      const watermarks = consumer.queryWatermarkOffsets(dead, 0, { timeoutMs: 3000 }).then(
        () => (watermarksDone = Date.now()),
        () => (watermarksDone = Date.now()),
      );
      await new Promise((r) => setTimeout(r, 200));
      await producer.send({ topic: live, value: 'during' });
      const m = await consumer.consume({ timeoutMs: 10_000 });
      const got = Date.now();
      expect(m?.value?.toString()).toBe('during');
      await watermarks;
      expect(watermarksDone - got, 'the message arrived well before the watermark query gave up').toBeGreaterThan(1000);
    } finally {
      await cluster.setBrokerRtt(2, 0);
      await consumer.close();
      await producer.close();
    }
  }, 60_000);

  it('after the application pauses for more than a second, delivery resumes within milliseconds', async () => {
    const topic = unique('pauses');
    await cluster.createTopic(topic, 1, 1);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.sendBatch(Array.from({ length: 5000 }, (_, i) => ({ topic, value: `m${i}` })));
    await producer.close();
    const consumer = new KafkaConsumer(
      { 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g') },
      { highWaterMark: { messages: 100 } },
    );
    try {
      await consumer.assign([{ topic, partition: 0, offset: 0n }]);
      const got: Message[] = [];
      const gaps: number[] = [];
      const readUpTo = async (n: number) => {
        while (got.length < n) {
          const batch = await consumer.consumeBatch(100, { timeoutMs: 10_000 });
          expect(batch.length, `stalled at ${got.length} of 5000`).toBeGreaterThan(0);
          got.push(...batch);
        }
      };
      await readUpTo(500);
      for (let pause = 0; pause < 3; pause++) {
        // The application stops reading: the buffer fills and the flow is turned off.
        await new Promise((r) => setTimeout(r, 1100));
        const t = Date.now();
        // Far more than the buffer and the hand-off hold: the rest must be pulled again.
        await readUpTo(got.length + 1000);
        gaps.push(Date.now() - t);
      }
      await readUpTo(5000);
      expect(got.map((m) => Number(m.offset))).toEqual(Array.from({ length: 5000 }, (_, i) => i));
      for (const gap of gaps) expect(gap, `1000 messages after each pause took ${gaps.join(', ')} ms`).toBeLessThan(200);
    } finally {
      await consumer.close();
    }
  }, 60_000);

  it('after the event loop is blocked long enough to fill the hand-off, delivery goes on (no lost wake-up)', async () => {
    const topic = unique('blocked-loop');
    await cluster.createTopic(topic, 1, 1);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.sendBatch(Array.from({ length: 6000 }, (_, i) => ({ topic, value: `m${i}` })));
    await producer.close();
    // A mark the application never reaches (the flow stays on), and a native hand-off of a
    // quarter of it that fills while the JS thread is busy.
    const consumer = new KafkaConsumer(
      { 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g') },
      { highWaterMark: { messages: 4000 } },
    );
    try {
      await consumer.assign([{ topic, partition: 0, offset: 0n }]);
      const got: Message[] = [];
      let blocks = 0;
      while (got.length < 6000) {
        if (got.length >= (blocks + 1) * 1500 && blocks < 3) {
          blocks++;
          const until = Date.now() + 1100;
          while (Date.now() < until) {
            // The application's synchronous work holds the JS thread.
          }
        }
        const t = Date.now();
        const batch = await consumer.consumeBatch(100, { timeoutMs: 5000 });
        expect(batch.length, `stalled at ${got.length} of 6000 after ${Date.now() - t} ms`).toBeGreaterThan(0);
        got.push(...batch);
      }
      expect(got.map((m) => Number(m.offset))).toEqual(Array.from({ length: 6000 }, (_, i) => i));
    } finally {
      await consumer.close();
    }
  }, 60_000);

  it('a rebalance hook that never settles is given up on at rebalanceTimeoutMs, reported, and delivery goes on', async () => {
    const topic = unique('hung-hook');
    await cluster.createTopic(topic, 1, 1);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.send({ topic, value: 'after the hook' });
    await producer.close();
    const errors: KafkaError[] = [];
    const consumer = new KafkaConsumer(
      { 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g'), 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500 },
      { onAssign: () => new Promise<void>(() => undefined), rebalanceTimeoutMs: 1500 },
    );
    consumer.on('error', (e) => errors.push(e));
    try {
      await consumer.subscribe([topic]);
      const start = Date.now();
      const m = await consumer.consume({ timeoutMs: 15_000 });
      expect(m?.value?.toString()).toBe('after the hook');
      expect(Date.now() - start).toBeGreaterThanOrEqual(1400);
      const timeout = errors.find((e) => e.code === ErrorCode.TIMED_OUT);
      expect(timeout?.message).toMatch(/assign hook did not settle within 1500 ms/);
    } finally {
      await consumer.close({ timeoutMs: 5000 });
    }
  }, 60_000);

});

// Option checks need no broker: they run in both modes.
describe('pump options', () => {
  it('rejects a bad rebalanceTimeoutMs or keepAliveWhileStalled with a ConfigError naming it', () => {
    const base = { 'bootstrap.servers': '127.0.0.1:1', 'group.id': 'bad-options' };
    expect(() => new KafkaConsumer(base, { rebalanceTimeoutMs: -1 })).toThrow(ConfigError);
    expect(() => new KafkaConsumer(base, { rebalanceTimeoutMs: -1 })).toThrow(/rebalanceTimeoutMs/);
    expect(() => new KafkaConsumer(base, { keepAliveWhileStalled: 'yes' as never })).toThrow(ConfigError);
    expect(() => new KafkaConsumer(base, { keepAliveWhileStalled: 'yes' as never })).toThrow(/keepAliveWhileStalled/);
  });
});
