import { afterAll, describe, expect, it } from 'vitest';

import { KafkaProducer, type OutgoingMessage } from '../../lib/index';
import { useCluster } from '../helpers';

// A large sendBatch is copied into librdkafka's queue in slices of a few MiB, with a return to
// the event loop between them (one 160 MB copy held the loop for ~95 ms). What an application
// sees: timers and I/O run while the batch is enqueued, the batch stays in order, a send()
// made after it stays after it, and a malformed message still fails the batch before any of
// it is sent.

const cluster = useCluster();
const producers: KafkaProducer[] = [];
afterAll(async () => {
  for (const p of producers) await p.close();
});

function producer(): KafkaProducer {
  // Room in librdkafka's queue for the whole test batch.
  const p = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'queue.buffering.max.kbytes': 262144, 'message.max.bytes': 1_000_000 });
  producers.push(p);
  return p;
}

const VALUE = Buffer.alloc(16 * 1024, 7);
const COUNT = 2000; // 32 MiB: several slices

describe('sendBatch of many megabytes', () => {
  it('lets the event loop run while it is enqueued, in order, with later sends after it', async () => {
    const topic = await cluster.topic('slices');
    const p = producer();
    await p.send({ topic, value: 'warm' });
    const messages: OutgoingMessage[] = Array.from({ length: COUNT }, (_, i) => ({ topic, key: String(i), value: VALUE }));
    let pendingWhenLoopRan = -1;
    setImmediate(() => (pendingWhenLoopRan = p.pendingCount));
    const batch = p.sendBatch(messages);
    const after = p.send({ topic, key: 'after', value: 'after' });
    const reports = await batch;
    const last = await after;
    // The event loop ran after the first slice and before the last one was enqueued.
    expect(pendingWhenLoopRan).toBeGreaterThan(0);
    expect(pendingWhenLoopRan).toBeLessThan(COUNT);
    expect(reports).toHaveLength(COUNT);
    // Report i is message i's: consecutive offsets mean the partition holds them in order.
    const offsets = reports.map((r) => r.offset);
    for (let i = 1; i < COUNT; i++) expect(offsets[i]).toBe(offsets[i - 1]! + 1n);
    expect(last.offset).toBe(offsets[COUNT - 1]! + 1n);
  });

  it('fails the whole batch, before any slice is sent, when a message past the first slice is malformed', async () => {
    const topic = await cluster.topic('slices-bad');
    const p = producer();
    await p.send({ topic, value: 'warm' });
    const messages = Array.from({ length: COUNT }, () => ({ topic, value: VALUE })) as OutgoingMessage[];
    messages[COUNT - 10] = { topic, value: 42 } as unknown as OutgoingMessage;
    await expect(p.sendBatch(messages)).rejects.toThrow(TypeError);
    expect(p.pendingCount).toBe(0);
    // Nothing of it reached the partition: the next message follows the warm-up one (offset 0).
    const next = await p.send({ topic, value: 'next' });
    expect(next.offset).toBe(1n);
  });
});
