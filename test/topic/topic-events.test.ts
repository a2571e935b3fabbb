/** Topic producer and consumer: the C++ producer/consumer suites, restart, partitions, bad input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaProducer } from '../../lib/client/producer';
import { ValidationError } from '../../lib/util/errors';
import { Driver } from '../../lib/topic/driver';
import type { TopicHandle } from '../../lib/topic/topic-handle';
import { unique, useCluster } from '../helpers';

const cluster = useCluster();
let driver: Driver;

beforeAll(async () => {
  driver = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers } });
});
afterAll(async () => {
  await driver?.close();
});

const data = (i: number): Buffer => Buffer.from(`This is data for event ${i}`);

async function fill(topic: TopicHandle, n: number): Promise<void> {
  const producer = topic.producer();
  const ids = await Promise.all(Array.from({ length: n }, (_, i) => producer.push({ event_num: i }, data(i))));
  expect(ids).toEqual(Array.from({ length: n }, (_, i) => BigInt(i)));
  await producer.close();
}

describe('Producer (C++ suite)', () => {
  it('10 awaited pushes of {"i":i}, then flush', async () => {
    const topic = await driver.createTopic(unique('p10'));
    const producer = topic.producer();
    for (let i = 0; i < 10; i++) expect(await producer.push({ i })).toBe(BigInt(i));
    await producer.flush();
    await producer.close();
  });

  for (const batchSize of ['adaptive', 10] as const) {
    for (const ordering of ['strict', 'loose'] as const) {
      it(`batch ${batchSize} × ordering ${ordering}: 100 pushes without data, 100 with, flush every 5th`, async () => {
        const topic = await driver.createTopic(unique('matrix'));
        const producer = topic.producer({ batchSize, ordering, maxPending: 16 });
        const pushes: Array<Promise<bigint>> = [];
        for (let i = 0; i < 200; i++) {
          pushes.push(i < 100 ? producer.push({ i }) : producer.push({ i }, [data(i), Buffer.from('!')]));
          if (i % 5 === 4) await producer.flush();
        }
        const ids = await Promise.all(pushes);
        expect(new Set(ids).size).toBe(200);
        expect(producer.pendingCount).toBe(0);
        await producer.close();
      });
    }
  }

  it('maxPending bounds the events in flight; a push waiting for room honours its AbortSignal', async () => {
    const topic = await driver.createTopic(unique('room'));
    const producer = topic.producer({ maxPending: 2 });
    const first = [producer.push({ a: 1 }), producer.push({ a: 2 })];
    expect(producer.pendingCount).toBe(2);
    const aborted = producer.push({ a: 3 }, undefined, { signal: AbortSignal.abort() });
    await expect(aborted).rejects.toThrow(/aborted/);
    await Promise.all(first);
    expect(await producer.push({ a: 4 })).toBe(2n);
    await producer.close();
  });
});

describe('Consumer (C++ suite)', () => {
  it('pull gives ids 0..99 in order with their metadata and data; then times out', async () => {
    const topic = await driver.createTopic(unique('c100'));
    await fill(topic, 100);
    const consumer = topic.consumer(unique('grp'));
    for (let i = 0; i < 100; i++) {
      const event = await consumer.pull({ timeoutMs: 10_000 });
      expect(event?.id).toBe(BigInt(i));
      expect(event?.metadata).toEqual({ event_num: i });
      expect(event?.dataBuffer.toString()).toBe(`This is data for event ${i}`);
      expect(event?.partition).toEqual({ partition_id: 0 });
      if (i % 5 === 0) await event!.acknowledge();
    }
    expect(await consumer.pull({ timeoutMs: 300 })).toBeNull();
    await consumer.close();
  });

  it('pull with bad options rejects with a TypeError naming the option; the next pull reads on', async () => {
    const topic = await driver.createTopic(unique('pullopts'));
    await fill(topic, 2);
    const consumer = topic.consumer(unique('grp'));
    await expect(consumer.pull({ timeoutMs: 'x' as never })).rejects.toThrow(/^pull: options.timeoutMs must be a number of milliseconds ≥ 0, got "x"/);
    await expect(consumer.pull({ timeoutMs: -1 })).rejects.toThrow(TypeError);
    await expect(consumer.pull({ timeoutMs: 10_000, signal: {} as never })).rejects.toThrow(/^pull: options.signal must be an AbortSignal, got object/);
    await expect(consumer.pull(null as never)).rejects.toThrow(/^pull\(options\) must be an object/);
    const first = await consumer.pull({ timeoutMs: 10_000 });
    expect(first?.id).toBe(0n);
    // Taken from the consumer's local batch this time: checked the same way.
    await expect(consumer.pull({ timeoutMs: Infinity })).rejects.toThrow(/^pull: options.timeoutMs must be/);
    const second = await consumer.pull({ timeoutMs: 10_000, signal: new AbortController().signal });
    expect(second?.id).toBe(1n);
    expect(second?.dataBuffer.toString()).toBe('This is data for event 1');
    await consumer.close();
  });

  it('a data selector that takes the data of even events only', async () => {
    const topic = await driver.createTopic(unique('even'));
    await fill(topic, 20);
    const consumer = topic.consumer(unique('grp'), {
      dataSelector: (metadata, descriptor) => ((metadata as { event_num: number }).event_num % 2 === 0 ? descriptor : null),
    });
    for (let i = 0; i < 20; i++) {
      const event = (await consumer.pull({ timeoutMs: 10_000 }))!;
      if (i % 2 === 0) expect(event.dataBuffer.toString()).toBe(`This is data for event ${i}`);
      else expect(event.data).toEqual([]);
    }
    await consumer.close();
  });

  it('a sub-view selector with an allocator fills the caller memory', async () => {
    const topic = await driver.createTopic(unique('alloc'));
    await fill(topic, 3);
    const memory: Buffer[] = [];
    const consumer = topic.consumer(unique('grp'), {
      dataSelector: (_m, d) => d.sub(8, 4),
      dataAllocator: (_m, d) => {
        const b = Buffer.alloc(d.size);
        memory.push(b);
        return b;
      },
    });
    const event = (await consumer.pull({ timeoutMs: 10_000 }))!;
    expect(event.dataBuffer.toString()).toBe('data');
    expect(memory[0]!.toString()).toBe('data');
    await consumer.close();
  });

  it('markAsComplete: iteration yields exactly N events with ids 0..N-1, then ends', async () => {
    const topic = await driver.createTopic(unique('iter'));
    await fill(topic, 30);
    await topic.markAsComplete();
    const consumer = topic.consumer(unique('grp'));
    const ids: bigint[] = [];
    for await (const event of consumer) ids.push(event.id);
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => BigInt(i)));
    expect(consumer.complete).toBe(true);
    await consumer.close();
  });

  it('pull shows the end-of-stream marker as an event with isEndOfStream', async () => {
    const topic = await driver.createTopic(unique('eos'));
    await fill(topic, 1);
    await topic.markAsComplete();
    const consumer = topic.consumer(unique('grp'));
    expect((await consumer.pull({ timeoutMs: 10_000 }))?.isEndOfStream).toBe(false);
    const end = await consumer.pull({ timeoutMs: 10_000 });
    expect(end?.isEndOfStream).toBe(true);
    expect(end?.metadata).toBeNull();
    await consumer.close();
  });

  it('a consumer restarting under the same name resumes after the last acknowledged event', async () => {
    const topic = await driver.createTopic(unique('restart'));
    await fill(topic, 10);
    const name = unique('grp');
    const first = topic.consumer(name, { targets: [0] });
    for (let i = 0; i < 7; i++) {
      const event = (await first.pull({ timeoutMs: 10_000 }))!;
      if (i === 3) await event.acknowledge();
    }
    await first.close();
    const second = topic.consumer(name, { targets: [0] });
    expect((await second.pull({ timeoutMs: 10_000 }))?.id).toBe(4n);
    await second.close();
  });

  it('process: stops when the handler returns false, or at maxEvents; async handlers with concurrency', async () => {
    const topic = await driver.createTopic(unique('proc'));
    await fill(topic, 50);
    const consumer = topic.consumer(unique('grp'));
    const seen: number[] = [];
    expect(await consumer.process((e) => (seen.push(Number(e.id)), e.id < 9n), { timeoutMs: 10_000 })).toBe(10);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let handled = 0;
    const n = await consumer.process(async (e) => {
      await new Promise((r) => setTimeout(r, 2));
      handled++;
      await e.acknowledge();
    }, { maxEvents: 40, concurrency: 8, timeoutMs: 10_000 });
    expect(n).toBe(40);
    expect(handled).toBe(40);
    expect(await consumer.process(() => true, { timeoutMs: 300 })).toBe(0);
    await consumer.close();
  });
});

describe('Partitions and concurrency', () => {
  it('events go to the partitions the selector chose; targets read only those', async () => {
    const topic = await driver.createTopic(unique('multi'), { num_partitions: 3 });
    const producer = topic.producer();
    for (let i = 0; i < 9; i++) await producer.push({ i }, undefined, { partition: i });
    const rr = await Promise.all([producer.push({ r: 0 }), producer.push({ r: 1 }), producer.push({ r: 2 })]);
    expect(rr).toEqual([3n, 3n, 3n]); // round-robin: one more event on each partition
    await producer.close();
    const consumer = topic.consumer(unique('grp'), { targets: [1] });
    const got: unknown[] = [];
    for (let k = 0; k < 4; k++) {
      const e = (await consumer.pull({ timeoutMs: 10_000 }))!;
      expect(e.partition).toEqual({ partition_id: 1 });
      got.push(e.metadata);
    }
    expect(got.slice(0, 3)).toEqual([{ i: 1 }, { i: 4 }, { i: 7 }]);
    expect(await consumer.pull({ timeoutMs: 300 })).toBeNull();
    await consumer.close();
  });

  it('one producer and one consumer at once: 1000 events', async () => {
    const topic = await driver.createTopic(unique('conc'));
    const consumer = topic.consumer(unique('grp'));
    const producing = (async () => {
      const producer = topic.producer({ maxPending: 100 });
      await Promise.all(Array.from({ length: 1000 }, (_, i) => producer.push({ i }, data(i))));
      await producer.close();
    })();
    let count = 0;
    await consumer.process((e) => {
      expect(e.metadata).toEqual({ i: count });
      count++;
    }, { maxEvents: 1000, timeoutMs: 15_000 });
    await producing;
    expect(count).toBe(1000);
    await consumer.close();
  });

  it('3 producers × 20 events and one consumer: counts match', async () => {
    const topic = await driver.createTopic(unique('three'), { num_partitions: 2 });
    await Promise.all([0, 1, 2].map(async (p) => {
      const producer = topic.producer();
      for (let i = 0; i < 20; i++) await producer.push({ p, i });
      await producer.close();
    }));
    const consumer = topic.consumer(unique('grp'));
    const perProducer = [0, 0, 0];
    await consumer.process((e) => void perProducer[(e.metadata as { p: number }).p]!++, { maxEvents: 60, timeoutMs: 15_000 });
    expect(perProducer).toEqual([20, 20, 20]);
    await consumer.close();
  });
});

describe('Bad input', () => {
  it('non-JSON metadata and validator rejections reject the push; the producer goes on', async () => {
    const topic = await driver.createTopic(unique('bad'), { validator: { type: 'schema', schema: { type: 'object', required: ['ok'] } } });
    const producer = topic.producer();
    const cyclic: Record<string, unknown> = { ok: 1 };
    cyclic.self = cyclic;
    await expect(producer.push(cyclic)).rejects.toBeInstanceOf(ValidationError);
    // A bigint is written exactly (issue 17) unless beyond the 64-bit integers Octopus reads.
    await expect(producer.push({ ok: 2n ** 64n })).rejects.toBeInstanceOf(ValidationError);
    await expect(producer.push({ nope: 1 })).rejects.toBeInstanceOf(ValidationError);
    expect(await producer.push({ ok: true })).toBe(0n);
    await producer.close();
  });

  it('a foreign value with broken lengths gives an error event; the consumer goes on', async () => {
    const topic = await driver.createTopic(unique('foreign'));
    const producer = topic.producer();
    await producer.push({ n: 0 });
    const raw = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const broken = Buffer.alloc(20);
    broken.writeUInt32LE(100, 0); // announces 100 metadata bytes, holds 4
    await raw.send({ topic: topic.kafkaTopic, partition: 0, value: broken });
    await raw.send({ topic: topic.kafkaTopic, partition: 0, value: Buffer.from('hello') }); // too short
    const badJson = Buffer.alloc(16 + 8 + 3);
    badJson.writeUInt32LE(11, 0);
    badJson.writeUInt32LE(3, 16);
    badJson.write('{x]', 24);
    await raw.send({ topic: topic.kafkaTopic, partition: 0, value: badJson }); // metadata not JSON
    await raw.close();
    await producer.push({ n: 4 });
    await producer.close();
    const consumer = topic.consumer(unique('grp'));
    const events = [];
    for (let i = 0; i < 5; i++) events.push((await consumer.pull({ timeoutMs: 10_000 }))!);
    expect(events.map((e) => e.error === undefined)).toEqual([true, false, false, false, true]);
    expect(events[1]!.error?.message).toMatch(/header announces/);
    expect(events[2]!.error?.message).toMatch(/shorter than/);
    expect(events[3]!.error?.message).toMatch(/not valid JSON/);
    expect(events[4]!.metadata).toEqual({ n: 4 });
    await consumer.close();
  });
});
