// Loops the peer benchmark's clients share, so that every client is driven the same way.
import { setImmediate as yieldToLoop } from 'node:timers/promises';

export { yieldToLoop };

/** Producer settings every client gets (in its own spelling): acks=1, linger 5 ms, no compression. */
export const ACKS = 1;
export const LINGER_MS = 5;

/**
 * Calls `sendOne(i)` (which returns a promise) `count` times with at most `window` in flight
 * (resuming at half), yielding to the event loop every 1,000 calls as an application loop
 * would. Resolves with { delivered, failed, error }.
 */
export async function windowed(count, window, sendOne) {
  let inflight = 0;
  let delivered = 0;
  let failed = 0;
  let error;
  let wake = null;
  const settle = () => {
    if (--inflight <= window / 2 && wake) {
      wake();
      wake = null;
    }
  };
  const ok = () => {
    delivered++;
    settle();
  };
  const fail = (e) => {
    failed++;
    error ??= e?.message ?? String(e);
    settle();
  };
  for (let i = 0; i < count; i++) {
    if (inflight >= window) await new Promise((r) => (wake = r));
    inflight++;
    sendOne(i).then(ok, fail);
    if (i % 1_000 === 999) await yieldToLoop();
  }
  while (inflight > 0) await new Promise((r) => (wake = r));
  return { delivered, failed, error };
}

/**
 * Sends `count` messages in calls of `perCall` messages, `inFlight` calls at a time, through
 * `sendMany(n)` (a promise per call). Resolves with { delivered, failed, error }.
 */
export async function chunked(count, perCall, inFlight, sendMany) {
  let delivered = 0;
  let failed = 0;
  let error;
  const pending = new Set();
  for (let sent = 0; sent < count; ) {
    const n = Math.min(perCall, count - sent);
    sent += n;
    const p = sendMany(n).then(
      () => (delivered += n),
      (e) => {
        failed += n;
        error ??= e?.message ?? String(e);
      },
    );
    pending.add(p);
    p.finally(() => pending.delete(p));
    if (pending.size >= inFlight) await Promise.race(pending);
    else await yieldToLoop();
  }
  await Promise.all(pending);
  return { delivered, failed, error };
}

/**
 * Counts consumed messages: the clock starts at the first batch (its messages are not
 * counted, as for the C consumer), `done` resolves when `count` have arrived.
 */
export function consumeCounter(ctx) {
  // Several consumers of one run (runInstances) share one count.
  if (ctx.counter) return ctx.counter;
  let got = 0;
  let untimed = 0;
  let bytes = 0;
  let resolve;
  const done = new Promise((r) => (resolve = r));
  return {
    done,
    /** One batch (or one message: n = 1) of `size` bytes of values in all. */
    add(n, valueBytes) {
      if (got === 0) {
        ctx.meter.start();
        untimed = n;
      }
      got += n;
      bytes += valueBytes;
      if (got >= ctx.count) resolve();
    },
    result: () => ({ count: got, timedCount: got - untimed, bytes }),
  };
}

/**
 * Producer→consumer latency at `rate` messages/s for `seconds`: `send(value)` is called at
 * the pace of a 1 ms timer with the send time in the value's first 8 bytes; `received(value)`
 * (which the client calls for each consumed message) records the delay.
 */
export function latencyProbe(ctx) {
  const total = Math.round(ctx.rate * ctx.seconds);
  const latencies = new Float64Array(total);
  let received = 0;
  let warm = false;
  let onAll;
  const all = new Promise((r) => (onAll = r));
  return {
    warmValue: Buffer.alloc(ctx.size),
    received(value, now = performance.now()) {
      const sent = value.readDoubleLE(0);
      if (sent === 0) warm = true;
      else if (received < total) {
        latencies[received++] = now - sent;
        if (received === total) onAll();
      }
    },
    async warmedUp() {
      for (const t = performance.now(); !warm; ) {
        if (performance.now() - t > 60_000) throw new Error('the warm-up message never reached the consumer');
        await new Promise((r) => setTimeout(r, 1));
      }
    },
    /** Runs the paced sends; `sendBatch(values)` sends the values due in one timer tick. */
    async run(sendBatch) {
      let sent = 0;
      const start = performance.now();
      ctx.meter.start();
      await new Promise((resolve) => {
        const timer = setInterval(() => {
          const due = Math.min(total, Math.floor(((performance.now() - start) * ctx.rate) / 1000) + 1);
          const values = [];
          for (; sent < due; sent++) {
            const value = Buffer.allocUnsafe(ctx.size);
            value.fill(0, 8);
            value.writeDoubleLE(performance.now(), 0);
            values.push(value);
          }
          if (values.length) sendBatch(values);
          if (sent >= total) {
            clearInterval(timer);
            resolve();
          }
        }, 1);
      });
      await Promise.race([all, new Promise((r) => setTimeout(r, 30_000))]);
      const got = latencies.subarray(0, received).sort();
      const pct = (p) => (received ? got[Math.floor(p * (received - 1))] : -1);
      return { count: total, received, p50: pct(0.5), p99: pct(0.99), max: received ? got[received - 1] : -1 };
    },
  };
}

/**
 * The messages of a workload (bench/peers/report.mjs WORKLOADS), the same for every client:
 * `values` (one, filled with 'j', unless compressed: 4,096 distinct values of random hex from
 * a fixed seed), and for keyed workloads 1,000 `keys` and two `headers`. Message i takes
 * values[i % values.length] and keys[i % keys.length].
 */
export function messageShape(size, workload) {
  const compressed = workload === 'lz4' || workload === 'zstd';
  const keyed = workload === 'keyed';
  let seed = 0x2545f491;
  const random = () => {
    // xorshift32: the same values in every process.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const hex = '0123456789abcdef';
  const values = compressed
    ? Array.from({ length: 4096 }, () => {
        const v = Buffer.allocUnsafe(size);
        for (let i = 0; i < size; i++) v[i] = hex.charCodeAt(random() & 15);
        return v;
      })
    : [Buffer.alloc(size, 'j')];
  return {
    values,
    keys: keyed ? Array.from({ length: 1000 }, (_, i) => Buffer.from(`key-${String(i).padStart(3, '0')}`)) : null,
    headers: keyed ? { trace: '4bf92f3577b34da6', source: 'bench' } : null,
  };
}

/**
 * Runs `instances` copies of a mode in this process, sharing the meter and, for consumers,
 * one count. Producers split the count and wait for each other: a producer's mode calls
 * `await ctx.meter.start()` once it is connected, and the clock starts when the last of them
 * is (a readiness barrier), so that the row times sending, not 49 producers still connecting;
 * it stops at the last stop. Consumers (one group) start the clock at the first batch of any
 * of them and stop together once all messages arrived.
 */
export async function runInstances(ctx, run) {
  const instances = ctx.instances ?? 1;
  if (instances === 1) return run(ctx);
  let started = false;
  let ready = 0;
  let allReady;
  const barrier = new Promise((resolve) => (allReady = resolve));
  let stops = 0;
  const meter = {
    start() {
      if (ctx.kind !== 'produce') {
        if (!started) {
          started = true;
          ctx.meter.start();
        }
        return undefined;
      }
      if (++ready === instances) {
        ctx.meter.start();
        allReady();
      }
      return barrier;
    },
    stopHere() {
      if (++stops === instances) ctx.meter.stopHere();
    },
    get finished() {
      return ctx.meter.finished;
    },
  };
  const shared = consumeCounter({ ...ctx, meter });
  const results = await Promise.all(
    Array.from({ length: instances }, (_, i) => {
      const count = Math.floor(ctx.count / instances) + (i < ctx.count % instances ? 1 : 0);
      return run({ ...ctx, meter, instance: i, count: ctx.kind === 'consume' ? ctx.count : count, counter: shared });
    }),
  );
  if (ctx.kind === 'consume') return shared.result();
  const sum = { delivered: 0, failed: 0, error: undefined };
  for (const r of results) {
    sum.delivered += r.delivered ?? 0;
    sum.failed += r.failed ?? 0;
    sum.error ??= r.error;
  }
  return sum;
}
