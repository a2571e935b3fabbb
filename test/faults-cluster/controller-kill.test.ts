/**
 * Issue 20, three real nodes: the active KRaft controller killed (SIGKILL) under an idempotent
 * acks=all producer and a consumer group; a topic created while the quorum elects a new leader
 * (a metadata change that needs the controller) must be usable too.
 */
import { describe, expect, it } from 'vitest';

import { KafkaAdmin, KafkaProducer } from '../../lib/index';
import { unique } from '../helpers';
import { activeController, bootstrapServers, brokerVersion, cluster, clusterHooks, faultUnderLoad, haveCluster, restoreCluster, SKIP_REASON } from './cluster';

const { admin } = clusterHooks();

describe.skipIf(!haveCluster)(`controller killed — ${SKIP_REASON}`, () => {
  it('SIGKILL of the active controller: lost 0, duplicated 0, the group gets every message, a topic created meanwhile works', async () => {
    let created = '';
    let createError: string | undefined;
    const r = await faultUnderLoad(admin(), 'controller-sigkill', async () => {
      const victim = await activeController();
      await cluster('kill', victim);
      const t0 = performance.now();
      created = unique('cf-created-during');
      // A new admin client: see the next test for a long-lived one.
      const fresh = new KafkaAdmin({ 'bootstrap.servers': bootstrapServers });
      try {
        createError = await fresh.createTopics([{ topic: created, numPartitions: 1, replicationFactor: 2 }], { timeoutMs: 30_000 }).then(
          () => undefined,
          (e: unknown) => String(e),
        );
      } finally {
        await fresh.close();
      }
      const createMs = Math.round(performance.now() - t0);
      const next = await activeController();
      return `killed=node${victim} newController=node${next} createTopicDuringElection=${createError ? 'FAILED' : 'ok'} in ${createMs}ms${createError ? ` (${createError})` : ''}`;
    });
    // The data path first; then the topic created during the election.
    expect(r.outcomes.failed.map((f) => f.error.message)).toEqual([]);
    expect(r.figures.lost).toBe(0);
    expect(r.figures.duplicates).toBe(0);
    expect(r.figures.outOfOrder).toBe(0);
    expect(r.group.missing).toBe(0);
    expect(createError).toBeUndefined();
    // Its replicas may include the killed node (placed before the node was fenced): with
    // min.insync.replicas=2 an acks=all send waits for it, so the check runs on the whole cluster.
    await restoreCluster(admin());
    const producer = new KafkaProducer({ 'bootstrap.servers': bootstrapServers });
    try {
      expect((await producer.send({ topic: created, value: 'after' })).offset).toBe(0n);
    } finally {
      await producer.close();
    }
  }, 300_000);

  // KRaft brokers name a random live broker as "controller" in Metadata; librdkafka keeps the
  // last one it was told and sends CreateTopics (and the other controller-bound admin
  // requests) there. Found by this suite: when that node dies, a long-lived admin client waits
  // for it for the call's whole timeout while two nodes and a quorum are up.
  it('a long-lived admin client creates a topic after the node it knew as controller was killed', async () => {
    const longLived = new KafkaAdmin({ 'bootstrap.servers': bootstrapServers });
    try {
      // The client learns a "controller" from a Metadata answer (describeCluster is one).
      const { controllerId } = await longLived.describeCluster();
      await cluster('kill', controllerId);
      const t0 = performance.now();
      const topic = unique('cf-after-controller-kill');
      const outcome = await longLived.createTopics([{ topic, numPartitions: 1, replicationFactor: 2 }], { timeoutMs: 30_000 }).then(
        () => 'created',
        (e: unknown) => String(e),
      );
      const ms = Math.round(performance.now() - t0);
      console.log(`cluster-fault[admin-after-known-controller-sigkill]: killed=node${controllerId} createTopics=${JSON.stringify(outcome)} in ${ms} ms kafka=${brokerVersion}`);
      expect(outcome).toBe('created');
    } finally {
      await longLived.close();
    }
  }, 120_000);
});
