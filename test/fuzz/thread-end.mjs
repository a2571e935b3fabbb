// @ts-check
// The end of a thread's fuzz: every client is closed, then every promise must settle, and
// a fresh producer and consumer must still round-trip a message.
import { setTimeout as sleep } from 'node:timers/promises';

import { describe } from './outcomes.mjs';
import { settleSlot } from './pools.mjs';

/** @typedef {import('./context.mjs').FuzzContext} FuzzContext */

/**
 * Closes every client made, and waits until every tracked promise settled or the deadline
 * passed. Returns the operations still pending.
 * @param {FuzzContext} ctx @param {number} settleDeadlineMs
 */
export async function closeAndSettle(ctx, settleDeadlineMs) {
  const { out, pools } = ctx;
  for (const s of [...pools.producers, ...pools.consumers, ...pools.admins]) out.launch('final.close', () => s.client.close());
  for (const s of [...pools.tproducers, ...pools.tconsumers]) out.launch('final.close', async () => (await settleSlot(s))?.close());
  for (const s of pools.drivers) out.launch('final.close', async () => (await settleSlot(s))?.close());
  const deadline = Date.now() + settleDeadlineMs;
  for (;;) {
    const pending = out.pending();
    if (pending.length === 0 || Date.now() > deadline) break;
    // The deadline timer is cancelled once everything settled: it must not hold the thread.
    const timer = new AbortController();
    await Promise.race([
      Promise.allSettled(pending.map((e) => e.promise)),
      sleep(Math.max(1, deadline - Date.now()), undefined, { signal: timer.signal }).catch(() => undefined),
    ]);
    timer.abort();
  }
  return out.pending().map((e) => ({ op: e.op, step: e.step }));
}

/**
 * The thread still works after the fuzz: a fresh producer and consumer round-trip a
 * message on its own cluster.
 * @param {FuzzContext} ctx
 */
export async function sanityRoundTrip(ctx) {
  const { lib, own, tag } = ctx;
  let sanity = false;
  try {
    const p = new lib.KafkaProducer({ 'bootstrap.servers': own });
    const report = await p.send({ topic: 'fz-b', value: `sanity-${tag}` });
    const c = new lib.KafkaConsumer({ 'bootstrap.servers': own, 'group.id': ctx.uniq('sanity') });
    await c.assign([{ topic: 'fz-b', partition: 0, offset: report.offset }]);
    const m = await c.consume({ timeoutMs: 20_000 });
    sanity = m?.value?.toString() === `sanity-${tag}`;
    await c.close();
    await p.close();
  } catch (e) {
    ctx.out.violation(`sanity round-trip failed: ${describe(e)}`);
  }
  return sanity;
}
