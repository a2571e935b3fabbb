/**
 * Issue 20, three real nodes: the leader of a partition cut off from the other nodes and from
 * the clients (its network namespace's link down: packets dropped, no reset) for 20 s, then
 * linked again, under an idempotent acks=all producer and a consumer group.
 */
import { describe, expect, it } from 'vitest';

import { cluster, clusterHooks, faultUnderLoad, haveCluster, leaderOf, SKIP_REASON, sleep } from './cluster';

const { admin } = clusterHooks();

describe.skipIf(!haveCluster)(`network cut — ${SKIP_REASON}`, () => {
  it('the leader cut off for 20 s, then back: lost 0, duplicated 0, the group gets every message', async () => {
    const r = await faultUnderLoad(admin(), 'leader-network-cut-20s', async (topic) => {
      const victim = await leaderOf(admin(), topic, 0);
      await cluster('cut', victim);
      await sleep(20_000);
      const during = await leaderOf(admin(), topic, 0);
      await cluster('heal', victim);
      return `cut=node${victim} leaderWhileCut=node${during}`;
    });
    expect(r.outcomes.failed.map((f) => f.error.message)).toEqual([]);
    expect(r.figures.lost).toBe(0);
    expect(r.figures.duplicates).toBe(0);
    expect(r.figures.outOfOrder).toBe(0);
    expect(r.group.missing).toBe(0);
  }, 240_000);
});
