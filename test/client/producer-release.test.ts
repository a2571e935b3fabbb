import { afterEach, describe, expect, it } from 'vitest';

import { KafkaConsumer, KafkaProducer, MockCluster, type OutgoingMessage } from '../../lib/index';

// A batch lets go of its message objects once all of them are in librdkafka (they then die
// young instead of living until the last delivery report); reports and errors still name
// each message's topic. These tests hold deliveries back with a broker that is down.

const gc = (globalThis as { gc?: () => void }).gc;

let cluster: MockCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** Makes the batch in a scope of its own so that only the weak reference escapes. */
function batchOf(t1: string, t2: string): { messages: OutgoingMessage[]; probe: WeakRef<object> } {
  const messages: OutgoingMessage[] = [];
  for (let i = 0; i < 100; i++) messages.push({ topic: i < 50 ? t1 : t2, key: `k${i}`, value: `v${i}` });
  return { messages, probe: new WeakRef(messages[10]!) };
}

describe('sendBatch and the memory of a batch in flight', () => {
  it.skipIf(!gc)('releases the message objects once enqueued, and still reports each topic', async () => {
    cluster = await MockCluster.start({ topics: [{ name: 'rel-a' }, { name: 'rel-b' }] });
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.sendBatch([{ topic: 'rel-a', value: 'warm' }, { topic: 'rel-b', value: 'warm' }]);
    await cluster.setBrokerDown(1);
    let { messages, probe } = batchOf('rel-a', 'rel-b');
    const sent = producer.sendBatch(messages);
    messages = [];
    for (let i = 0; i < 5 && probe.deref() !== undefined; i++) {
      await new Promise((r) => setImmediate(r));
      gc!();
    }
    // Collected while the batch still waits for its delivery reports.
    expect(probe.deref()).toBeUndefined();
    expect(producer.pendingCount).toBe(100);
    await cluster.setBrokerUp(1);
    const reports = await sent;
    expect(reports.map((r) => r.topic)).toEqual([...Array(50).fill('rel-a'), ...Array(50).fill('rel-b')]);
    expect(reports.map((r) => r.offset)).toEqual([...Array.from({ length: 50 }, (_, i) => BigInt(i + 1)), ...Array.from({ length: 50 }, (_, i) => BigInt(i + 1))]);
    await producer.close();
  });

  it('reports the right topics for a batch that changes topic at every message', async () => {
    cluster = await MockCluster.start({ topics: [{ name: 'alt-a' }, { name: 'alt-b' }] });
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    // 300 runs of one message, and 100 runs of two: more runs than a batch keeps track of.
    for (const width of [1, 2]) {
      const topics = Array.from({ length: 300 }, (_, i) => (Math.floor(i / width) % 2 === 0 ? 'alt-a' : 'alt-b'));
      const reports = await producer.sendBatch(topics.map((topic, i) => ({ topic, value: `m${i}` })));
      expect(reports.map((r) => r.topic)).toEqual(topics);
    }
    await producer.close();
  });

  it('packs a run longer than the reused scratch memory, and the runs after it', async () => {
    cluster = await MockCluster.start({ topics: [{ name: 'long' }], partitionMaxBytes: 64 * 1024 * 1024 });
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const count = 70_000;
    const big = await producer.sendBatch(Array.from({ length: count }, (_, i) => ({ topic: 'long', key: `k${i}`, value: `v${i}` })));
    const small = await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: 'long', key: `s${i}`, value: `w${i}` })));
    expect(big.map((r) => r.offset)).toEqual(Array.from({ length: count }, (_, i) => BigInt(i)));
    expect(small[9]!.offset).toBe(BigInt(count + 9));
    await producer.close();
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': 'long-reader' });
    consumer.assign([{ topic: 'long', partition: 0, offset: 0n }]);
    let n = 0;
    let wrong = 0;
    for await (const batch of consumer.batches(10_000)) {
      for (const m of batch) {
        const want = n < count ? [`k${n}`, `v${n}`] : [`s${n - count}`, `w${n - count}`];
        if (m.key?.toString() !== want[0] || m.value?.toString() !== want[1]) wrong++;
        n++;
      }
      if (n >= count + 10) break;
    }
    expect({ n, wrong }).toEqual({ n: count + 10, wrong: 0 });
    await consumer.close();
  });

  it('names the right topic for messages enqueued one by one after a full queue', async () => {
    cluster = await MockCluster.start({ topics: [{ name: 'tail-a' }, { name: 'tail-b' }] });
    // Room for 16: the first run (16 messages) fits, the 4 after it wait for room and are
    // then enqueued by the per-message path, with two topics among them.
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'queue.buffering.max.messages': 16, 'linger.ms': 1 });
    await producer.send({ topic: 'tail-a', value: 'warm' });
    await cluster.setBrokerDown(1);
    const topics = [...Array(16).fill('tail-a'), 'tail-b', 'tail-b', 'tail-a', 'tail-a'] as string[];
    const sent = producer.sendBatch(topics.map((topic, i) => ({ topic, value: `m${i}` })));
    await new Promise((r) => setTimeout(r, 200));
    await cluster.setBrokerUp(1);
    const reports = await sent;
    expect(reports.map((r) => r.topic)).toEqual(topics);
    expect(reports.map((r) => r.offset)).toEqual([...Array.from({ length: 16 }, (_, i) => BigInt(i + 1)), 0n, 1n, 17n, 18n]);
    await producer.close();
  });
});
