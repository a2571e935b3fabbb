/**
 * Issue 20, three real nodes: the Octopus topic layer across a leader kill. Every event whose
 * push resolved must be pulled, and acknowledged, exactly once from the application's point of
 * view; a consumer reopened under the same name then finds nothing left.
 */
import { describe, expect, it } from 'vitest';

import { Driver } from '../../lib/topic/driver';
import { unique } from '../helpers';
import { bootstrapServers, brokerVersion, cluster, clusterHooks, haveCluster, leaderOf, longestStall, SKIP_REASON, sleep, until, waitInSync } from './cluster';

const { admin } = clusterHooks();

describe.skipIf(!haveCluster)(`topic layer across a leader kill — ${SKIP_REASON}`, () => {
  it('every pushed event is pulled and acknowledged once', async () => {
    const driver = await Driver.connect({ kafka: { 'bootstrap.servers': bootstrapServers } });
    const count = 4000;
    const pushedAt: number[] = [];
    const acked = new Set<number>();
    const failed: string[] = [];
    const pulled = new Map<number, number>();
    const acknowledged = new Map<number, number>();
    let ackRetries = 0;
    let note = '';
    let killedAt = 0;
    const topic = await driver.createTopic(unique('cf-topic-layer'), { num_partitions: 3, replication_factor: 3 });
    await waitInSync(admin());
    const name = unique('cf-topic-consumer');
    const producer = topic.producer();
    const consumer = topic.consumer(name);
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const event = await consumer.pull({ timeoutMs: 500 });
        if (!event) continue;
        const i = (event.metadata as { i: number }).i;
        pulled.set(i, (pulled.get(i) ?? 0) + 1);
        // An application acknowledges until it succeeds (a failed commit rejects; acknowledging again retries).
        for (let attempt = 0; ; attempt++) {
          try {
            await event.acknowledge();
            break;
          } catch (e) {
            if (attempt >= 50) throw e;
            ackRetries++;
            await sleep(200);
          }
        }
        acknowledged.set(i, (acknowledged.get(i) ?? 0) + 1);
      }
    })();
    try {
      const pushes: Array<Promise<void>> = [];
      for (let i = 0; i < count; i++) {
        if (i === 1000) {
          await until('1000 pushes acknowledged', () => acked.size >= 1000, 30_000);
          const victim = await leaderOf(admin(), topic.kafkaTopic, 0);
          killedAt = performance.now();
          void cluster('kill', victim).then(() => (note = `killed=node${victim}`));
        }
        pushes.push(
          producer.push({ i }).then(
            () => {
              acked.add(i);
              pushedAt.push(performance.now());
            },
            (e: unknown) => void failed.push(String(e)),
          ),
        );
        if (i % 10 === 9) await sleep(10);
      }
      await Promise.all(pushes);
      await until('every pushed event acknowledged by the consumer', () => [...acked].every((i) => acknowledged.has(i)), 90_000).catch(() => undefined);
    } finally {
      reading = false;
      await reader.catch((e: unknown) => void failed.push(`reader: ${String(e)}`));
      await consumer.close();
    }
    // Reopened under the same name: everything was acknowledged, so nothing comes.
    const again = topic.consumer(name);
    const leftover = await again.pull({ timeoutMs: 5000 });
    await again.close();
    await driver.close();
    let duplicated = 0;
    for (const n of pulled.values()) duplicated += n - 1;
    const lost = [...acked].filter((i) => !pulled.has(i)).length;
    const ackedTwice = [...acknowledged.values()].filter((n) => n > 1).length;
    console.log(
      `cluster-fault[topic-layer-leader-sigkill]: messages=${count} acked=${acked.size} failed=${failed.length} consumed=${pulled.size} lost=${lost} duplicated=${duplicated}` +
        ` recoveryMs=${longestStall(pushedAt, killedAt)} kafka=${brokerVersion} acknowledged=${acknowledged.size} ackRetries=${ackRetries}` +
        ` leftoverAfterReopen=${leftover ? 'yes' : 'none'}; ${note}`,
    );
    expect(failed).toEqual([]);
    expect(acked.size).toBe(count);
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(ackedTwice).toBe(0);
    expect(acknowledged.size).toBe(count);
    expect(leftover).toBeNull();
  }, 300_000);
});
