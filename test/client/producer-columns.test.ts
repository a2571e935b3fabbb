import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';

import { BatchDelivery, KafkaError, KafkaProducer, type DeliveryReport } from '../../lib/index';
import { topicAt } from '../../lib/core/batch-delivery';
import { useCluster } from '../helpers';

// sendBatch(messages, { reports: 'columns' }): the same reports as the default array of
// objects, in typed arrays.

const cluster = useCluster();
let producer: KafkaProducer;
beforeAll(async () => {
  producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
});
afterAll(async () => {
  await producer.close();
});

describe("sendBatch with reports: 'columns'", () => {
  it('resolves with the same reports as the array of objects, in typed arrays', async () => {
    const topic = await cluster.topic('columns', 3);
    const keys = Array.from({ length: 300 }, (_, i) => `key-${i}`);
    const asObjects = await producer.sendBatch(keys.map((key) => ({ topic, key, value: 'a' })));
    const delivered = await producer.sendBatch(
      keys.map((key) => ({ topic, key, value: 'b' })),
      { reports: 'columns' },
    );
    expectTypeOf(delivered).toEqualTypeOf<BatchDelivery>();
    expect(delivered).toBeInstanceOf(BatchDelivery);
    expect(delivered.length).toBe(300);
    expect(delivered.partitions).toBeInstanceOf(Int32Array);
    expect(delivered.offsets).toBeInstanceOf(BigInt64Array);
    expect(delivered.timestamps).toBeInstanceOf(Float64Array);
    // Same keys, so the same partitions; each offset one past the first batch's last one.
    const lastOffset = new Map<number, bigint>();
    for (const r of asObjects) lastOffset.set(r.partition, r.offset);
    const perPartition = new Map<number, bigint>();
    for (let i = 0; i < 300; i++) {
      const p = delivered.partitions[i]!;
      expect(p).toBe(asObjects[i]!.partition);
      const next = (perPartition.get(p) ?? lastOffset.get(p)!) + 1n;
      expect(delivered.offsets[i]).toBe(next);
      perPartition.set(p, next);
      // librdkafka's mock broker answers every produce with log-append time 1234.
      if (cluster.mock) expect(delivered.timestamps[i]).toBe(1234);
      else expect(delivered.timestamps[i]).toBeGreaterThan(Date.now() - 60_000);
      expect(delivered.topic(i)).toBe(topic);
    }
    // Objects on demand: at(), iteration and toArray() agree with the columns.
    const first: DeliveryReport = { topic, partition: delivered.partitions[0]!, offset: delivered.offsets[0]!, timestamp: delivered.timestamps[0]! };
    expect(delivered.at(0)).toEqual(first);
    expect(delivered.at(-1)).toEqual(delivered.toArray()[299]);
    expect(delivered.at(300)).toBeUndefined();
    expect(delivered.at(1.5)).toBeUndefined();
    expect([...delivered]).toEqual(delivered.toArray());
    expect(delivered.toArray().map((r) => r.offset)).toEqual([...delivered.offsets]);
    expect(() => delivered.topic(300)).toThrow(RangeError);
  });

  it('names each message’s topic in a batch of many topic runs', async () => {
    const a = await cluster.topic('columns-a');
    const b = await cluster.topic('columns-b');
    // A short first run (copied message by message), long runs (packed), and a stretch that
    // changes topic at every message (more runs than a batch keeps track of).
    const topics = [a, a, b, ...Array(20).fill(a), ...Array(20).fill(b), ...Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b)), ...Array(10).fill(a)];
    const delivered = await producer.sendBatch(topics.map((topic, i) => ({ topic, value: `m${i}` })), { reports: 'columns' });
    expect(Array.from({ length: delivered.length }, (_, i) => delivered.topic(i))).toEqual(topics);
    expect(delivered.toArray().map((r) => r.topic)).toEqual(topics);
    // Offsets count up per topic (one partition each).
    const seen = new Map<string, bigint[]>();
    delivered.toArray().forEach((r) => seen.set(r.topic, [...(seen.get(r.topic) ?? []), r.offset]));
    for (const offsets of seen.values()) expect(offsets).toEqual(offsets.map((_, i) => offsets[0]! + BigInt(i)));
  });

  it('an empty batch resolves with an empty delivery', async () => {
    const delivered = await producer.sendBatch([], { reports: 'columns' });
    expect(delivered).toBeInstanceOf(BatchDelivery);
    expect(delivered.length).toBe(0);
    expect([...delivered]).toEqual([]);
    expect(await producer.sendBatch([])).toEqual([]);
  });

  it('rejects a bad reports option with a TypeError naming it, and a failed message like the default', async () => {
    const topic = await cluster.topic('columns-bad');
    await expect(producer.sendBatch([{ topic, value: 'x' }], { reports: 'rows' as 'columns' })).rejects.toThrow(/options\.reports must be 'objects' or 'columns', got "rows"/);
    await expect(producer.sendBatch([{ topic, value: 'x' }], { reports: 1 as unknown as 'columns' })).rejects.toThrow(TypeError);
    // Partition 5 of a 1-partition topic: the batch rejects with that message's error.
    const failed = producer.sendBatch(
      [
        { topic, value: 'ok' },
        { topic, value: 'lost', partition: 5 },
      ],
      { reports: 'columns' },
    );
    await expect(failed).rejects.toBeInstanceOf(KafkaError);
    await expect(failed).rejects.toMatchObject({ codeName: '_UNKNOWN_PARTITION' });
  });
});

describe('topicAt', () => {
  it('finds the run holding an index', () => {
    const runs = [0, 'a', 3, 'b', 4, 'c', 10, 'd'];
    expect([0, 1, 2, 3, 4, 9, 10, 500].map((i) => topicAt(runs, i))).toEqual(['a', 'a', 'a', 'b', 'c', 'c', 'd', 'd']);
    expect(topicAt([0, 'only'], 7)).toBe('only');
  });
});
