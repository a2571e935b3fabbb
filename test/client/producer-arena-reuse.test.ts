import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

import { ArenaPool, capacityFor, IDLE_MAX_BYTES, POOLED_MAX, POOLED_MIN } from '../../lib/client/arena-pool';
import { KafkaConsumer, KafkaProducer, type Message, type OutgoingMessage } from '../../lib/index';
import { fastGroup, unique, useCluster } from '../helpers';

// sendBatch packs a run of messages into one arena that librdkafka reads in place until their
// delivery reports; once a batch has completed, its arenas serve the next batches. What a
// user must see: every message arrives with its own bytes however many batches are in
// flight, and batch after batch does not allocate memory afresh.

describe('ArenaPool', () => {
  it('gives back the same memory for a run of similar size, and exactly the bytes asked for', () => {
    const pool = new ArenaPool();
    const a = pool.take(1_000_000);
    expect(a.length).toBe(1_000_000);
    expect(a.buffer.byteLength).toBe(capacityFor(1_000_000));
    pool.give(a);
    expect(pool.idleSize).toBe(a.buffer.byteLength);
    const b = pool.take(990_000);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(990_000);
    expect(pool.idleSize).toBe(0);
    // Taken, not idle: the next run gets other memory.
    expect(pool.take(990_000).buffer).not.toBe(a.buffer);
  });

  it('rounds capacities up by at most a quarter', () => {
    for (const size of [POOLED_MIN, POOLED_MIN + 1, 100_000, 1_000_000, 3_000_001, POOLED_MAX]) {
      const capacity = capacityFor(size);
      expect(capacity).toBeGreaterThanOrEqual(size);
      expect(capacity).toBeLessThan(size * 1.25 + 1);
      expect(capacityFor(capacity)).toBe(capacity);
    }
  });

  it('keeps no small, huge or odd-sized buffer, and at most IDLE_MAX_BYTES idle', () => {
    const pool = new ArenaPool();
    pool.give(pool.take(POOLED_MIN - 1));
    pool.give(pool.take(POOLED_MAX + 1));
    pool.give(Buffer.alloc(100).subarray(1)); // a view into other memory
    pool.give(Buffer.allocUnsafeSlow(100_000)); // not a capacity the pool makes
    expect(pool.idleSize).toBe(0);
    const arenas = Array.from({ length: 20 }, () => pool.take(POOLED_MAX));
    for (const a of arenas) pool.give(a);
    expect(pool.idleSize).toBeLessThanOrEqual(IDLE_MAX_BYTES);
    expect(pool.idleSize).toBeGreaterThan(IDLE_MAX_BYTES - POOLED_MAX);
    pool.clear();
    expect(pool.idleSize).toBe(0);
  });
});

const cluster = useCluster();
const clients: Array<KafkaProducer | KafkaConsumer> = [];
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  for (const c of clients) await c.close();
});

const BATCHES = 40;
const PER_BATCH = 1000;
const SIZE = 100; // 100 KB runs: pooled

/** Message i of batch b: its own bytes (a `b:i:` prefix, then a fill that differs from its neighbours'). */
function valueOf(b: number, i: number): Buffer {
  const v = Buffer.alloc(SIZE, (b * 7 + i) & 0xff);
  v.write(`${b}:${i}:`, 0);
  return v;
}

async function readAll(topic: string, n: number): Promise<Message[]> {
  const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('arena'), ...fastGroup });
  clients.push(consumer);
  await consumer.subscribe([topic]);
  const out: Message[] = [];
  const deadline = Date.now() + 30_000;
  while (out.length < n && Date.now() < deadline) out.push(...(await consumer.consumeBatch(n - out.length, { timeoutMs: deadline - Date.now() })));
  return out;
}

describe('sendBatch reusing arenas', () => {
  it('delivers every message with its own bytes, batch after batch and many in flight', async () => {
    const topic = await cluster.topic('arena-reuse');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 2 });
    clients.push(producer);
    await producer.send({ topic, value: 'warm', partition: 0 });
    const inFlight: Array<Promise<unknown>> = [];
    for (let b = 0; b < BATCHES; b++) {
      const batch: OutgoingMessage[] = Array.from({ length: PER_BATCH }, (_, i) => ({ topic, partition: 0, value: valueOf(b, i) }));
      inFlight.push(producer.sendBatch(batch, { reports: 'columns' }));
      if (inFlight.length >= 8) await inFlight.shift();
    }
    await Promise.all(inFlight);

    const got = await readAll(topic, 1 + BATCHES * PER_BATCH);
    expect(got).toHaveLength(1 + BATCHES * PER_BATCH);
    // One partition, batches in call order: message k after the warm-up one is message k % PER_BATCH of batch k / PER_BATCH.
    let wrong = 0;
    for (let k = 0; k < BATCHES * PER_BATCH; k++) {
      if (!got[k + 1]!.value!.equals(valueOf(Math.floor(k / PER_BATCH), k % PER_BATCH))) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it('allocates arenas for the first batches only when each is awaited before the next', async () => {
    const topic = await cluster.topic('arena-alloc');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 1 });
    clients.push(producer);
    await producer.send({ topic, value: 'warm' });
    const allocations = vi.spyOn(Buffer, 'allocUnsafeSlow');
    const batch: OutgoingMessage[] = Array.from({ length: PER_BATCH }, (_, i) => ({ topic, value: valueOf(0, i) }));
    for (let b = 0; b < 20; b++) {
      const delivered = await producer.sendBatch(batch, { reports: 'columns' });
      expect(delivered.length).toBe(PER_BATCH);
    }
    expect(allocations.mock.calls.filter(([size]) => size >= POOLED_MIN)).toHaveLength(1);
  });
});
