// @ts-check
// Operations on an open admin client: one query (or topic creation) at a time, close.
import { defPerClient } from './op-table.mjs';
import { pickPartition } from './pools.mjs';

/** @typedef {import('./pools.mjs').RawSlot} RawSlot */

const QUERIES = ['listTopics', 'describeTopics', 'describeCluster', 'listOffsets', 'createTopics'];

/** @param {import('./context.mjs').FuzzContext} ctx */
export function defineAdminOps(ctx) {
  const { r, out } = ctx;
  /** @param {string} name @param {number} weight @param {(s: RawSlot) => void} run */
  const withAdmin = (name, weight, run) => defPerClient(ctx, ctx.pools.admins, name, weight, run);

  withAdmin('admin.query', 3, (s) => {
    const which = r.int(5);
    const tp = pickPartition(r, s);
    const fresh = ctx.uniq('fz-new');
    out.launch(`admin.${QUERIES[which]}`, () => {
      const a = s.client;
      if (which === 0) return a.listTopics();
      if (which === 1) return a.describeTopics([tp.topic]);
      if (which === 2) return a.describeCluster();
      if (which === 3) return a.listOffsets([{ ...tp, spec: 'latest' }]);
      return a.createTopics([{ topic: fresh, numPartitions: 2 }]);
    });
  });
  withAdmin('admin.close', 1, (s) => out.launch('admin.close', () => s.client.close()));
}
