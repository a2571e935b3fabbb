/**
 * Issue 20, three real nodes: the leader of a partition killed with SIGKILL while an
 * idempotent acks=all producer sends to it. Every acknowledged message must be in the topic
 * once, in order per partition.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { KafkaAdmin, KafkaProducer } from '../../lib/index';
import { readAll } from '../fault-helpers';
import { bootstrapServers, check, cluster, createTopic, haveCluster, leaderOf, longestStall, pacedProducer, printClusterFigures, restoreCluster, SKIP_REASON, until } from './cluster';

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

describe.skipIf(!haveCluster)(`leader killed — ${SKIP_REASON}`, () => {
  it('SIGKILL of the leader under an idempotent acks=all producer: lost 0, duplicated 0, order kept per partition', async () => {
    const partitions = 3;
    const topic = await createTopic(admin, 'cf-leader-kill', partitions);
    const producer = new KafkaProducer({ 'bootstrap.servers': bootstrapServers, 'enable.idempotence': true, acks: 'all', 'linger.ms': 5 });
    producer.on('error', () => undefined); // the dead broker's connection errors
    const count = 6000;
    const load = pacedProducer(producer, topic, partitions, { perTick: 10, tickMs: 10, count });
    await until('1000 acknowledged', () => load.outcomes.acked.length >= 1000, 30_000);
    const victim = await leaderOf(admin, topic, 0);
    const killedAt = performance.now();
    await cluster('kill', victim);
    const outcomes = await load.done;
    await producer.close();
    const recoveryMs = longestStall(outcomes.ackTimes, killedAt);
    const figures = check(count, outcomes.acked, await readAll(bootstrapServers, topic, partitions));
    printClusterFigures('leader-sigkill', { ...figures, failed: outcomes.failed.length, recoveryMs }, `killed=node${victim} newLeader=node${await leaderOf(admin, topic, 0)}`);
    expect(outcomes.failed.map((f) => f.error.message)).toEqual([]);
    expect(figures.acked).toBe(count);
    expect(figures.lost).toBe(0);
    expect(figures.duplicates).toBe(0);
    expect(figures.outOfOrder).toBe(0);
  }, 120_000);
});
