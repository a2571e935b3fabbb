import { readFile } from 'node:fs/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KafkaConsumer, KafkaProducer, Offset } from '../../lib/index';
import { unique, useCluster } from '../helpers';

const cluster = useCluster();
let producer: KafkaProducer;
beforeAll(async () => {
  producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
});
afterAll(async () => {
  await producer.close();
});

async function filled(prefix: string, count: number, partitions = 1): Promise<string> {
  const topic = await cluster.topic(prefix, partitions);
  await producer.sendBatch(Array.from({ length: count }, (_, i) => ({ topic, partition: i % partitions, value: `m${i}`, timestamp: 1_000_000 + i * 1000 })));
  return topic;
}

const consumerFor = (extra: Record<string, string | number> = {}) =>
  new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g'), ...extra });

describe('consumer positioning', () => {
  it('seek moves the read position at any time and drops buffered messages of that partition', async () => {
    const topic = await filled('seek', 100);
    const consumer = consumerFor();
    await consumer.assign([{ topic, partition: 0, offset: 0n }]);
    expect((await consumer.consume({ timeoutMs: 10_000 }))?.offset).toBe(0n);
    await consumer.seek([{ topic, partition: 0, offset: 90n }]);
    expect((await consumer.consume({ timeoutMs: 10_000 }))?.offset).toBe(90n);
    await consumer.seek([{ topic, partition: 0, offset: 5n }]);
    expect((await consumer.consume({ timeoutMs: 10_000 }))?.offset).toBe(5n);
    const [pos] = await consumer.position([{ topic, partition: 0 }]);
    expect(pos!.offset).toBeGreaterThanOrEqual(6n);
    await consumer.close();
  });

  it('pause stops a partition, resume continues it', async () => {
    const topic = await filled('pause', 40, 2);
    const consumer = consumerFor();
    await consumer.assign([
      { topic, partition: 0, offset: 0n },
      { topic, partition: 1, offset: 0n },
    ]);
    await consumer.pause([{ topic, partition: 1 }]);
    await consumer.seek([{ topic, partition: 1, offset: 0n }]); // drop anything fetched before the pause
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) seen.add((await consumer.consume({ timeoutMs: 5000 }))!.partition);
    expect(await consumer.consume({ timeoutMs: 500 })).toBeNull();
    expect([...seen]).toEqual([0]);
    await consumer.resume([{ topic, partition: 1 }]);
    const m = await consumer.consume({ timeoutMs: 10_000 });
    expect(m?.partition).toBe(1);
    await consumer.close();
  });

  it('offsetsForTimes finds the first offset at or after a timestamp; BEGINNING and END are logical offsets', async () => {
    const topic = await filled('times', 10);
    const consumer = consumerFor();
    const [found] = await consumer.offsetsForTimes([{ topic, partition: 0, offset: 1_000_000n + 4500n }]);
    // The mock cluster does not look offsets up by timestamp (it answers -1); a broker does.
    expect(found!.offset).toBe(cluster.mock ? -1n : 5n);
    // The options form and the deprecated positional timeout.
    expect(await consumer.offsetsForTimes([{ topic, partition: 0, offset: 1_000_000n + 4500n }], { timeoutMs: 10_000 })).toEqual([found]);
    expect(await consumer.offsetsForTimes([{ topic, partition: 0, offset: 1_000_000n + 4500n }], 10_000)).toEqual([found]);
    await consumer.assign([{ topic, partition: 0, offset: Offset.END }]);
    expect(await consumer.consume({ timeoutMs: 500 })).toBeNull();
    await producer.send({ topic, partition: 0, value: 'new' });
    expect((await consumer.consume({ timeoutMs: 10_000 }))?.value?.toString()).toBe('new');
    await consumer.close();
  });

  it('lag is the high watermark minus the next offset to read', async () => {
    const topic = await filled('lag', 30);
    const consumer = consumerFor();
    await consumer.assign([{ topic, partition: 0, offset: 0n }]);
    const batch = await consumer.consumeBatch(10, { timeoutMs: 10_000 });
    expect(batch.length).toBeGreaterThan(0);
    await consumer.commitMessage(batch[batch.length - 1]!);
    const [lag] = await consumer.lag([{ topic, partition: 0 }]);
    expect(lag!.high).toBe(30n);
    expect(lag!.lag).toBe(30n - lag!.position);
    expect(lag!.position).toBeGreaterThanOrEqual(BigInt(batch.length));
    // The options form, and the deprecated positional timeout, give the same answer.
    expect(await consumer.lag([{ topic, partition: 0 }], { timeoutMs: 10_000 })).toEqual([lag]);
    expect(await consumer.lag(undefined, 10_000)).toEqual([lag]);
    await consumer.close();
  });

  it('run() calls the handler per message; a throwing handler stops the run and its message is not lost', async () => {
    const topic = await filled('run', 20);
    const consumer = consumerFor();
    await consumer.assign([{ topic, partition: 0, offset: 0n }]);
    const seen: bigint[] = [];
    await expect(
      consumer.run({
        eachMessage: async (m) => {
          if (m.offset === 7n && !seen.includes(7n)) {
            seen.push(m.offset);
            throw new Error('boom at 7');
          }
          seen.push(m.offset);
        },
      }),
    ).rejects.toThrow('boom at 7');
    const controller = new AbortController();
    await consumer.run({
      signal: controller.signal,
      eachMessage: (m) => {
        seen.push(m.offset);
        if (m.offset === 19n) controller.abort();
      },
    });
    expect(seen).toEqual([...Array.from({ length: 8 }, (_, i) => BigInt(i)), ...Array.from({ length: 13 }, (_, i) => BigInt(i + 7))]);
    await consumer.close();
  });
});

describe('group membership', () => {
  it('groupMetadata(): the member id and generation the coordinator gave, none before joining and after closing', async () => {
    const topic = await filled('member', 1);
    const group = unique('g');
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group });
    expect(consumer.groupMetadata()).toEqual({ groupId: group, memberId: '', generationId: -1 });
    await consumer.subscribe([topic]);
    expect((await consumer.consume({ timeoutMs: 20_000 }))?.value?.toString()).toBe('m0'); // joined and assigned
    const joined = consumer.groupMetadata();
    expect(joined.groupId).toBe(group);
    expect(joined.memberId).not.toBe('');
    expect(joined.memberId).not.toBe(consumer.name); // the coordinator's id, not the client's name
    expect(joined.generationId).toBeGreaterThan(0);
    await consumer.close();
    expect(consumer.groupMetadata()).toEqual({ groupId: group, memberId: '', generationId: -1 });
  });
});

describe('scale and bounds', () => {
  it('200 consumers in one process with the default threadpool, and fs stays responsive', async () => {
    const topic = await cluster.topic('many', 200);
    await producer.sendBatch(Array.from({ length: 200 }, (_, p) => ({ topic, partition: p, value: `p${p}` })));
    const consumers = Array.from({ length: 200 }, () => consumerFor());
    await Promise.all(consumers.map((c, p) => c.assign([{ topic, partition: p, offset: 0n }])));
    const t0 = Date.now();
    await readFile(__filename); // the libuv threadpool is free: nothing of ours blocks on it
    expect(Date.now() - t0).toBeLessThan(1000);
    const got = await Promise.all(consumers.map((c) => c.consume({ timeoutMs: 30_000 })));
    expect(got.map((m) => m?.value?.toString())).toEqual(Array.from({ length: 200 }, (_, p) => `p${p}`));
    await Promise.all(consumers.map((c) => c.close()));
  }, 120_000);

  it('a slow consumer stays bounded: buffered messages never exceed the high-water mark', async () => {
    const partitions = 8;
    const topic = await cluster.topic('slow', partitions);
    const value = Buffer.alloc(1024, 7);
    for (let i = 0; i < 10; i++) {
      await producer.sendBatch(Array.from({ length: 4000 }, (_, j) => ({ topic, partition: j % partitions, value })));
    }
    // Two bounds apply: librdkafka's prefetch queue (queued.max.messages.kbytes, 64 MiB by
    // default; 8 MiB here) and octokafka's hand-off to the application (the high-water mark).
    const consumer = new KafkaConsumer(
      { 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('slow'), 'queued.max.messages.kbytes': 8192 },
      { highWaterMark: { messages: 500, bytes: 1 << 20 } },
    );
    await consumer.assign(Array.from({ length: partitions }, (_, p) => ({ topic, partition: p, offset: 0n })));
    let maxBuffered = 0;
    let read = 0;
    const rss0 = process.memoryUsage().rss;
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      const m = await consumer.consume({ timeoutMs: 5000 });
      if (!m) break;
      read++;
      maxBuffered = Math.max(maxBuffered, consumer.bufferedCount);
      await new Promise((r) => setTimeout(r, 2)); // slow application
    }
    const rssGrowth = process.memoryUsage().rss - rss0;
    console.log(`slow consumer: read ${read}, max buffered ${maxBuffered}, RSS growth ${(rssGrowth / 1048576).toFixed(1)} MiB`);
    expect(read).toBeGreaterThan(100);
    // Buffered messages stay within 1.5 × the high-water mark.
    expect(maxBuffered).toBeLessThanOrEqual(750);
    // 40 MB were available to fetch; what was taken in stays near the two bounds (8 MiB + 1.5 MiB).
    // (Not under AddressSanitizer, whose shadow memory and quarantine inflate RSS.)
    if (!process.env.ASAN_OPTIONS) expect(rssGrowth).toBeLessThan(30 * 1024 * 1024);
    await consumer.close();
  }, 60_000);

  it('after the hand-off stopped for a slow application, fetching resumes by itself', async () => {
    // The bug: resuming waited for librdkafka's next queue event. With no auto-commit and no
    // statistics nothing else comes, so the consumer stalled with messages left to read.
    const topic = await filled('resume', 2000);
    const hwm = 40;
    const slow = new KafkaConsumer(
      { 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('resume'), 'enable.auto.commit': 'false' },
      { highWaterMark: { messages: hwm } },
    );
    await slow.assign([{ topic, partition: 0, offset: 0n }]);
    let read = 0;
    let waitingAfterPause = 0;
    let maxBuffered = 0;
    let longestWait = 0;
    while (read < 2000) {
      const t0 = Date.now();
      const m = await slow.consume({ timeoutMs: 3000 });
      longestWait = Math.max(longestWait, Date.now() - t0);
      if (!m) break;
      expect(m.offset).toBe(BigInt(read));
      read++;
      maxBuffered = Math.max(maxBuffered, slow.bufferedCount);
      if (read % 20 === 0) {
        await new Promise((r) => setTimeout(r, 5)); // the application falls behind
        // Messages were ready while it paused: the hand-off stopped with more to come.
        if (slow.bufferedCount > 0) waitingAfterPause++;
      }
    }
    expect(waitingAfterPause).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThanOrEqual(hwm); // and the bound held
    expect(read).toBe(2000);
    // The partition holds all 2,000 from the start: no consume() waits for more than a
    // fetch (the bug made one wait about 2 s after every resume).
    expect(longestWait).toBeLessThan(1000);
    await slow.close();
  }, 60_000);
});

describe('offsets of iterated messages', () => {
  it('commit() inside a for-await loop commits every message the loop moved past', async () => {
    const topic = await filled('itercommit', 50);
    const group = unique('g');
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group });
    await consumer.assign([{ topic, partition: 0, offset: 0n }]);
    let n = 0;
    for await (const m of consumer) {
      if (++n === 21) {
        // Messages 0..19 are processed; message 20 (this one) is not yet.
        await consumer.commit();
        expect(m.offset).toBe(20n);
        break;
      }
    }
    expect(await consumer.committed([{ topic, partition: 0 }])).toEqual([{ topic, partition: 0, offset: 20n }]);
    expect(await consumer.committed([{ topic, partition: 0 }], { timeoutMs: 10_000 })).toEqual([{ topic, partition: 0, offset: 20n }]);
    expect(await consumer.committed([{ topic, partition: 0 }], 10_000)).toEqual([{ topic, partition: 0, offset: 20n }]);
    await consumer.close();
  });
});
