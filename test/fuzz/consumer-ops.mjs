// @ts-check
// Operations on an open raw consumer: subscriptions and assignments, every way to consume,
// flow control, offsets and their queries, close.
import { defPerClient } from './op-table.mjs';
import { HandlerFault } from './outcomes.mjs';
import { pickPartition, pickTopic } from './pools.mjs';

/** @typedef {import('./pools.mjs').RawSlot} RawSlot */

/** @param {import('./context.mjs').FuzzContext} ctx */
export function defineConsumerOps(ctx) {
  const { r, out, lib } = ctx;
  /** @param {string} name @param {number} weight @param {(s: RawSlot) => void} run */
  const withConsumer = (name, weight, run) => defPerClient(ctx, ctx.pools.consumers, name, weight, run);

  withConsumer('consumer.subscribe', 1, (s) => {
    const names = r.chance(0.2) ? [/^fz-/] : [pickTopic(r, s).name];
    out.launch('consumer.subscribe', () => s.client.subscribe(names));
  });
  withConsumer('consumer.unsubscribe', 1, (s) => out.launch('consumer.unsubscribe', () => s.client.unsubscribe()));
  withConsumer('consumer.assign', 1, (s) => {
    const tp = pickPartition(r, s);
    const offset = r.pick([undefined, lib.Offset.BEGINNING, lib.Offset.END, 0n, 5n]);
    out.launch('consumer.assign', () => s.client.assign([{ ...tp, offset }]));
  });
  withConsumer('consumer.unassign', 1, (s) => out.launch('consumer.unassign', () => s.client.unassign()));
  withConsumer('consumer.incrementalAssign', 1, (s) => {
    const tp = pickPartition(r, s);
    out.launch('consumer.incrementalAssign', () => s.client.incrementalAssign([{ ...tp, offset: lib.Offset.BEGINNING }]));
  });
  withConsumer('consumer.consume', 6, (s) => {
    const timeoutMs = r.pick([0, 10, 100, 300]);
    out.launch('consumer.consume', async () => out.checkMessage('consume', await s.client.consume({ timeoutMs })));
  });
  withConsumer('consumer.consumeBatch', 6, (s) => {
    const max = r.pick([1, 10, 1000]);
    const timeoutMs = r.pick([0, 10, 100, 300]);
    out.launch('consumer.consumeBatch', async () => {
      const batch = await s.client.consumeBatch(max, { timeoutMs });
      if (!Array.isArray(batch) || batch.length > max) out.violation(`consumeBatch(${max}) returned ${batch?.length} messages`);
      for (const m of batch) out.checkMessage('consumeBatch', m);
    });
  });
  withConsumer('consumer.iterate', 2, (s) => {
    const max = r.range(1, 300);
    const throws = r.chance(0.2);
    out.launch(
      'consumer.iterate',
      async () => {
        let n = 0;
        for await (const m of s.client) {
          out.checkMessage('iterate', m);
          if (throws && n === max - 1) throw new HandlerFault();
          if (++n >= max) break;
        }
      },
      { long: true, handlerMayThrow: true },
    );
  });
  withConsumer('consumer.batches', 2, (s) => {
    const max = r.range(1, 5);
    const size = r.pick([1, 50, 10_000]);
    out.launch(
      'consumer.batches',
      async () => {
        let n = 0;
        for await (const batch of s.client.batches(size)) {
          if (batch.length === 0 || batch.length > size) out.violation(`batches(${size}) yielded ${batch.length} messages`);
          if (++n >= max) break;
        }
      },
      { long: true },
    );
  });
  withConsumer('consumer.run', 2, (s) => {
    const limit = r.range(1, 100);
    const throwAt = r.chance(0.3) ? r.int(limit) : -1;
    const abortAfterMs = r.pick([10, 100, 1000]);
    const perBatch = r.chance(0.3);
    out.launch(
      'consumer.run',
      async () => {
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), abortAfterMs);
        let n = 0;
        const each = async () => {
          if (n++ === throwAt) throw new HandlerFault();
          if (n >= limit) ac.abort();
        };
        try {
          await s.client.run(perBatch ? { eachBatch: each, maxBatchSize: 20, signal: ac.signal } : { eachMessage: each, signal: ac.signal });
        } finally {
          clearTimeout(timer);
        }
      },
      { handlerMayThrow: true },
    );
  });
  withConsumer('consumer.pause', 2, (s) => {
    const tp = pickPartition(r, s);
    out.launch('consumer.pause', () => s.client.pause([tp]));
  });
  withConsumer('consumer.resume', 2, (s) => {
    const tp = pickPartition(r, s);
    out.launch('consumer.resume', () => s.client.resume([tp]));
  });
  withConsumer('consumer.seek', 3, (s) => {
    const tp = pickPartition(r, s);
    const offset = r.pick([lib.Offset.BEGINNING, lib.Offset.END, 0n, 3n, 50n]);
    out.launch('consumer.seek', () => s.client.seek([{ ...tp, offset }]));
  });
  withConsumer('consumer.commit', 3, (s) => {
    const how = r.int(3);
    const tp = pickPartition(r, s);
    const timeoutMs = r.pick([undefined, 500, 5000]);
    out.launch('consumer.commit', () =>
      how === 0 ? s.client.commit(null, { timeoutMs }) : how === 1 ? s.client.commit(null, { async: true }) : s.client.commit([{ ...tp, offset: 1n }], { timeoutMs }),
    );
  });
  withConsumer('consumer.markProcessed', 1, (s) => {
    const tp = pickPartition(r, s);
    out.launch('consumer.markProcessed', () => s.client.markProcessed({ ...tp, offset: 0n }));
  });
  withConsumer('consumer.position', 1, (s) => {
    const tp = pickPartition(r, s);
    out.launch('consumer.position', () => s.client.position([tp]));
  });
  withConsumer('consumer.committed', 1, (s) => {
    const tp = pickPartition(r, s);
    out.launch('consumer.committed', () => s.client.committed([tp], { timeoutMs: 3000 }));
  });
  withConsumer('consumer.lag', 1, (s) => out.launch('consumer.lag', () => s.client.lag(undefined, { timeoutMs: 3000 })));
  withConsumer('consumer.watermarks', 1, (s) => {
    const tp = pickPartition(r, s);
    out.launch('consumer.watermarks', () => s.client.queryWatermarkOffsets(tp.topic, tp.partition, { timeoutMs: 3000 }));
  });
  withConsumer('consumer.assignment', 1, (s) => out.launch('consumer.assignment', () => s.client.assignment()));
  withConsumer('consumer.close', 2, (s) => {
    const twice = r.chance(0.3);
    out.launch('consumer.close', () => s.client.close());
    if (twice) out.launch('consumer.closeAgain', () => s.client.close());
  });
}
