// @ts-check
// Faults on the mock cluster this thread owns (a cluster shared with other threads is left
// alone): a broker going down for a moment, retriable errors on requests.
import { setTimeout as sleep } from 'node:timers/promises';

/** @param {import('./context.mjs').FuzzContext} ctx */
export function defineClusterOps(ctx) {
  const { r, out, table, lib } = ctx;
  table.def('cluster.blip', 0.5, () => true, () => {
    const downMs = r.pick([50, 300, 1000]);
    out.launch('cluster.blip', async () => {
      await ctx.ownCluster.setBrokerDown(1);
      await sleep(downMs);
      await ctx.ownCluster.setBrokerUp(1);
    });
  });
  table.def('cluster.requestErrors', 0.5, () => true, () => {
    const api = r.pick([lib.ApiKey.Produce, lib.ApiKey.Fetch, lib.ApiKey.OffsetCommit, lib.ApiKey.Metadata]);
    // Retriable errors: NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_COORDINATOR.
    const codes = Array.from({ length: r.range(1, 3) }, () => r.pick([6, 7, 16]));
    out.launch('cluster.requestErrors', () => ctx.ownCluster.pushRequestErrors(api, codes));
  });
}
