/**
 * Group rebalances with waiting hooks while messages flow: members join and leave a group
 * (classic eager with range and with roundrobin, cooperative-sticky, KIP-848), every hook
 * awaits broker round trips (onAssign reads the committed offsets, onRevoke commits what was
 * processed), and in the end every offset of every partition was processed exactly once and
 * covered by exactly one successful commit: nothing lost, nothing processed or committed twice.
 *
 * Where each protocol runs: on a real broker, the classic protocols always, KIP-848 when the
 * broker advertises the ConsumerGroupHeartbeat version librdkafka needs (test/broker-api.ts);
 * on the mock cluster KIP-848 only, because the mock refuses commits during a classic
 * rebalance (REBALANCE_IN_PROGRESS), so a revoke hook's commit cannot land there and the next
 * owner would process those messages again.
 */
import { describe, expect, it } from 'vitest';

import { KafkaConsumer, KafkaProducer, type KafkaError, type TopicPartition, type TopicPartitionOffset } from '../../lib/index';
import { kip848Missing } from '../broker-api';
import { realCluster, unique, useCluster } from '../helpers';

const PARTITIONS = 6;
const MOCK_CLASSIC_REASON = 'needs a real broker: the mock refuses commits during a classic rebalance (REBALANCE_IN_PROGRESS)';

/**
 * How a group coordinator refuses a commit that races a rebalance: a classic one, from a
 * generation that is ending or ended; a KIP-848 one, with the member epoch that a new
 * assignment just replaced (STALE_MEMBER_EPOCH). The offsets it carried are processed again
 * by their next owner, which the ledger below checks.
 */
const REFUSED_DURING_REBALANCE = new Set(['ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'STALE_MEMBER_EPOCH']);

type Protocol = 'eager-range' | 'eager-roundrobin' | 'cooperative-sticky' | 'kip848';

const kip848Reason = kip848Missing();
const skipReason: Record<Protocol, string | undefined> = {
  'eager-range': realCluster ? undefined : MOCK_CLASSIC_REASON,
  'eager-roundrobin': realCluster ? undefined : MOCK_CLASSIC_REASON,
  'cooperative-sticky': realCluster ? undefined : MOCK_CLASSIC_REASON,
  kip848: kip848Reason,
};

const cluster = useCluster();

function groupConfig(protocol: Protocol, group: string): Record<string, string | number | boolean> {
  // Commits are the test's own (explicit offsets), so that each one can be counted.
  const base = { 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, 'auto.offset.reset': 'earliest', 'enable.auto.commit': false };
  if (protocol === 'kip848') return { ...base, 'group.protocol': 'consumer' };
  return {
    ...base,
    // Members learn of a rebalance at their next heartbeat: keep that short.
    'session.timeout.ms': 10_000,
    'heartbeat.interval.ms': 500,
    'partition.assignment.strategy': protocol === 'eager-range' ? 'range' : protocol === 'eager-roundrobin' ? 'roundrobin' : 'cooperative-sticky',
  };
}

/** What all members of one test record, shared so that double processing across members shows. */
interface Ledger {
  topic: string;
  /** Times each `partition:offset` was processed / covered by a successful commit. */
  processed: Map<string, number>;
  committed: Map<string, number>;
  violations: string[];
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * A group member: processes each message once (in the loop), commits what it processed every
 * 50 messages and in onRevoke (commits of one member run one after the other), and checks that
 * each newly assigned partition starts exactly at the committed offset it read in onAssign.
 */
function member(protocol: Protocol, group: string, name: string, ledger: Ledger) {
  const owned = new Set<number>();
  /** Per owned partition: the next offset to process, and the offset up to which this member committed. */
  const next = new Map<number, bigint>();
  const committedUpTo = new Map<number, bigint>();
  const hooks = { started: 0, finished: 0, assigns: 0, revokes: 0, lost: 0 };
  const errors: KafkaError[] = [];
  const refusedCommits: string[] = [];
  let processed = 0;
  let commits: Promise<void> = Promise.resolve();

  /** Commits what was processed in `partitions` since this member's last commit there, and counts each offset it covers. */
  function commitProcessed(partitions: number[]): Promise<void> {
    const attempt = commits.then(async () => {
      const ranges = partitions
        .map((p) => ({ p, from: committedUpTo.get(p), to: next.get(p) }))
        .filter((r): r is { p: number; from: bigint; to: bigint } => r.from !== undefined && r.to !== undefined && r.to > r.from);
      if (ranges.length === 0) return;
      await consumer.commit(ranges.map((r) => ({ topic: ledger.topic, partition: r.p, offset: r.to })));
      for (const r of ranges) {
        for (let o = r.from; o < r.to; o++) bump(ledger.committed, `${r.p}:${o}`);
        committedUpTo.set(r.p, r.to);
      }
    });
    // The next commit waits for this one, whatever its outcome.
    commits = attempt.catch(() => undefined);
    return attempt;
  }

  async function hook(kind: 'assign' | 'revoke' | 'lost', run: () => Promise<void>): Promise<void> {
    hooks.started++;
    hooks[kind === 'assign' ? 'assigns' : kind === 'revoke' ? 'revokes' : 'lost']++;
    await run();
    hooks.finished++;
  }

  const consumer: KafkaConsumer = new KafkaConsumer(groupConfig(protocol, group), {
    onAssign: (ps: TopicPartitionOffset[]) =>
      hook('assign', async () => {
        // Where each partition resumes: the group's committed offset (none yet: the beginning).
        const stored = await consumer.committed(ps.map((p) => ({ topic: p.topic, partition: p.partition })));
        for (const p of ps) {
          const c = stored.find((s) => s.partition === p.partition)?.offset ?? -1n;
          const start = c >= 0n ? c : 0n;
          owned.add(p.partition);
          next.set(p.partition, start);
          committedUpTo.set(p.partition, start);
        }
      }),
    onRevoke: (ps: TopicPartitionOffset[]) =>
      hook('revoke', async () => {
        const revoked = ps.map((p) => p.partition);
        try {
          await commitProcessed(revoked);
        } catch (e) {
          ledger.violations.push(`${name}: the revoke commit of [${revoked}] failed: ${(e as Error).message}`);
        } finally {
          for (const p of revoked) {
            owned.delete(p);
            next.delete(p);
            committedUpTo.delete(p);
          }
        }
      }),
    onLost: (ps: TopicPartitionOffset[]) =>
      hook('lost', async () => {
        ledger.violations.push(`${name}: lost [${ps.map((p) => p.partition)}]`);
        for (const p of ps) owned.delete(p.partition);
      }),
  });
  consumer.on('error', (e) => errors.push(e));

  const loop = (async () => {
    for await (const m of consumer) {
      const expected = next.get(m.partition);
      if (!owned.has(m.partition) || expected === undefined) {
        ledger.violations.push(`${name}: got ${m.partition}:${m.offset} owning [${[...owned]}]`);
        continue;
      }
      if (m.offset !== expected) ledger.violations.push(`${name}: ${m.partition}:${m.offset} after ${expected - 1n} (a gap or a repeat)`);
      bump(ledger.processed, `${m.partition}:${m.offset}`);
      next.set(m.partition, m.offset + 1n);
      processed++;
      if (processed % 50 === 0) {
        // A commit racing a classic rebalance may be refused (ILLEGAL_GENERATION,
        // REBALANCE_IN_PROGRESS); what it would have covered is committed by the revoke hook.
        await commitProcessed([...owned]).catch((e: KafkaError) => refusedCommits.push(e.codeName ?? String(e.code)));
      }
    }
  })();

  return {
    name,
    consumer,
    owned,
    hooks,
    errors,
    refusedCommits,
    processed: () => processed,
    loop,
    /** Leaves the group: the revoke hook commits what was processed; then the loop ends. */
    async leave(): Promise<void> {
      await consumer.close();
      await loop;
    },
  };
}

type Member = ReturnType<typeof member>;

async function until(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const describeOwnership = (members: Member[]) => members.map((m) => `${m.name} owns [${[...m.owned].sort()}]`).join(', ');

/** The group settled: the members own disjoint sets covering all partitions, each at least one, each reading. */
async function settled(members: Member[], what: string): Promise<void> {
  const ok = () => {
    const all = members.flatMap((m) => [...m.owned]);
    return all.length === PARTITIONS && new Set(all).size === PARTITIONS && members.every((m) => m.owned.size > 0);
  };
  await until(ok, 90_000, () => `${what}: ${describeOwnership(members)}`);
  const before = members.map((m) => m.processed());
  await until(() => members.every((m, i) => m.processed() > before[i]!), 60_000, () => `${what}: every member to process messages after settling`);
}

describe.each<Protocol>(['eager-range', 'eager-roundrobin', 'cooperative-sticky', 'kip848'])('rebalances with waiting hooks (%s)', (protocol) => {
  const reason = skipReason[protocol];
  it.skipIf(reason !== undefined)(
    `members join and leave while messages flow: each offset processed and committed exactly once${reason ? ` (skipped: ${reason})` : ''}`,
    async () => {
      const topic = await cluster.topic(`rebal-${protocol}`, PARTITIONS);
      const group = unique(`rebal-${protocol}`);
      const ledger: Ledger = { topic, processed: new Map(), committed: new Map(), violations: [] };
      const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 2 });
      const produced = new Array<number>(PARTITIONS).fill(0);
      let producing = true;
      const production = (async () => {
        for (let i = 0; producing; i++) {
          await producer.sendBatch(produced.map((_, partition) => ({ topic, partition, value: `m${i}` })));
          for (let p = 0; p < PARTITIONS; p++) produced[p]!++;
          await new Promise((r) => setTimeout(r, 10));
        }
      })();

      const members: Member[] = [];
      try {
        const a = member(protocol, group, 'A', ledger);
        members.push(a);
        await a.consumer.subscribe([topic]);
        await settled([a], 'A alone');

        const b = member(protocol, group, 'B', ledger);
        members.push(b);
        await b.consumer.subscribe([topic]);
        await settled([a, b], 'B joined');

        const c = member(protocol, group, 'C', ledger);
        members.push(c);
        await c.consumer.subscribe([topic]);
        await settled([a, b, c], 'C joined');

        await a.leave();
        await settled([b, c], 'A left');

        producing = false;
        await production;
        const total = produced.reduce((x, y) => x + y, 0);
        await until(() => ledger.processed.size === total, 60_000, () => `all ${total} messages processed (${ledger.processed.size} so far; ${describeOwnership([b, c])})`);
        await b.leave();
        await c.leave();

        expect(ledger.violations).toEqual([]);
        for (const m of members) {
          // Every hook ran to its end; none was given up on (a TIMED_OUT error would say so).
          expect(m.hooks.finished, `${m.name}'s hooks`).toBe(m.hooks.started);
          expect(m.hooks.assigns, `${m.name}'s assigns`).toBeGreaterThanOrEqual(1);
          expect(m.hooks.revokes, `${m.name}'s revokes`).toBeGreaterThanOrEqual(1);
          // A refused commit is also reported as an `error` event: only those may appear.
          const unexpected = m.errors.filter((e) => !(/commit failed/.test(e.message) && REFUSED_DURING_REBALANCE.has(e.codeName)));
          expect(unexpected.map((e) => `${m.name}: ${e.codeName} ${e.message}`)).toEqual([]);
          expect(m.refusedCommits.filter((c) => !REFUSED_DURING_REBALANCE.has(c)), `${m.name}'s refused commits`).toEqual([]);
        }
        // Each offset of each partition: processed once, covered by one commit.
        const twice = (map: Map<string, number>) => [...map].filter(([, n]) => n !== 1).map(([k, n]) => `${k}×${n}`);
        const missing = (map: Map<string, number>) =>
          produced.flatMap((n, p) => Array.from({ length: n }, (_, o) => `${p}:${o}`)).filter((k) => !map.has(k));
        expect(missing(ledger.processed)).toEqual([]);
        expect(twice(ledger.processed)).toEqual([]);
        expect(missing(ledger.committed)).toEqual([]);
        expect(twice(ledger.committed)).toEqual([]);
        expect(ledger.committed.size).toBe(total);

        // What the group coordinator kept agrees: each partition committed up to its end.
        const check = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group });
        try {
          const parts: TopicPartition[] = produced.map((_, partition) => ({ topic, partition }));
          const stored = await check.committed(parts);
          expect(stored.map((s) => [s.partition, s.offset])).toEqual(produced.map((n, p) => [p, BigInt(n)]));
        } finally {
          await check.close();
        }
      } finally {
        producing = false;
        await production.catch(() => undefined);
        for (const m of members) await m.consumer.close().catch(() => undefined);
        await producer.close();
      }
    },
    240_000,
  );
});

/**
 * The application holds a batch (the iterator, or run()'s eachMessage, paused in the middle
 * of one) when a rebalance takes one of its partitions: the rest of that batch must not hand
 * out messages of the revoked partition either (found by the test above: a loop awaiting a
 * commit mid-batch was handed a message of a partition revoked meanwhile).
 */
// Independent topics and groups: side by side (a classic rebalance on the mock takes ~20 s).
describe.concurrent.each<{ protocol: Protocol; style: 'iterator' | 'run' }>([
  { protocol: 'cooperative-sticky', style: 'iterator' },
  { protocol: 'cooperative-sticky', style: 'run' },
  { protocol: 'kip848', style: 'iterator' },
  { protocol: 'kip848', style: 'run' },
])('a batch in hand when its partition is revoked ($protocol, $style)', ({ protocol, style }) => {
  // Independent groups and topics: run side by side (classic rebalances on the mock take ~20 s each).
  // Classic cooperative-sticky needs no commit here, so it runs on the mock too.
  const reason = protocol === 'kip848' ? kip848Reason : undefined;
  it.skipIf(reason !== undefined)(`hands out nothing more of the revoked partition${reason ? ` (skipped: ${reason})` : ''}`, async () => {
    const topic = await cluster.topic(`inhand-${protocol}`, 2);
    const group = unique(`inhand-${protocol}`);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 50 });
    const values = Array.from({ length: 3000 }, (_, i) => `m${i}`);

    const owned = new Set<number>();
    let revokedAt = 0;
    const config = { ...groupConfig(protocol, group), 'enable.auto.commit': true };
    const a = new KafkaConsumer(config, {
      onAssign: (ps) => {
        for (const p of ps) owned.add(p.partition);
      },
      onRevoke: async (ps) => {
        await new Promise((r) => setTimeout(r, 100));
        for (const p of ps) owned.delete(p.partition);
        revokedAt = Date.now();
      },
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const violations: string[] = [];
    let afterRevoke = 0;
    let first = true;
    const handle = async (m: { partition: number; offset: bigint }) => {
      // Checked when the message is handed out: the one in hand while the revoke ran is the application's.
      if (!owned.has(m.partition)) violations.push(`${m.partition}:${m.offset} owning [${[...owned]}]`);
      if (revokedAt) afterRevoke++;
      if (first) {
        first = false;
        await gate; // paused in the middle of the batch in hand until B took a partition
      }
    };
    await a.subscribe([topic]);
    // Written once A reads both partitions, in one produce request, so that (most likely) one
    // fetch brings both partitions' messages and the batch A takes holds both, whichever of
    // them is revoked.
    await until(() => owned.size === 2, 30_000, () => 'A to own both partitions');
    await producer.sendBatch(values.flatMap((value) => [0, 1].map((partition) => ({ topic, partition, value }))));
    await producer.close();
    await until(() => a.bufferedCount > 0, 30_000, () => 'A to fetch');
    const loop =
      style === 'iterator'
        ? (async () => {
            for await (const m of a) await handle(m);
          })()
        : a.run({ eachMessage: handle });
    await until(() => !first, 30_000, () => 'A to receive its first message');
    const b = new KafkaConsumer(groupConfig(protocol, group));
    // Auto-commits racing the classic rebalance may be refused: not what this test is about.
    const groupErrors: string[] = [];
    for (const c of [a, b]) c.on('error', (e) => groupErrors.push(e.codeName));
    try {
      await b.subscribe([topic]);
      await until(() => revokedAt > 0 && owned.size === 1, 60_000, () => `A to give a partition to B (A owns [${[...owned]}])`);
      release();
      // A goes on with the partition it kept: its loop was not stopped, only filtered.
      await until(() => afterRevoke > 0, 30_000, () => 'A to process messages of the partition it kept');
      expect(violations).toEqual([]);
      expect(groupErrors.filter((c) => !REFUSED_DURING_REBALANCE.has(c))).toEqual([]);
    } finally {
      release();
      await b.close();
      await a.close();
      await loop;
    }
  });
});

// The other side of the gate: where the broker lacks KIP-848, a consumer that asks for it must
// hear so (librdkafka alone only retried, logging at debug level: no assignment, no error).
describe.skipIf(!realCluster || !kip848Reason)(
  realCluster && kip848Reason
    ? 'group.protocol=consumer on a broker without KIP-848'
    : `group.protocol=consumer on a broker without KIP-848 — skipped: needs a real broker that lacks it (${realCluster ? 'this one has ConsumerGroupHeartbeat v1' : 'the mock has KIP-848'})`,
  () => {
    it('the consumer gets one typed UNSUPPORTED_FEATURE error event saying to use the classic protocol', async () => {
      const topic = await cluster.topic('kip848-unsupported', 1);
      const consumer = new KafkaConsumer(groupConfig('kip848', unique('kip848-unsupported')));
      const errors: KafkaError[] = [];
      consumer.on('error', (e) => void errors.push(e));
      const started = Date.now();
      try {
        await consumer.subscribe([topic]);
        while (errors.length === 0 && Date.now() - started < 15_000) await consumer.consume({ timeoutMs: 200 });
        expect(errors.map((e) => e.codeName)).toEqual(['_UNSUPPORTED_FEATURE']);
        expect(errors[0]!.message).toMatch(/KIP-848.*group\.protocol=classic/);
        const ms = Date.now() - started;
        // More heartbeat attempts follow: still one event.
        await new Promise((r) => setTimeout(r, 3000));
        expect(errors).toHaveLength(1);
        console.log(`KIP-848 unsupported: error event after ${ms} ms`);
      } finally {
        await consumer.close();
      }
    }, 30_000);
  },
);
