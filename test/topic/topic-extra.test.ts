/**
 * Topic layer: the two C++ cases not covered by topic-events.test.ts — a fast producer with a
 * slow consumer, and the 52-byte two-segment data selections at the event level.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDescriptor } from '../../lib/topic/descriptor';
import type { DataSelector } from '../../lib/topic/consumer';
import { Driver } from '../../lib/topic/driver';
import { unique, useCluster } from '../helpers';

const cluster = useCluster();
let driver: Driver;

beforeAll(async () => {
  driver = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers } });
});
afterAll(async () => {
  await driver?.close();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Concurrency: fast producer, slow consumer', () => {
  it('300 events pushed at once, 10 ms per event in the handler: all arrive in order per partition, acknowledged', async () => {
    const partitions = 3;
    const total = 300;
    const topic = await driver.createTopic(unique('slow'), { num_partitions: partitions });
    const name = unique('grp');
    const consumer = topic.consumer(name);

    let handled = 0;
    let handledWhenProduced = -1;
    const producing = (async () => {
      const producer = topic.producer();
      const ids = await Promise.all(Array.from({ length: total }, (_, i) => producer.push({ i }, Buffer.from(`event ${i}`))));
      await producer.flush();
      await producer.close();
      handledWhenProduced = handled;
      return ids;
    })();

    const seen = new Map<number, Array<{ id: bigint; i: number }>>();
    const t0 = performance.now();
    const n = await consumer.process(
      async (event) => {
        await sleep(10);
        const i = (event.metadata as { i: number }).i;
        expect(event.dataBuffer.toString()).toBe(`event ${i}`);
        const list = seen.get(event.partition.partition_id) ?? [];
        list.push({ id: event.id, i });
        seen.set(event.partition.partition_id, list);
        await event.acknowledge();
        handled++;
      },
      { maxEvents: total, timeoutMs: 15_000 },
    );
    const elapsed = performance.now() - t0;
    const ids = await producing;

    expect(n).toBe(total);
    expect(handled).toBe(total);
    // The producer really was ahead: everything was delivered while most events were unhandled.
    expect(handledWhenProduced).toBeGreaterThanOrEqual(0);
    expect(handledWhenProduced).toBeLessThan(total / 2);
    expect(elapsed).toBeGreaterThanOrEqual(total * 10 - 50);
    // Round-robin: 100 events per partition, each partition read in order with ids 0..99, and
    // every event exactly once.
    expect([...seen.keys()].sort()).toEqual([0, 1, 2]);
    const all = new Set<number>();
    for (const [, list] of seen) {
      expect(list.map((e) => e.id)).toEqual(Array.from({ length: total / partitions }, (_, k) => BigInt(k)));
      const is = list.map((e) => e.i);
      expect(is).toEqual([...is].sort((a, b) => a - b));
      for (const i of is) all.add(i);
    }
    expect(all.size).toBe(total);
    expect(new Set(ids.map(String)).size).toBe(total / partitions); // ids 0..99 on each partition
    await consumer.close();

    // Everything was acknowledged: the same group resumes after the last event of each partition.
    const again = topic.consumer(name);
    expect(await again.pull({ timeoutMs: 3_000 })).toBeNull();
    await again.close();
  });
});

describe('Data selection at the event level (52 bytes pushed as two segments)', () => {
  const lower = Buffer.from('abcdefghijklmnopqrstuvwxyz');
  const upper = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
  const cases: Array<[string, DataSelector, string]> = [
    ['whole', (_m, d) => d, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'],
    ['nothing (null)', () => null, ''],
    ['nothing (empty descriptor)', () => DataDescriptor.empty(), ''],
    ['sub(13, 26)', (_m, d) => d.sub(13, 26), 'nopqrstuvwxyzABCDEFGHIJKLM'],
    ['strided(13, 3, 4, 2)', (_m, d) => d.strided(13, 3, 4, 2), 'nopqtuvwzABC'],
    [
      'unstructured {3,6},{15,4},{27,8}',
      (_m, d) => d.unstructured([{ offset: 3, size: 6 }, { offset: 15, size: 4 }, { offset: 27, size: 8 }]),
      'defghipqrsBCDEFGHI',
    ],
  ];

  let topicName: string;
  beforeAll(async () => {
    topicName = unique('select52');
    const topic = await driver.createTopic(topicName);
    const producer = topic.producer();
    expect(await producer.push({ name: 'alphabet' }, [lower, upper])).toBe(0n);
    await producer.close();
  });

  for (const [label, selector, expected] of cases) {
    it(`${label} → ${JSON.stringify(expected)}`, async () => {
      const topic = await driver.openTopic(topicName);
      const offered: Array<{ metadata: unknown; size: number }> = [];
      const consumer = topic.consumer(unique('grp'), {
        targets: [0], // assigned: no group join to wait for
        dataSelector: (metadata, descriptor) => {
          offered.push({ metadata, size: descriptor.size });
          return selector(metadata, descriptor);
        },
      });
      const event = await consumer.pull({ timeoutMs: 10_000 });
      expect(event).not.toBeNull();
      expect(event!.error).toBeUndefined();
      expect(event!.metadata).toEqual({ name: 'alphabet' });
      // The selector saw the event's metadata and the full 52 bytes.
      expect(offered).toEqual([{ metadata: { name: 'alphabet' }, size: 52 }]);
      expect(Buffer.concat(event!.data).toString()).toBe(expected);
      expect(event!.data.reduce((n, s) => n + s.length, 0)).toBe(expected.length);
      if (expected === '') expect(event!.data).toEqual([]);
      await consumer.close();
    });
  }
});
