/**
 * send() calls made in one tick are enqueued together at its end (one native call). These
 * tests pin what that must not change: call order, per-message outcomes, and that every
 * step which must see earlier sends (flush, close, other send paths) does.
 */
import { describe, expect, it } from 'vitest';

import { KafkaError, KafkaProducer } from '../../lib/index';
import { useCluster } from '../helpers';

const cluster = useCluster();

describe('send() in one tick', () => {
  it('keeps call order across send, sendBatch and produce on one partition', async () => {
    const topic = await cluster.topic('order');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.send({ topic, value: 'warm' });
    const order: string[] = [];
    const offsets = new Map<string, bigint>();
    const track = (name: string) => (r: { offset: bigint }) => offsets.set(name, r.offset);
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      const name = `m${i}`;
      order.push(name);
      if (i % 10 === 5) {
        all.push(producer.sendBatch([{ topic, value: name }]).then((r) => track(name)(r[0]!)));
      } else if (i % 10 === 7) {
        all.push(new Promise<void>((resolve, reject) => producer.produce({ topic, value: name }, (e, r) => (e ? reject(e) : (track(name)(r!), resolve())))));
      } else {
        all.push(producer.send({ topic, value: name }).then(track(name)));
      }
    }
    expect(producer.pendingCount).toBe(30);
    await Promise.all(all);
    expect(order.map((n) => offsets.get(n))).toEqual(order.map((_, i) => BigInt(i + 1)));
    await producer.close();
  });

  it('fails only the message that is wrong; the others of the tick are delivered', async () => {
    const topic = await cluster.topic('own-error');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'message.max.bytes': 10_000 });
    await producer.send({ topic, value: 'warm' });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const value = i === 3 ? Buffer.alloc(20_000) : `m${i}`;
        const message = i === 9 ? { topic, value: 42 as unknown as string } : { topic, value };
        return producer.send(message).then(
          (r) => `ok@${r.offset}`,
          (e: unknown) => (e instanceof KafkaError ? `kafka:${e.codeName}` : `${(e as Error).constructor.name}:${(e as Error).message}`),
        );
      }),
    );
    expect(outcomes[3]).toBe('kafka:MSG_SIZE_TOO_LARGE');
    expect(outcomes[9]).toBe('TypeError:message.value must be a Buffer, Uint8Array, string or null');
    const delivered = outcomes.filter((o) => o.startsWith('ok@'));
    expect(delivered).toHaveLength(18);
    expect(delivered).toEqual(delivered.map((_, i) => `ok@${i + 1}`));
    await producer.close();
  });

  it('flush() and close() right after send() include those sends', async () => {
    const topic = await cluster.topic('flush-close');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 50 });
    const settled: string[] = [];
    const first = Array.from({ length: 5 }, (_, i) => producer.send({ topic, value: `a${i}` }).then(() => settled.push(`a${i}`)));
    await producer.flush({ timeoutMs: 10_000 });
    // flush resolved: librdkafka had the messages, so their reports came before it returned.
    await Promise.all(first);
    expect(settled).toHaveLength(5);
    const second = Array.from({ length: 5 }, (_, i) => producer.send({ topic, value: `b${i}` }).then(() => 'ok', () => 'failed'));
    const report = await producer.close({ timeoutMs: 10_000 });
    expect(report.undelivered).toBe(0);
    expect(await Promise.all(second)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    await expect(producer.send({ topic, value: 'late' })).rejects.toMatchObject({ name: 'ClosedError' });
  });

  it('sendBatch: a message librdkafka refuses fails the batch; the others are still delivered', async () => {
    const topic = await cluster.topic('batch-refused');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.send({ topic, value: 'warm' });
    const messages = Array.from({ length: 20 }, (_, i) => ({ topic, value: `m${i}`, partition: i === 5 ? 99 : 0 }));
    const error = await producer.sendBatch(messages).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaError);
    expect((error as KafkaError).codeName).toBe('_UNKNOWN_PARTITION');
    // The 19 others went to partition 0 after the warm-up message: the next offset is 20.
    expect((await producer.send({ topic, value: 'after' })).offset).toBe(20n);
    await producer.close();
  });
});
