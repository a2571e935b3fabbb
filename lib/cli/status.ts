/** `octokafka status`: brokers, topics, consumer groups with their lag, and the client's statistics. */
import { Command } from 'commander';

import type { KafkaAdmin } from '../admin/admin';
import type { ListedOffset, TopicDescription } from '../admin/admin-types';
import type { TopicPartition } from '../core/message';
import { isMockCluster, withContext, type CliContext } from './context';
import { jsonWithBigInts, table } from './format';
import { collect, positiveInt, withConnectionOptions, type ConnectionOptions } from './options';

interface StatusOptions extends ConnectionOptions {
  topic?: string[];
  group?: string[];
  all?: boolean;
  json?: boolean;
  timeout: number;
}

interface PartitionStatus {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  low: bigint | null;
  high: bigint | null;
  error?: string;
}

interface GroupPartition {
  topic: string;
  partition: number;
  /** null: nothing committed in this partition (of a topic the group committed in). */
  committed: bigint | null;
  high: bigint | null;
  lag: bigint | null;
}

interface GroupStatus {
  groupId: string;
  state: string;
  members: number | null;
  /** The sum of the partitions' lags that are known (those with a committed offset). */
  lag: bigint;
  partitions: GroupPartition[];
  error?: string;
}

/** Everything `status` reports (its `--json` output). */
export interface StatusReport {
  bootstrapServers: string;
  embedded: boolean;
  clusterId: string | null;
  controllerId: number;
  brokers: Array<{ id: number; host: string; port: number; controller: boolean }>;
  topics: Array<{ topic: string; partitions: PartitionStatus[] }>;
  groups: GroupStatus[];
  /** Why groups are missing, when they are. */
  groupsNote?: string;
  client: ClientStats | null;
}

/** A summary of librdkafka's statistics of the admin client `status` used. */
export interface ClientStats {
  name: string;
  type: string;
  requestsSent: number;
  responsesReceived: number;
  bytesSent: number;
  bytesReceived: number;
  brokers: Array<{ name: string; state: string; rttAvgMs: number | null; connects: number; disconnects: number }>;
}

const key = (t: string, p: number): string => `${p}:${t}`;

/** The `status` command. */
export function statusCommand(): Command {
  return withConnectionOptions(
    new Command('status')
      .description("show the cluster's brokers, topics (partitions, leaders, offsets), consumer groups with their lag, and the client's statistics")
      .option('-t, --topic <name>', 'only this topic (repeatable)', collect)
      .option('-g, --group <id>', 'this consumer group (repeatable; needed on a mock cluster, which cannot list groups)', collect)
      .option('-a, --all', 'include internal topics (names starting with "__")')
      .option('--json', 'print JSON (offsets as exact numbers)')
      .option('--timeout <ms>', 'how long to wait for the cluster', positiveInt, 10_000)
      .action(async (options: StatusOptions) => {
        process.exitCode = await withContext(options, async (ctx) => {
          const report = await status(ctx, options);
          process.stdout.write(options.json ? `${jsonWithBigInts(report, 2)}\n` : render(report));
        });
      }),
  );
}

async function watermarks(admin: KafkaAdmin, partitions: TopicPartition[], timeoutMs: number): Promise<Map<string, { low: bigint | null; high: bigint | null }>> {
  const out = new Map<string, { low: bigint | null; high: bigint | null }>();
  if (partitions.length === 0) return out;
  const look = (spec: 'earliest' | 'latest'): Promise<Array<ListedOffset | null>> =>
    admin.listOffsets(partitions.map((p) => ({ ...p, spec })), { timeoutMs }).catch(async () =>
      // Some partition failed (no leader, say): ask one by one to keep the others.
      Promise.all(partitions.map((p) => admin.listOffsets([{ ...p, spec }], { timeoutMs }).then((r) => r[0] ?? null, () => null))),
    );
  const [low, high] = await Promise.all([look('earliest'), look('latest')]);
  partitions.forEach((p, i) => out.set(key(p.topic, p.partition), { low: low[i]?.offset ?? null, high: high[i]?.offset ?? null }));
  return out;
}

async function status(ctx: CliContext, options: StatusOptions): Promise<StatusReport> {
  const timeoutMs = options.timeout;
  // Statistics every 200 ms: the report waits for one to summarise the client itself.
  const admin = await ctx.admin(timeoutMs, { 'statistics.interval.ms': 200 });
  let stats: Record<string, unknown> | undefined;
  admin.on('stats', (s) => (stats = s));
  const cluster = await ctx.reach(timeoutMs);
  const connection = await ctx.connection('admin');
  const isMock = isMockCluster(cluster);

  const described: TopicDescription[] = await admin.describeTopics(options.topic && options.topic.length > 0 ? options.topic : undefined, { timeoutMs, includeInternal: Boolean(options.all) });
  const partitions = described.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition })));
  const marks = await watermarks(admin, partitions, timeoutMs);
  const topics = described.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p) => ({
      partition: p.partition,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
      low: marks.get(key(t.topic, p.partition))?.low ?? null,
      high: marks.get(key(t.topic, p.partition))?.high ?? null,
      ...(p.error ? { error: p.error.message } : {}),
    })),
  }));

  // Groups: listed by the cluster, or the ones named (the mock cannot list or describe them).
  let groupsNote: string | undefined;
  const states = new Map<string, { state: string; members: number | null }>();
  let names = options.group ?? [];
  if (isMock) {
    if (names.length === 0) groupsNote = 'the mock cluster cannot list consumer groups: name them with --group';
  } else {
    try {
      if (names.length === 0) {
        const list = await admin.listConsumerGroups({ timeoutMs });
        names = list.groups.map((g) => g.groupId);
        for (const g of list.groups) states.set(g.groupId, { state: g.state, members: null });
        if (list.errors.length > 0) groupsNote = `some brokers did not answer, the list may be incomplete: ${list.errors[0]!.message}`;
      }
      if (names.length > 0) {
        for (const g of await admin.describeConsumerGroups(names, { timeoutMs })) states.set(g.groupId, { state: g.state, members: g.members.length });
      }
    } catch (e) {
      groupsNote = `consumer groups: ${(e as Error).message}`;
    }
  }
  const groups: GroupStatus[] = [];
  for (const groupId of names) {
    const known = states.get(groupId) ?? { state: isMock ? 'unknown (mock cluster)' : 'unknown', members: null };
    try {
      const committed = (await admin.listConsumerGroupOffsets(groupId, undefined, { timeoutMs })).filter((o) => o.offset >= 0n);
      // Every partition of the topics the group committed in: one it never committed in
      // shows as such rather than being left out.
      const topicsOfGroup = [...new Set(committed.map((o) => o.topic))].sort();
      const topicInfo = new Map(described.map((t) => [t.topic, t]));
      const unknownTopics = topicsOfGroup.filter((t) => !topicInfo.has(t));
      if (unknownTopics.length > 0) for (const t of await admin.describeTopics(unknownTopics, { timeoutMs, includeInternal: true })) topicInfo.set(t.topic, t);
      const all = topicsOfGroup.flatMap((t) => (topicInfo.get(t)?.partitions ?? []).map((p) => ({ topic: t, partition: p.partition })));
      for (const [k, v] of await watermarks(admin, all.filter((p) => !marks.has(key(p.topic, p.partition))), timeoutMs)) marks.set(k, v);
      const offsets = new Map(committed.map((o) => [key(o.topic, o.partition), o.offset]));
      let total = 0n;
      const rows = all.map((p) => {
        const high = marks.get(key(p.topic, p.partition))?.high ?? null;
        const offset = offsets.get(key(p.topic, p.partition)) ?? null;
        const lag = high === null || offset === null ? null : high > offset ? high - offset : 0n;
        total += lag ?? 0n;
        return { topic: p.topic, partition: p.partition, committed: offset, high, lag };
      });
      groups.push({ groupId, state: known.state, members: known.members, lag: total, partitions: rows });
    } catch (e) {
      groups.push({ groupId, state: known.state, members: known.members, lag: 0n, partitions: [], error: (e as Error).message });
    }
  }

  // The first statistics come within 200 ms of the client's start; wait a little for them.
  const deadline = Date.now() + 2_000;
  while (stats === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

  return {
    bootstrapServers: connection.bootstrapServers,
    embedded: ctx.embedded,
    clusterId: cluster.clusterId,
    controllerId: cluster.controllerId,
    brokers: cluster.brokers.map((b) => ({ ...b, controller: b.id === cluster.controllerId })),
    topics,
    groups,
    ...(groupsNote === undefined ? {} : { groupsNote }),
    client: stats === undefined ? null : summarize(stats),
  };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** The figures of librdkafka's statistics JSON that say how the client is doing. */
export function summarize(stats: Record<string, unknown>): ClientStats {
  const brokers = Object.values((stats.brokers ?? {}) as Record<string, Record<string, unknown>>)
    // librdkafka lists its internal pseudo-brokers (":0/internal", the bootstrap ones) too.
    .filter((b) => num(b.nodeid) >= 0 && b.source !== 'internal')
    .map((b) => {
      const rtt = b.rtt as { avg?: number; cnt?: number } | undefined;
      return {
        name: String(b.name),
        state: String(b.state),
        rttAvgMs: rtt && num(rtt.cnt) > 0 ? num(rtt.avg) / 1000 : null,
        connects: num(b.connects),
        disconnects: num(b.disconnects),
      };
    });
  return {
    name: String(stats.name),
    type: String(stats.type),
    requestsSent: num(stats.tx),
    responsesReceived: num(stats.rx),
    bytesSent: num(stats.tx_bytes),
    bytesReceived: num(stats.rx_bytes),
    brokers,
  };
}

const str = (v: bigint | null): string => (v === null ? '-' : v.toString());

function render(r: StatusReport): string {
  const out: string[] = [];
  out.push(`cluster ${r.clusterId ?? '(no id)'} at ${r.bootstrapServers}${r.embedded ? ' (embedded)' : ''}`);
  out.push('', 'brokers');
  out.push(table([['ID', 'HOST', 'PORT', 'ROLE'], ...r.brokers.map((b) => [String(b.id), b.host, String(b.port), b.controller ? 'controller' : ''])], '  '));
  out.push('', `topics (${r.topics.length})`);
  for (const t of r.topics) {
    out.push(`  ${t.topic}  ${t.partitions.length} partition${t.partitions.length === 1 ? '' : 's'}`);
    out.push(
      table(
        [
          ['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'LOW', 'HIGH'],
          ...t.partitions.map((p) => [String(p.partition), String(p.leader), p.replicas.join(','), p.isr.join(','), str(p.low), `${str(p.high)}${p.error ? `  (${p.error})` : ''}`]),
        ],
        '    ',
      ),
    );
  }
  out.push('', `consumer groups (${r.groups.length})`);
  if (r.groupsNote) out.push(`  ${r.groupsNote}`);
  for (const g of r.groups) {
    out.push(`  ${g.groupId}  state ${g.state}${g.members === null ? '' : `  members ${g.members}`}  lag ${g.lag}${g.error ? `  (${g.error})` : ''}`);
    if (g.partitions.length === 0 && !g.error) out.push('    no committed offsets');
    else if (g.partitions.length > 0) {
      out.push(table([['TOPIC', 'PARTITION', 'COMMITTED', 'HIGH', 'LAG'], ...g.partitions.map((p) => [p.topic, String(p.partition), str(p.committed), str(p.high), str(p.lag)])], '    '));
    }
  }
  out.push('', 'client');
  if (r.client === null) out.push('  no statistics received');
  else {
    const c = r.client;
    out.push(`  admin client ${c.name}: ${c.requestsSent} requests sent, ${c.responsesReceived} responses, ${c.bytesSent} bytes out, ${c.bytesReceived} bytes in`);
    for (const b of c.brokers) {
      out.push(`    ${b.name}: ${b.state}, rtt avg ${b.rttAvgMs === null ? '-' : `${b.rttAvgMs.toFixed(2)} ms`}, ${b.connects} connect${b.connects === 1 ? '' : 's'}, ${b.disconnects} disconnect${b.disconnects === 1 ? '' : 's'}`);
    }
  }
  return `${out.join('\n')}\n`;
}
