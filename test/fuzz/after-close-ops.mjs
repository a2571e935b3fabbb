// @ts-check
// Calls on closed clients: each must reject with ClosedError, or give the documented empty
// result (`consume` → null, `consumeBatch` → [], iteration ends, `run` and `close` return).
import { closedOnes } from './pools.mjs';

/** @typedef {import('./context.mjs').FuzzContext} FuzzContext */
/** @typedef {Record<string, (client: any) => unknown>} Calls */

/** @type {Calls} */
const closedProducerCalls = {
  send: (p) => p.send({ topic: 'fz-a', value: 'x' }),
  sendBatch: (p) => p.sendBatch([{ topic: 'fz-a', value: 'x' }]),
  produce: (p) => p.produce({ topic: 'fz-a', value: 'x' }),
  flush: (p) => p.flush({ timeoutMs: 100 }),
  waitForRoom: (p) => p.waitForRoom({ timeoutMs: 100 }),
  initTransactions: (p) => p.initTransactions({ timeoutMs: 100 }),
  beginTransaction: (p) => p.beginTransaction(),
  commitTransaction: (p) => p.commitTransaction({ timeoutMs: 100 }),
  abortTransaction: (p) => p.abortTransaction({ timeoutMs: 100 }),
};
/** @type {Calls} */
const closedConsumerCalls = {
  subscribe: (c) => c.subscribe(['fz-a']),
  unsubscribe: (c) => c.unsubscribe(),
  assign: (c) => c.assign([{ topic: 'fz-a', partition: 0 }]),
  unassign: (c) => c.unassign(),
  incrementalAssign: (c) => c.incrementalAssign([{ topic: 'fz-a', partition: 0 }]),
  incrementalUnassign: (c) => c.incrementalUnassign([{ topic: 'fz-a', partition: 0 }]),
  assignment: (c) => c.assignment(),
  commit: (c) => c.commit(),
  commitMessage: (c) => c.commitMessage({ topic: 'fz-a', partition: 0, offset: 0n }),
  committed: (c) => c.committed([{ topic: 'fz-a', partition: 0 }]),
  position: (c) => c.position([{ topic: 'fz-a', partition: 0 }]),
  seek: (c) => c.seek([{ topic: 'fz-a', partition: 0, offset: 0n }]),
  pause: (c) => c.pause([{ topic: 'fz-a', partition: 0 }]),
  resume: (c) => c.resume([{ topic: 'fz-a', partition: 0 }]),
  queryWatermarkOffsets: (c) => c.queryWatermarkOffsets('fz-a', 0),
  offsetsForTimes: (c) => c.offsetsForTimes([{ topic: 'fz-a', partition: 0, offset: 0n }]),
  lag: (c) => c.lag(),
};
/**
 * Calls whose documented result on a closed consumer is an empty one, not an error.
 * @type {Record<string, (client: any) => Promise<boolean>>}
 */
const closedConsumerEmpty = {
  consume: async (c) => (await c.consume({ timeoutMs: 1000 })) === null,
  consumeBatch: async (c) => (await c.consumeBatch(10, { timeoutMs: 1000 })).length === 0,
  iterate: async (c) => {
    for await (const _ of c) return false;
    return true;
  },
  batches: async (c) => {
    for await (const _ of c.batches()) return false;
    return true;
  },
  run: async (c) => (await c.run({ eachMessage: () => undefined }), true),
  close: async (c) => (await c.close(), true),
};
/** @type {Calls} */
const closedAdminCalls = {
  listTopics: (a) => a.listTopics(),
  describeTopics: (a) => a.describeTopics(['fz-a']),
  describeCluster: (a) => a.describeCluster(),
  listOffsets: (a) => a.listOffsets([{ topic: 'fz-a', partition: 0, spec: 'latest' }]),
  createTopics: (a) => a.createTopics([{ topic: 'never', numPartitions: 1 }]),
  listConsumerGroupOffsets: (a) => a.listConsumerGroupOffsets('g'),
};

/**
 * Launches a call that must reject with ClosedError.
 * @param {FuzzContext} ctx @param {string} name @param {() => unknown} call
 */
function expectClosed(ctx, name, call) {
  const { out } = ctx;
  out.afterClose++;
  out.launch(`afterClose.${name}`, async () => {
    try {
      await call();
    } catch (e) {
      if (e instanceof ctx.lib.ClosedError) return;
      throw e;
    }
    out.violation(`${name} on a closed client did not reject with ClosedError`);
  });
}

/**
 * One operation, on a closed client of a kind drawn among those that have one.
 * @param {FuzzContext} ctx
 */
export function defineAfterCloseOps(ctx) {
  const { r, out } = ctx;
  const { producers, consumers, admins } = ctx.pools;
  ctx.table.def('afterClose', 4, () => closedOnes(producers).length + closedOnes(consumers).length + closedOnes(admins).length > 0, () => {
    const kinds = [
      ...(closedOnes(producers).length ? ['p'] : []),
      ...(closedOnes(consumers).length ? ['c', 'ce'] : []),
      ...(closedOnes(admins).length ? ['a'] : []),
    ];
    const kind = r.pick(kinds);
    if (kind === 'p') {
      const [name, call] = r.pick(Object.entries(closedProducerCalls));
      const s = r.pick(closedOnes(producers));
      expectClosed(ctx, `producer.${name}`, () => call(s.client));
    } else if (kind === 'c') {
      const [name, call] = r.pick(Object.entries(closedConsumerCalls));
      const s = r.pick(closedOnes(consumers));
      expectClosed(ctx, `consumer.${name}`, () => call(s.client));
    } else if (kind === 'a') {
      const [name, call] = r.pick(Object.entries(closedAdminCalls));
      const s = r.pick(closedOnes(admins));
      expectClosed(ctx, `admin.${name}`, () => call(s.client));
    } else {
      const [name, call] = r.pick(Object.entries(closedConsumerEmpty));
      const s = r.pick(closedOnes(consumers));
      out.afterClose++;
      out.launch(`afterClose.consumer.${name}`, async () => {
        if (!(await call(s.client))) out.violation(`consumer.${name} on a closed consumer did not give its empty result`);
      });
    }
  });
}
