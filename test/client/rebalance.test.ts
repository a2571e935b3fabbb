/**
 * Rebalance hooks that librdkafka waits for: while a (slow, async) onRevoke runs, and
 * after it resolved, no message of a revoked partition reaches the application; eager,
 * cooperative-sticky and KIP-848 (group.protocol=consumer) groups.
 */
import { describe, expect, it } from 'vitest';

import { KafkaConsumer, KafkaProducer, type TopicPartitionOffset } from '../../lib/index';
import { kip848Missing } from '../broker-api';
import { unique, useCluster } from '../helpers';

/** Why KIP-848 groups cannot run on the broker under test (its advertised API versions), if they cannot. */
const kip848Reason = kip848Missing();

const cluster = useCluster();

type Protocol = 'eager' | 'cooperative' | 'kip848';

function groupConfig(protocol: Protocol, group: string): Record<string, string | number> {
  const base = { 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, 'auto.offset.reset': 'earliest' };
  if (protocol === 'kip848') return { ...base, 'group.protocol': 'consumer' };
  return {
    ...base,
    'session.timeout.ms': 6000,
    'heartbeat.interval.ms': 300,
    'partition.assignment.strategy': protocol === 'eager' ? 'range' : 'cooperative-sticky',
  };
}

/** A member that asserts every message it is given belongs to its current assignment. */
function member(protocol: Protocol, group: string, name: string) {
  const owned = new Set<number>();
  const violations: string[] = [];
  const received = new Map<number, number>();
  let revokes = 0;
  const commitErrors: number[] = [];
  const consumer = new KafkaConsumer(groupConfig(protocol, group), {
    onAssign: (ps: TopicPartitionOffset[]) => {
      for (const p of ps) owned.add(p.partition);
    },
    onRevoke: async (ps: TopicPartitionOffset[]) => {
      revokes++;
      // Slow on purpose: librdkafka must wait, and nothing of these partitions may arrive meanwhile.
      await new Promise((r) => setTimeout(r, 300));
      try {
        await consumer.commit();
      } catch (e) {
        commitErrors.push((e as { code: number }).code);
      } finally {
        for (const p of ps) owned.delete(p.partition);
      }
    },
  });
  const loop = (async () => {
    for await (const m of consumer) {
      if (!owned.has(m.partition)) violations.push(`${name} got partition ${m.partition} owning [${[...owned]}]`);
      received.set(m.partition, (received.get(m.partition) ?? 0) + 1);
    }
  })();
  return { consumer, owned, violations, received, loop, commitErrors, revokes: () => revokes };
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each<Protocol>(['eager', 'cooperative', 'kip848'])('rebalance (%s)', (protocol) => {
  const reason = protocol === 'kip848' ? kip848Reason : undefined;
  it.skipIf(reason !== undefined)(`hands partitions over without a message of a revoked partition reaching the old owner${reason ? ` (skipped: ${reason})` : ''}`, async () => {
    const topic = await cluster.topic(`rebal-${protocol}`, 4);
    const group = unique(`g-${protocol}`);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 1 });
    let producing = true;
    const produced = (async () => {
      let i = 0;
      while (producing) {
        await producer.sendBatch([0, 1, 2, 3].map((partition) => ({ topic, partition, value: `m${i}` })));
        i++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    const a = member(protocol, group, 'A');
    await a.consumer.subscribe([topic]);
    await until(() => a.owned.size === 4, 20_000, 'A to own all 4 partitions');
    const b = member(protocol, group, 'B');
    await b.consumer.subscribe([topic]);
    await until(() => a.owned.size === 2 && b.owned.size === 2, 30_000, 'the partitions to be split 2/2').catch((e) => { throw new Error(`${e.message}: A owns [${[...a.owned]}] after ${a.revokes()} revokes, B owns [${[...b.owned]}] after ${b.revokes()} revokes`); });
    await until(() => [...b.owned].every((p) => (b.received.get(p) ?? 0) > 0), 10_000, 'B to read its partitions');

    producing = false;
    await produced;
    expect([...a.owned, ...b.owned].sort()).toEqual([0, 1, 2, 3]);
    expect(a.revokes()).toBeGreaterThanOrEqual(1);
    if (protocol !== 'eager') expect(b.revokes()).toBe(0); // incremental: B never gives anything back
    await b.consumer.close();
    await a.consumer.close();
    await Promise.all([a.loop, b.loop]);
    expect(a.violations).toEqual([]);
    // The mock answers a commit during a classic-protocol rebalance with
    // REBALANCE_IN_PROGRESS (27); a real broker accepts it from the current generation.
    expect(a.commitErrors.filter((c) => !(cluster.mock && protocol !== 'kip848' && c === 27))).toEqual([]);
    expect(b.violations).toEqual([]);
    await producer.close();
  });
});
