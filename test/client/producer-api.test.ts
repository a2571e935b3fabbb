import { describe, expect, it } from 'vitest';

import { KafkaError, KafkaProducer } from '../../lib/index';
import { javaPartition } from '../../lib/util/murmur2';
import { useCluster } from '../helpers';

const cluster = useCluster();

describe('producer', () => {
  it('keyed messages land on the partition the Java client would choose (murmur2)', async () => {
    const topic = await cluster.topic('keyed', 7);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const keys = Array.from({ length: 200 }, (_, i) => `customer-${i * 7919}`);
    const reports = await producer.sendBatch(keys.map((key) => ({ topic, key, value: 'v' })));
    reports.forEach((r, i) => expect(r.partition).toBe(javaPartition(Buffer.from(keys[i]!), 7)));
    // Spread over every partition, as murmur2 of distinct keys should.
    expect(new Set(reports.map((r) => r.partition)).size).toBe(7);
    await producer.close();
  });

  it('a full queue is back-pressure that send awaits, bounded by a timeout or an AbortSignal', async () => {
    const topic = await cluster.topic('full');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'queue.buffering.max.messages': 10, 'linger.ms': 100 });
    await producer.send({ topic, value: 'warm' });
    // 100 messages through a queue of 10: send waits for room each time it fills.
    const reports = await producer.sendBatch(Array.from({ length: 100 }, (_, i) => ({ topic, value: `m${i}` })));
    expect(reports.map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i + 1)));

    if (cluster.mock) {
      await cluster.mock.setBrokerDown(1);
      const stuck = Array.from({ length: 10 }, (_, i) => ({ topic, value: `stuck${i}` }));
      const stuckSend = producer.sendBatch(stuck).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 200));
      expect(() => producer.produce({ topic, value: 'x' })).toThrow(expect.objectContaining({ codeName: '_QUEUE_FULL' }));
      const controller = new AbortController();
      const aborted = producer.send({ topic, value: 'one more' }, { signal: controller.signal }).catch((e: unknown) => e);
      controller.abort();
      expect(await aborted).toMatchObject({ codeName: '_QUEUE_FULL', message: expect.stringMatching(/aborted/) });
      const timedOut = await producer.send({ topic, value: 'late' }, { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(timedOut).toBeInstanceOf(KafkaError);
      expect((timedOut as KafkaError).message).toMatch(/queue still full after 300 ms/);
      await cluster.mock.setBrokerUp(1);
      expect(await stuckSend).toHaveLength(10);
    }
    await producer.close();
  });

  it('flush waits for every delivery and reports what is left when it times out', async () => {
    const topic = await cluster.topic('flush');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 1000 });
    let delivered = 0;
    for (let i = 0; i < 50; i++) producer.produce({ topic, value: `m${i}` }, (err) => !err && delivered++);
    expect(producer.pendingCount).toBe(50);
    await producer.flush({ timeoutMs: 10_000 });
    expect(delivered).toBe(50);
    expect(producer.pendingCount).toBe(0);
    if (cluster.mock) {
      await cluster.mock.setBrokerDown(1);
      producer.produce({ topic, value: 'never' }, () => undefined);
      await expect(producer.flush({ timeoutMs: 300 })).rejects.toThrow(/flush timed out after 300 ms with 1 messages undelivered/);
      // The deprecated positional form still works, with the same meaning.
      await expect(producer.flush(200)).rejects.toThrow(/flush timed out after 200 ms with 1 messages undelivered/);
      const report = await producer.close({ timeoutMs: 100 });
      expect(report).toEqual({ timedOut: true, undelivered: 1 });
      // The tests after this one need the broker.
      await cluster.mock.setBrokerUp(1);
    } else {
      await producer.close();
    }
  });

  it('flush takes { timeoutMs } or, deprecated, a number; close reports timedOut: false when all was delivered', async () => {
    const topic = await cluster.topic('flush-forms');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    producer.produce({ topic, value: 'a' });
    await producer.flush();
    producer.produce({ topic, value: 'b' });
    await producer.flush({});
    producer.produce({ topic, value: 'c' });
    await producer.flush(10_000);
    expect(producer.pendingCount).toBe(0);
    await expect(producer.flush({ timeoutMs: '1' as never })).rejects.toThrow(new TypeError('flush: options.timeoutMs must be a number of milliseconds ≥ 0, got "1"'));
    expect(await producer.close({ timeoutMs: 5000 })).toEqual({ timedOut: false, undelivered: 0 });
  });
});
