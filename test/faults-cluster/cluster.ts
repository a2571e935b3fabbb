/**
 * Plumbing of the three-node fault suite (issue 20): the cluster that scripts/kafka-cluster.sh
 * started (named by OCTOKAFKA_CLUSTER_* variables; without them every test skips), its nodes'
 * faults, waiting for the replicas to be back in sync, a paced producer that records every
 * outcome, and one figures line per scenario.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { afterAll, afterEach, beforeAll } from 'vitest';

import { KafkaAdmin, KafkaConsumer, KafkaError, KafkaProducer, type DeliveryReport } from '../../lib/index';
import { check, idOf, readAll, type Acked, type Figures } from '../fault-helpers';
import { unique } from '../helpers';

const run = promisify(execFile);

export const bootstrapServers = process.env.OCTOKAFKA_CLUSTER_BOOTSTRAP_SERVERS ?? '';
export const haveCluster = bootstrapServers !== '' && Boolean(process.env.OCTOKAFKA_CLUSTER_SCRIPT);
/** The reason every test of the suite gives when it skips. */
export const SKIP_REASON = 'needs the three-node cluster: npm run test:faults, or eval "$(scripts/kafka-cluster.sh start)"';
export const brokerVersion = process.env.OCTOKAFKA_KAFKA_VERSION ?? 'unknown';
export const NODES = [1, 2, 3] as const;

/** Runs a command of scripts/kafka-cluster.sh (kill N, stop-node N, …) on this suite's cluster. */
export async function cluster(command: string, node?: number): Promise<string> {
  const args = [process.env.OCTOKAFKA_CLUSTER_SCRIPT!, command, ...(node === undefined ? [] : [String(node)])];
  const { stdout } = await run('bash', args, { env: process.env, timeout: 180_000 });
  return stdout.trim();
}

/** Whether node n's JVM runs. */
export async function nodeRuns(n: number): Promise<boolean> {
  return cluster('pid', n).then(
    () => true,
    () => false,
  );
}

/**
 * Puts every node back (thawed, linked, running) and waits until every partition of the
 * cluster has its three replicas in sync: each test starts from, and leaves, a whole cluster.
 */
export async function restoreCluster(admin: KafkaAdmin): Promise<void> {
  for (const n of NODES) {
    await cluster('heal', n).catch(() => undefined);
    if (await nodeRuns(n)) await cluster('thaw', n);
    else await cluster('start-node', n);
  }
  await waitInSync(admin);
}

/** Waits until every partition (internal topics included) has a leader and all its replicas in sync. */
export async function waitInSync(admin: KafkaAdmin, timeoutMs = 90_000): Promise<number> {
  const started = Date.now();
  let last = '';
  for (;;) {
    try {
      const topics = await admin.describeTopics(undefined, { includeInternal: true, timeoutMs: 5000 });
      const behind = topics.flatMap((t) => t.partitions.filter((p) => p.leader < 0 || p.isr.length < p.replicas.length).map((p) => `${t.topic}/${p.partition} isr=[${p.isr}]`));
      if (behind.length === 0) return Date.now() - started;
      last = `${behind.length} partitions behind, e.g. ${behind.slice(0, 3).join(', ')}`;
    } catch (e) {
      last = String(e);
    }
    if (Date.now() - started > timeoutMs) throw new Error(`replicas not back in sync after ${timeoutMs} ms: ${last}`);
    await sleep(250);
  }
}

export async function createTopic(admin: KafkaAdmin, prefix: string, partitions: number): Promise<string> {
  const topic = unique(prefix);
  await admin.createTopics([{ topic, numPartitions: partitions, replicationFactor: 3 }]);
  await waitInSync(admin);
  return topic;
}

/** The leader of a partition (-1 when it has none). */
export async function leaderOf(admin: KafkaAdmin, topic: string, partition: number): Promise<number> {
  const [t] = await admin.describeTopics([topic], { includeInternal: true });
  return t!.partitions.find((p) => p.partition === partition)!.leader;
}

/** Java's String.hashCode, which Kafka uses to place a group or a transactional id. */
function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The node leading the partition of an internal topic (`__consumer_offsets`,
 * `__transaction_state`) that holds a key: that key's coordinator. On a fresh cluster the
 * topic does not exist until a group or a transactional producer first needs it: it is made
 * to exist (as a client would), then read once it has its leaders.
 */
export async function coordinatorOf(admin: KafkaAdmin, internalTopic: '__consumer_offsets' | '__transaction_state', key: string): Promise<number> {
  let created = false;
  const started = Date.now();
  for (;;) {
    try {
      const [t] = await admin.describeTopics([internalTopic], { includeInternal: true });
      const leader = t!.partitions[(javaHash(key) & 0x7fffffff) % t!.partitions.length]!.leader;
      if (leader >= 0) return leader;
    } catch (e) {
      if (!(e instanceof Error) || !/Unknown topic/i.test(e.message)) throw e;
      if (!created) {
        created = true;
        await createInternalTopic(admin, internalTopic);
      }
    }
    if (Date.now() - started > 60_000) throw new Error(`${internalTopic} has no leader for ${key} after 60 s`);
    await sleep(500);
  }
}

/** Has the cluster create an internal topic the way clients make it do so. */
async function createInternalTopic(admin: KafkaAdmin, internalTopic: '__consumer_offsets' | '__transaction_state'): Promise<void> {
  if (internalTopic === '__transaction_state') {
    const producer = new KafkaProducer({ 'bootstrap.servers': bootstrapServers, 'transactional.id': unique('cf-init-tx') });
    try {
      await producer.initTransactions({ timeoutMs: 60_000 });
    } finally {
      await producer.close();
    }
  } else {
    // Looking up a group's coordinator makes the broker create the offsets topic.
    await admin.listConsumerGroupOffsets(unique('cf-init-group')).catch(() => undefined);
  }
}

/** The active KRaft controller (the quorum's leader), as Kafka's metadata-quorum tool reports it. */
export async function activeController(): Promise<number> {
  return Number(await cluster('controller'));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Everything a paced producer saw: acknowledgements with their time, errors the application got. */
export interface Outcomes {
  sent: number;
  acked: Acked[];
  /** performance.now() of each acknowledgement, in arrival order. */
  ackTimes: number[];
  failed: Array<{ id: number; error: KafkaError }>;
}

/**
 * Sends `m<i>` to partition i % partitions, `perTick` messages every `tickMs`, until `stop()`
 * (or `count` messages); `done` resolves once every send settled.
 */
export function pacedProducer(
  producer: KafkaProducer,
  topic: string,
  partitions: number,
  options: { perTick?: number; tickMs?: number; count?: number } = {},
): { outcomes: Outcomes; stop: () => void; done: Promise<Outcomes> } {
  const perTick = options.perTick ?? 10;
  const tickMs = options.tickMs ?? 10;
  const outcomes: Outcomes = { sent: 0, acked: [], ackTimes: [], failed: [] };
  let stopped = false;
  const sends: Array<Promise<void>> = [];
  const done = (async () => {
    while (!stopped && (options.count === undefined || outcomes.sent < options.count)) {
      for (let k = 0; k < perTick && (options.count === undefined || outcomes.sent < options.count); k++) {
        const id = outcomes.sent++;
        sends.push(
          producer.send({ topic, partition: id % partitions, value: `m${id}` }).then(
            (r: DeliveryReport) => {
              outcomes.acked.push({ id, partition: r.partition });
              outcomes.ackTimes.push(performance.now());
            },
            (error: KafkaError) => void outcomes.failed.push({ id, error }),
          ),
        );
      }
      await sleep(tickMs);
    }
    await Promise.all(sends);
    return outcomes;
  })();
  return { outcomes, stop: () => void (stopped = true), done };
}

/** The longest time without an acknowledgement after `from` (performance.now()): how long until throughput resumed. */
export function longestStall(ackTimes: readonly number[], from: number): number {
  let gap = 0;
  let prev = from;
  for (const t of [...ackTimes].sort((a, b) => a - b)) {
    if (t < from) continue;
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return Math.round(gap);
}

/** Waits until `cond()` holds, polling; rejects naming `what` after `timeoutMs`. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** The scenario's figures as one line (a row of docs/reliability.md). */
export function printClusterFigures(scenario: string, f: Figures & { failed: number; recoveryMs: number }, extra = ''): void {
  console.log(
    `cluster-fault[${scenario}]: messages=${f.sent} acked=${f.acked} failed=${f.failed} consumed=${f.found} lost=${f.lost} duplicated=${f.duplicates}` +
      ` outOfOrder=${f.outOfOrder} recoveryMs=${f.recoveryMs} kafka=${brokerVersion}${extra ? ` ${extra}` : ''}`,
  );
}

export { check };


/**
 * A group member that reads a topic until stopped and counts every copy of every id it got
 * (the application's view: at-least-once allows copies after a rebalance or a failed commit).
 */
export function groupReader(
  topic: string,
  group: string,
  config: Record<string, string | number | boolean> = {},
): { copies: Map<number, number>; errors: KafkaError[]; stop: () => void; done: Promise<void>; consumer: KafkaConsumer } {
  const consumer = new KafkaConsumer({
    'bootstrap.servers': bootstrapServers,
    'group.id': group,
    'auto.offset.reset': 'earliest',
    'session.timeout.ms': 6000,
    'heartbeat.interval.ms': 500,
    ...config,
  });
  const copies = new Map<number, number>();
  const errors: KafkaError[] = [];
  consumer.on('error', (e) => void errors.push(e));
  let stopped = false;
  const done = (async () => {
    await consumer.subscribe([topic]);
    while (!stopped) {
      for (const m of await consumer.consumeBatch(1000, { timeoutMs: 200 })) {
        const id = idOf(m.value);
        copies.set(id, (copies.get(id) ?? 0) + 1);
      }
    }
    await consumer.close();
  })();
  return { copies, errors, stop: () => void (stopped = true), done, consumer };
}

/** Of the acknowledged ids: how many a reader never got, and how many extra copies it got. */
export function groupFigures(acked: readonly Acked[], copies: ReadonlyMap<number, number>): { missing: number; extra: number; consumed: number } {
  let extra = 0;
  let consumed = 0;
  for (const n of copies.values()) {
    extra += n - 1;
    consumed += n;
  }
  return { missing: acked.filter((a) => !copies.has(a.id)).length, extra, consumed };
}

/** What {@link faultUnderLoad} measured. */
export interface ScenarioResult {
  outcomes: Outcomes;
  figures: Figures;
  group: { missing: number; extra: number; consumed: number };
  recoveryMs: number;
  note: string;
}

/**
 * The common shape of a scenario: an idempotent acks=all producer sends continuously to a new
 * topic (RF 3) and a consumer group reads it; once 500 messages are acknowledged `fault(topic)`
 * runs (it injects the fault and undoes it, returning a note for the figures line); then 500 more
 * must be acknowledged, the load stops, the group must catch up, and an independent reader reads
 * the whole topic back. Prints the figures line; the caller asserts.
 */
export async function faultUnderLoad(
  admin: KafkaAdmin,
  scenario: string,
  fault: (topic: string) => Promise<string>,
  options: { partitions?: number; producerConfig?: Record<string, string | number | boolean> } = {},
): Promise<ScenarioResult> {
  const partitions = options.partitions ?? 3;
  const topic = await createTopic(admin, `cf-${scenario}`, partitions);
  const producer = new KafkaProducer({ 'bootstrap.servers': bootstrapServers, 'enable.idempotence': true, acks: 'all', 'linger.ms': 5, ...options.producerConfig });
  producer.on('error', () => undefined);
  const reader = groupReader(topic, unique(`cf-${scenario}-group`));
  const load = pacedProducer(producer, topic, partitions, { perTick: 5, tickMs: 10 });
  let note = '';
  let faultAt = 0;
  try {
    await until('500 acknowledged', () => load.outcomes.acked.length >= 500, 30_000);
    faultAt = performance.now();
    note = await fault(topic);
    const after = load.outcomes.acked.length;
    await until('500 more acknowledged after the fault', () => load.outcomes.acked.length >= after + 500, 120_000);
  } finally {
    load.stop();
  }
  const outcomes = await load.done;
  await producer.close();
  await until('the group consumed every acknowledged message', () => outcomes.acked.every((a) => reader.copies.has(a.id)), 60_000).catch(() => undefined);
  reader.stop();
  await reader.done;
  const recoveryMs = longestStall(outcomes.ackTimes, faultAt);
  const figures = check(outcomes.sent, outcomes.acked, await readAll(bootstrapServers, topic, partitions));
  const group = groupFigures(outcomes.acked, reader.copies);
  printClusterFigures(
    scenario,
    { ...figures, failed: outcomes.failed.length, recoveryMs },
    `group: consumed=${group.consumed} missing=${group.missing} atLeastOnceCopies=${group.extra}${note ? `; ${note}` : ''}`,
  );
  return { outcomes, figures, group, recoveryMs, note };
}

/**
 * Registers the suite's hooks: an admin client, and after each test every node put back and in
 * sync (so that a failed scenario leaves no node stopped, frozen or cut). Returns the admin.
 */
export function clusterHooks(): { admin: () => KafkaAdmin } {
  let admin: KafkaAdmin | undefined;
  beforeAll(() => {
    if (haveCluster) admin = new KafkaAdmin({ 'bootstrap.servers': bootstrapServers });
  });
  afterEach(async () => {
    if (admin) await restoreCluster(admin);
  }, 180_000);
  afterAll(async () => {
    await admin?.close();
  });
  return { admin: () => admin! };
}
