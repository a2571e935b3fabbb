import { afterAll, describe, expect, it } from 'vitest';

import { KafkaConsumer, KafkaProducer, type DeliveryReport, type OutgoingMessage } from '../../lib/index';
import { unique, useCluster } from '../helpers';

// A sendBatch whose messages alternate partitions and topics, as round-robin partitioners
// send them (the KafkaJS API's send() does): report i is message i's, every partition holds
// its messages in the caller's order, a batch larger than librdkafka's queue still delivers
// everything, a bad message is named by its own index, and messages left to the partitioner
// keep their place among messages with a partition.

const cluster = useCluster();
const clients: Array<KafkaProducer | KafkaConsumer> = [];
afterAll(async () => {
  for (const c of clients) await c.close();
});

function producer(config: Record<string, string | number> = {}): KafkaProducer {
  const p = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 5, ...config });
  clients.push(p);
  return p;
}

/** Reads `count` messages of the given partitions from offset 0: topic/partition/offset → value. */
async function readBack(topics: string[], partitions: number, count: number): Promise<Map<string, string>> {
  const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('partitions-reader') });
  clients.push(consumer);
  consumer.assign(topics.flatMap((topic) => Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0n }))));
  const values = new Map<string, string>();
  for await (const batch of consumer.batches(1000)) {
    for (const m of batch) values.set(`${m.topic}/${m.partition}/${m.offset}`, m.value!.toString());
    if (values.size >= count) break;
  }
  await consumer.close();
  return values;
}

/** Each topic-partition's offsets in report order count up by one: the partition holds them in the caller's order. */
function expectCallerOrder(reports: ArrayLike<{ topic: string; partition: number; offset: bigint }>): void {
  const last = new Map<string, bigint>();
  const wrong: number[] = [];
  for (let i = 0; i < reports.length; i++) {
    const r = reports[i]!;
    const k = `${r.topic}/${r.partition}`;
    const prev = last.get(k);
    if (prev !== undefined && r.offset !== prev + 1n) wrong.push(i);
    last.set(k, r.offset);
  }
  expect(wrong).toEqual([]);
}

describe('sendBatch of messages that alternate partitions', () => {
  it('reports each message as its own, and every partition holds them in the caller’s order', async () => {
    const a = await cluster.topic('alternating-a', 4);
    const b = await cluster.topic('alternating-b', 4);
    const p = producer();
    // Round-robin over 4 partitions of two topics, the topics alternating every 3 messages.
    const messages: OutgoingMessage[] = Array.from({ length: 1000 }, (_, i) => ({ topic: Math.floor(i / 3) % 2 ? b : a, partition: i % 4, value: `m${i}` }));
    const reports = await p.sendBatch(messages);
    expect(reports).toHaveLength(1000);
    expect(reports.map((r) => `${r.topic}/${r.partition}`)).toEqual(messages.map((m) => `${m.topic}/${m.partition}`));
    expectCallerOrder(reports);
    // Report i's offset holds message i.
    const values = await readBack([a, b], 4, 1000);
    const misplaced = reports.filter((r, i) => values.get(`${r.topic}/${r.partition}/${r.offset}`) !== `m${i}`);
    expect(misplaced).toEqual([]);
  });

  it("does the same with reports: 'columns'", async () => {
    const topic = await cluster.topic('alternating-columns', 8);
    const p = producer();
    const messages: OutgoingMessage[] = Array.from({ length: 800 }, (_, i) => ({ topic, partition: (i * 5) % 8, value: `c${i}` }));
    const delivered = await p.sendBatch(messages, { reports: 'columns' });
    expect([...delivered.partitions]).toEqual(messages.map((m) => m.partition));
    expect(Array.from({ length: delivered.length }, (_, i) => delivered.topic(i))).toEqual(messages.map((m) => m.topic));
    const reports: DeliveryReport[] = delivered.toArray();
    expectCallerOrder(reports);
    const values = await readBack([topic], 8, 800);
    expect(reports.filter((r, i) => values.get(`${topic}/${r.partition}/${r.offset}`) !== `c${i}`)).toEqual([]);
  });

  it('delivers all of a batch larger than librdkafka’s queue, in order', async () => {
    const topic = await cluster.topic('alternating-full', 4);
    // Room for 16 messages: the batch of 400 hits a full queue 20-odd times.
    const p = producer({ 'queue.buffering.max.messages': 16, 'linger.ms': 1 });
    const messages: OutgoingMessage[] = Array.from({ length: 400 }, (_, i) => ({ topic, partition: i % 4, value: `f${i}` }));
    const reports = await p.sendBatch(messages);
    expect(reports.map((r) => r.partition)).toEqual(messages.map((m) => m.partition));
    expectCallerOrder(reports);
    const values = await readBack([topic], 4, 400);
    expect(values.size).toBe(400);
    expect(reports.filter((r, i) => values.get(`${topic}/${r.partition}/${r.offset}`) !== `f${i}`)).toEqual([]);
  });

  it('names a malformed message by the caller’s index and sends none of the batch', async () => {
    const topic = await cluster.topic('alternating-bad', 4);
    const p = producer();
    const messages = Array.from({ length: 100 }, (_, i) => ({ topic, partition: i % 4, value: `b${i}` })) as OutgoingMessage[];
    messages[37] = { topic, partition: 1, value: 42 } as unknown as OutgoingMessage;
    await expect(p.sendBatch(messages)).rejects.toThrow(/messages\[37\]\.value/);
    expect(p.pendingCount).toBe(0);
    // Nothing reached partition 1: the next message there is its first.
    expect((await p.send({ topic, partition: 1, value: 'next' })).offset).toBe(0n);
  });

  it('keeps messages left to the partitioner in place among messages with a partition', async () => {
    const topic = await cluster.topic('alternating-mixed', 2);
    const p = producer();
    // Keyed messages without a partition land on partition 0 or 1 by their key's hash,
    // among messages aimed at both.
    const messages: OutgoingMessage[] = Array.from({ length: 600 }, (_, i) => (i % 3 === 2 ? { topic, key: `k${i}`, value: `x${i}` } : { topic, partition: i % 2, value: `x${i}` }));
    const reports = await p.sendBatch(messages);
    expectCallerOrder(reports);
    const values = await readBack([topic], 2, 600);
    expect(reports.filter((r, i) => values.get(`${topic}/${r.partition}/${r.offset}`) !== `x${i}`)).toEqual([]);
  });
});
