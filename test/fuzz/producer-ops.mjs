// @ts-check
// Operations on an open raw producer: send in every form, flush, wait for room, close.
import { defPerClient } from './op-table.mjs';
import { pickTopic } from './pools.mjs';

/** @typedef {import('./context.mjs').FuzzContext} FuzzContext */
/** @typedef {import('./pools.mjs').RawSlot} RawSlot */

/**
 * n messages to one topic, with a key, partition, headers and value size drawn once for all.
 * @param {FuzzContext} ctx @param {RawSlot} s @param {number} n
 */
function messages(ctx, s, n) {
  const { r } = ctx;
  const t = pickTopic(r, s);
  const keyed = r.chance(0.5);
  const withPartition = r.chance(0.3);
  const withHeaders = r.chance(0.2);
  const size = r.pick([0, 10, 100, 1000]);
  const value = Buffer.alloc(size, 0x61);
  return Array.from({ length: n }, (_, i) => ({
    topic: t.name,
    value: i % 17 === 16 ? null : value,
    key: keyed ? `k${i % 7}` : undefined,
    partition: withPartition ? i % t.partitions : undefined,
    headers: withHeaders ? [['h', `v${i}`], ['empty', null]] : undefined,
  }));
}

/** @param {FuzzContext} ctx */
export function defineProducerOps(ctx) {
  const { r, out } = ctx;
  /** @param {string} name @param {number} weight @param {(s: RawSlot) => void} run */
  const withProducer = (name, weight, run) => defPerClient(ctx, ctx.pools.producers, name, weight, run);

  withProducer('producer.send', 8, (s) => {
    const [m] = messages(ctx, s, 1);
    out.launch('producer.send', async () => {
      const report = await s.client.send(m);
      if (typeof report.offset !== 'bigint' || report.offset < 0n || report.topic !== m?.topic) out.violation(`send resolved with a bad report ${JSON.stringify(String(report.offset))}`);
    });
  });
  withProducer('producer.sendBatch', 6, (s) => {
    const n = r.pick([0, 1, 7, 8, 100, 1000, 3000]);
    const batch = messages(ctx, s, n);
    out.launch('producer.sendBatch', async () => {
      const reports = await s.client.sendBatch(batch);
      if (reports.length !== n || reports.some((/** @type {any} */ x) => typeof x.offset !== 'bigint')) out.violation(`sendBatch of ${n} resolved with ${reports.length} reports`);
    });
  });
  withProducer('producer.produce', 4, (s) => {
    const n = r.range(1, 20);
    const batch = messages(ctx, s, n);
    for (const m of batch) {
      let calls = 0;
      out.launch('producer.produce', () =>
        new Promise((resolve, reject) => {
          s.client.produce(m, (/** @type {unknown} */ e, /** @type {unknown} */ report) => {
            if (++calls > 1) out.violation('a produce callback was called twice');
            if (e) reject(e);
            else resolve(report);
          });
        }),
      );
    }
  });
  withProducer('producer.flush', 2, (s) => {
    const timeout = r.pick([0, 100, 3000]);
    out.launch('producer.flush', () => s.client.flush({ timeoutMs: timeout }));
  });
  withProducer('producer.waitForRoom', 1, (s) =>
    out.launch('producer.waitForRoom', () =>
      s.client.waitForRoom({ timeoutMs: 200 }).catch((/** @type {any} */ e) => {
        // Waiting for room with nothing in flight times out: that outcome is expected.
        if (!(e instanceof ctx.lib.KafkaError && e.codeName === '_QUEUE_FULL')) throw e;
      }),
    ),
  );
  withProducer('producer.close', 2, (s) => {
    const timeoutMs = r.pick([0, 200, 3000]);
    const twice = r.chance(0.3);
    out.launch('producer.close', async () => {
      const report = await s.client.close({ timeoutMs });
      if (!Number.isInteger(report.undelivered) || report.undelivered < 0) out.violation(`close reported ${String(report.undelivered)} undelivered`);
    });
    if (twice) out.launch('producer.closeAgain', () => s.client.close());
  });
}
