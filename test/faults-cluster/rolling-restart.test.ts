/**
 * Issue 20, three real nodes: a rolling restart (each node stopped cleanly, started, and the
 * replicas back in sync before the next) under continuous produce and consume. The idempotent
 * producer's topic must hold every acknowledged message once, in order; the consumer group
 * must get every acknowledged message (copies counted: at-least-once allows them).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { KafkaAdmin, KafkaProducer } from '../../lib/index';
import { readAll } from '../fault-helpers';
import { unique } from '../helpers';
import {
  bootstrapServers,
  check,
  cluster,
  createTopic,
  groupFigures,
  groupReader,
  haveCluster,
  longestStall,
  NODES,
  pacedProducer,
  printClusterFigures,
  restoreCluster,
  SKIP_REASON,
  until,
  waitInSync,
} from './cluster';

let admin: KafkaAdmin;
beforeAll(() => {
  if (haveCluster) admin = new KafkaAdmin({ 'bootstrap.servers': bootstrapServers });
});
afterEach(async () => {
  if (haveCluster) await restoreCluster(admin);
}, 180_000);
afterAll(async () => {
  await admin?.close();
});

describe.skipIf(!haveCluster)(`rolling restart — ${SKIP_REASON}`, () => {
  it('every node stopped and started in turn under produce and consume: lost 0, duplicated 0 in the topic, the group gets every message', async () => {
    const partitions = 3;
    const topic = await createTopic(admin, 'cf-rolling', partitions);
    const producer = new KafkaProducer({ 'bootstrap.servers': bootstrapServers, 'enable.idempotence': true, acks: 'all', 'linger.ms': 5 });
    producer.on('error', () => undefined);
    const reader = groupReader(topic, unique('cf-rolling-group'));
    const load = pacedProducer(producer, topic, partitions, { perTick: 5, tickMs: 10 });
    const started = performance.now();
    const restarts: string[] = [];
    try {
      await until('500 acknowledged', () => load.outcomes.acked.length >= 500, 30_000);
      for (const n of NODES) {
        const t0 = performance.now();
        await cluster('stop-node', n);
        const stopped = performance.now();
        await cluster('start-node', n);
        const inSync = await waitInSync(admin);
        restarts.push(`node${n}:stop=${Math.round(stopped - t0)}ms,start+isr=${Math.round(performance.now() - stopped)}ms(isr ${inSync}ms)`);
      }
      // A little traffic on the whole cluster after the last restart.
      const after = load.outcomes.acked.length;
      await until('500 more acknowledged', () => load.outcomes.acked.length >= after + 500, 30_000);
    } finally {
      load.stop();
    }
    const outcomes = await load.done;
    await producer.close();
    const ackedIds = new Set(outcomes.acked.map((a) => a.id));
    await until('the group consumed every acknowledged message', () => [...ackedIds].every((id) => reader.copies.has(id)), 60_000).catch(() => undefined);
    reader.stop();
    await reader.done;
    const recoveryMs = longestStall(outcomes.ackTimes, started);
    const figures = check(outcomes.sent, outcomes.acked, await readAll(bootstrapServers, topic, partitions));
    const group = groupFigures(outcomes.acked, reader.copies);
    printClusterFigures(
      'rolling-restart',
      { ...figures, failed: outcomes.failed.length, recoveryMs },
      `group: consumed=${group.consumed} missing=${group.missing} atLeastOnceCopies=${group.extra}; ${restarts.join(' ')}`,
    );
    expect(outcomes.failed.map((f) => f.error.message)).toEqual([]);
    expect(figures.acked).toBe(outcomes.sent);
    expect(figures.lost).toBe(0);
    expect(figures.duplicates).toBe(0);
    expect(figures.outOfOrder).toBe(0);
    expect(group.missing).toBe(0);
  }, 300_000);
});
