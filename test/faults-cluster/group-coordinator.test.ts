/**
 * Issue 20, three real nodes: the group coordinator killed (SIGKILL) while the group
 * rebalances (a second member joins), under an idempotent acks=all producer. The group must
 * get every acknowledged message (copies counted: a rebalance may deliver again what was not
 * yet committed), and the new member must get partitions.
 */
import { describe, expect, it } from 'vitest';

import { KafkaProducer } from '../../lib/index';
import { readAll } from '../fault-helpers';
import { unique } from '../helpers';
import {
  bootstrapServers,
  check,
  cluster,
  clusterHooks,
  coordinatorOf,
  createTopic,
  groupFigures,
  groupReader,
  haveCluster,
  longestStall,
  pacedProducer,
  printClusterFigures,
  SKIP_REASON,
  until,
} from './cluster';

const { admin } = clusterHooks();

describe.skipIf(!haveCluster)(`group coordinator killed — ${SKIP_REASON}`, () => {
  it('SIGKILL of the group coordinator as a second member joins: the group gets every message, lost 0, duplicated 0 in the topic', async () => {
    const partitions = 6;
    const topic = await createTopic(admin(), 'cf-group-coordinator', partitions);
    const group = unique('cf-gc-group');
    const producer = new KafkaProducer({ 'bootstrap.servers': bootstrapServers, 'enable.idempotence': true, acks: 'all', 'linger.ms': 5 });
    producer.on('error', () => undefined);
    const a = groupReader(topic, group);
    let b: ReturnType<typeof groupReader> | undefined;
    const load = pacedProducer(producer, topic, partitions, { perTick: 5, tickMs: 10 });
    let faultAt = 0;
    let note = '';
    try {
      await until('the first member consuming', () => a.copies.size >= 300, 60_000);
      const coordinator = await coordinatorOf(admin(), '__consumer_offsets', group);
      b = groupReader(topic, group);
      // The kill follows the second member's subscribe at once: its JoinGroup starts the rebalance.
      await new Promise((r) => setTimeout(r, 300));
      faultAt = performance.now();
      await cluster('kill', coordinator);
      const after = load.outcomes.acked.length;
      await until('500 more acknowledged after the kill', () => load.outcomes.acked.length >= after + 500, 120_000);
      await until('both members own partitions', async () => (await a.consumer.assignment()).length > 0 && (await b!.consumer.assignment()).length > 0, 90_000);
      note = `killed=node${coordinator} newCoordinator=node${await coordinatorOf(admin(), '__consumer_offsets', group)} assignment=${(await a.consumer.assignment()).length}+${(await b.consumer.assignment()).length}`;
    } finally {
      load.stop();
    }
    const outcomes = await load.done;
    await producer.close();
    const union = (): Map<number, number> => {
      const m = new Map(a.copies);
      for (const [id, n] of b!.copies) m.set(id, (m.get(id) ?? 0) + n);
      return m;
    };
    await until('the group consumed every acknowledged message', () => outcomes.acked.every((x) => a.copies.has(x.id) || b!.copies.has(x.id)), 60_000).catch(() => undefined);
    a.stop();
    b!.stop();
    await Promise.all([a.done, b!.done]);
    const recoveryMs = longestStall(outcomes.ackTimes, faultAt);
    const figures = check(outcomes.sent, outcomes.acked, await readAll(bootstrapServers, topic, partitions));
    const g = groupFigures(outcomes.acked, union());
    printClusterFigures(
      'group-coordinator-sigkill-rebalance',
      { ...figures, failed: outcomes.failed.length, recoveryMs },
      `group: consumed=${g.consumed} missing=${g.missing} atLeastOnceCopies=${g.extra} (member a ${a.copies.size}, b ${b!.copies.size}); ${note}`,
    );
    expect(outcomes.failed.map((f) => f.error.message)).toEqual([]);
    expect(figures.lost).toBe(0);
    expect(figures.duplicates).toBe(0);
    expect(figures.outOfOrder).toBe(0);
    expect(g.missing).toBe(0);
    expect(b!.copies.size).toBeGreaterThan(0);
  }, 300_000);
});
