/**
 * Issue 20, three real nodes: the leader of a partition frozen (SIGSTOP) for longer than the
 * broker session timeout (9 s: the controller fences it) and the consumer's session timeout
 * (6 s), then resumed, under an idempotent acks=all producer and a consumer group.
 */
import { describe, expect, it } from 'vitest';

import { cluster, clusterHooks, faultUnderLoad, haveCluster, leaderOf, SKIP_REASON, sleep } from './cluster';

const { admin } = clusterHooks();

describe.skipIf(!haveCluster)(`frozen broker — ${SKIP_REASON}`, () => {
  it('the leader SIGSTOPped for 15 s, then SIGCONT: lost 0, duplicated 0, the group gets every message', async () => {
    const r = await faultUnderLoad(admin(), 'leader-sigstop-15s', async (topic) => {
      const victim = await leaderOf(admin(), topic, 0);
      await cluster('freeze', victim);
      await sleep(15_000);
      const during = await leaderOf(admin(), topic, 0);
      await cluster('thaw', victim);
      return `frozen=node${victim} leaderWhileFrozen=node${during}`;
    });
    expect(r.outcomes.failed.map((f) => f.error.message)).toEqual([]);
    expect(r.figures.lost).toBe(0);
    expect(r.figures.duplicates).toBe(0);
    expect(r.figures.outOfOrder).toBe(0);
    expect(r.group.missing).toBe(0);
  }, 240_000);
});
