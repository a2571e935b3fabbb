import { setImmediate as nextTurn } from 'node:timers/promises';

import { beforeEach, describe, expect, it } from 'vitest';

import { KafkaConsumer, KafkaProducer } from '../../lib/index';
import { HandOff } from '../../lib/client/consumer-handoff';
import type { Message } from '../../lib/core/message';
import { TURN_BUDGET_MS, turnOverBudget } from '../../lib/util/turn-budget';
import { unique, useCluster } from '../helpers';

// Consumers of one thread share a budget of JavaScript time per turn of the event loop: a
// hand-off that arrives once the turn has spent it is decoded on a later turn, so that 50
// consumers' hand-offs landing together do not hold timers and I/O for hundreds of
// milliseconds. What must not change: order, flow control, and what a rebalance drops.

function message(partition: number, offset: number): Message {
  return { topic: 't', partition, offset: BigInt(offset), key: null, value: Buffer.from(`m${offset}`), timestamp: 0, headers: [] } as unknown as Message;
}

/** Spends more than the turn's budget, as a large hand-off's decoding does. */
function burnBudget(): void {
  const start = performance.now();
  while (performance.now() - start <= TURN_BUDGET_MS + 2);
}

function handOff(): { h: HandOff; asked: () => number } {
  let asked = 0;
  const h = new HandOff({ setFlow: () => undefined, wantMessages: () => asked++ }, { messages: 1000, bytes: 1 << 30 }, () => false);
  return { h, asked: () => asked };
}

/** A hand-off of `messages`; `slow`: its decoding spends the turn's budget. */
function fill(messages: Message[], slow = false): (target: Message[]) => number {
  return (target) => {
    if (slow) burnBudget();
    target.push(...messages);
    return messages.length;
  };
}

beforeEach(async () => {
  // Each test starts on a turn of its own.
  await nextTurn();
  await nextTurn();
});

describe('the turn budget shared by consumers', () => {
  it('is spent by time, and renewed on the next turn', async () => {
    expect(turnOverBudget()).toBe(false);
    burnBudget();
    expect(turnOverBudget()).toBe(true);
    await nextTurn();
    await nextTurn();
    expect(turnOverBudget()).toBe(false);
  });

  it('defers a hand-off that arrives past the budget, and decodes it on a later turn after the earlier ones', async () => {
    const { h } = handOff();
    let woken = 0;
    void h.waitForMessages({}).then(() => woken++);
    h.receive(fill([message(0, 0), message(0, 1)], true), () => undefined);
    let secondDecoded = false;
    h.receive((target) => {
      secondDecoded = true;
      return fill([message(0, 2)])(target);
    }, () => undefined);
    h.receive(fill([message(0, 3)]), () => undefined);
    // Only the first is in the buffer this turn.
    expect(secondDecoded).toBe(false);
    expect(h.count).toBe(2);
    expect(h.take(10).map((m) => Number(m.offset))).toEqual([0, 1]);
    await nextTurn();
    await nextTurn();
    expect(secondDecoded).toBe(true);
    expect(h.take(10).map((m) => Number(m.offset))).toEqual([2, 3]);
    expect(woken).toBe(1);
  });

  it('asks the native side for more only once the waiting hand-offs are decoded and taken', async () => {
    const { h, asked } = handOff();
    h.receive(fill([message(0, 0)], true), () => undefined);
    h.receive(fill([message(0, 1)]), () => undefined);
    h.take(10); // the buffer is empty, but a hand-off still waits to be decoded
    await nextTurn();
    await nextTurn();
    expect(asked()).toBe(0);
    expect(h.take(10).map((m) => Number(m.offset))).toEqual([1]);
    await nextTurn();
    expect(asked()).toBe(1);
  });

  it('asks for more after decoding a waiting hand-off that had nothing for the buffer', async () => {
    const { h, asked } = handOff();
    h.receive(fill([message(0, 0)], true), () => undefined);
    h.take(10); // asks for the next hand-off
    h.receive(fill([]), () => undefined); // end-of-partition markers only, past the budget
    await nextTurn();
    await nextTurn();
    await nextTurn();
    expect(h.count).toBe(0);
    // Once for the first hand-off, once for the second: no reader would ever ask for it.
    expect(asked()).toBe(2);
  });

  it('drops a revoked partition’s messages from the hand-offs still waiting too', async () => {
    const { h } = handOff();
    h.receive(fill([message(0, 0), message(1, 0)], true), () => undefined);
    h.receive(fill([message(1, 1), message(0, 1)]), () => undefined);
    h.drop((m) => m.partition === 1);
    expect(h.take(10).map((m) => `${m.partition}@${m.offset}`)).toEqual(['0@0', '0@1']);
    await nextTurn();
    await nextTurn();
    expect(h.count).toBe(0);
  });

  it('forgets the waiting hand-offs when the consumer closes', async () => {
    const { h } = handOff();
    h.receive(fill([message(0, 0)], true), () => undefined);
    h.receive(fill([message(0, 1)]), () => undefined);
    h.clear();
    await nextTurn();
    await nextTurn();
    expect(h.count).toBe(0);
  });
});

describe('consumers sharing a thread', () => {
  const cluster = useCluster();

  it('each reads its partition whole and in order while their handlers spend the turn’s budget', async () => {
    const partitions = 8;
    const perPartition = 400;
    const topic = await cluster.topic('turn-budget', partitions);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    for (let p = 0; p < partitions; p++) {
      await producer.sendBatch(Array.from({ length: perPartition }, (_, i) => ({ topic, partition: p, value: `${p}:${i}` })));
    }
    await producer.close();
    const consumers = Array.from({ length: partitions }, (_, p) => {
      const c = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('turn-budget') });
      c.assign([{ topic, partition: p, offset: 0n }]);
      return c;
    });
    const seen = await Promise.all(
      consumers.map(async (c) => {
        const values: string[] = [];
        for await (const batch of c.batches(50)) {
          burnBudget(); // a handler as slow as the whole budget, per batch
          for (const m of batch) values.push(m.value!.toString());
          if (values.length >= perPartition) break;
        }
        await c.close();
        return values;
      }),
    );
    seen.forEach((values, p) => expect(values).toEqual(Array.from({ length: perPartition }, (_, i) => `${p}:${i}`)));
  });

  it('consume() with an aborted signal still returns a buffered message: the signal only stops waiting', async () => {
    const topic = await cluster.topic('turn-budget-abort');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, value: `a${i}` })));
    await producer.close();
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('turn-budget-abort') });
    consumer.assign([{ topic, partition: 0, offset: 0n }]);
    expect((await consumer.consume({ timeoutMs: 10_000 }))?.value?.toString()).toBe('a0');
    // The other nine came in the same hand-off.
    expect(consumer.bufferedCount).toBe(9);
    const next = await consumer.consume({ signal: AbortSignal.abort() });
    expect(next?.value?.toString()).toBe('a1');
    await consumer.close();
  });
});
