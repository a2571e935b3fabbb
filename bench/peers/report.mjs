// What the peer benchmark runs (SCENARIOS) and how its runs become the report's rows.

/** path: 'batch' (a call takes many messages) or 'message' (a call or callback per message). */
export const SCENARIOS = [
  // produce
  { client: 'octokafka', mode: 'batch', kind: 'produce', path: 'batch', label: 'octokafka `sendBatch` (10k per call), report objects' },
  { client: 'octokafka', mode: 'batch-columns', growth: true, kind: 'produce', path: 'batch', label: "octokafka `sendBatch`, `reports: 'columns'`" },
  { client: 'octokafka', mode: 'send', kind: 'produce', path: 'message', label: 'octokafka `send()`, a promise each' },
  { client: 'octokafka', mode: 'produce', kind: 'produce', path: 'message', label: 'octokafka `produce()` + callback' },
  { client: 'octokafka-kafkajs', mode: 'batch', growth: true, kind: 'produce', path: 'batch', label: 'octokafka/kafkajs `send()` of 1,000' },
  { client: 'octokafka-kafkajs', mode: 'send', kind: 'produce', path: 'message', label: 'octokafka/kafkajs `send()` of 1' },
  { client: 'kafkajs', mode: 'batch', growth: true, kind: 'produce', path: 'batch', label: 'KafkaJS `send()` of 1,000' },
  { client: 'confluent-kafkajs', mode: 'batch', kind: 'produce', path: 'batch', label: 'Confluent KafkaJS API `send()` of 1,000' },
  { client: 'confluent-kafkajs', mode: 'send', kind: 'produce', path: 'message', label: 'Confluent KafkaJS API `send()` of 1' },
  { client: 'confluent', mode: 'produce', kind: 'produce', path: 'message', label: 'Confluent callback API `produce()`' },
  { client: 'node-rdkafka', mode: 'produce', growth: true, kind: 'produce', path: 'message', label: 'node-rdkafka `produce()`' },
  { client: 'platformatic', mode: 'batch', growth: true, kind: 'produce', path: 'batch', label: '@platformatic/kafka `send()` of 1,000' },
  { client: 'c', mode: 'batch', kind: 'produce', path: 'batch', label: 'C program `rd_kafka_produce_batch`, same librdkafka (native limit)' },
  // consume
  { client: 'octokafka', mode: 'batches', growth: true, kind: 'consume', path: 'batch', label: 'octokafka `batches()`' },
  { client: 'octokafka', mode: 'iterate', kind: 'consume', path: 'message', label: 'octokafka `for await`' },
  { client: 'octokafka-kafkajs', mode: 'eachBatch', growth: true, kind: 'consume', path: 'batch', label: 'octokafka/kafkajs `eachBatch`' },
  { client: 'octokafka-kafkajs', mode: 'eachMessage', kind: 'consume', path: 'message', label: 'octokafka/kafkajs `eachMessage`' },
  { client: 'kafkajs', mode: 'eachBatch', growth: true, kind: 'consume', path: 'batch', label: 'KafkaJS `eachBatch`' },
  { client: 'kafkajs', mode: 'eachMessage', kind: 'consume', path: 'message', label: 'KafkaJS `eachMessage`' },
  { client: 'confluent-kafkajs', mode: 'eachBatch', kind: 'consume', path: 'batch', label: 'Confluent KafkaJS API `eachBatch`' },
  { client: 'confluent-kafkajs', mode: 'eachMessage', kind: 'consume', path: 'message', label: 'Confluent KafkaJS API `eachMessage`' },
  { client: 'confluent', mode: 'consume', kind: 'consume', path: 'batch', label: 'Confluent callback API `consume(1000)`' },
  { client: 'confluent', mode: 'flowing', kind: 'consume', path: 'message', label: "Confluent callback API `'data'` events" },
  { client: 'node-rdkafka', mode: 'consume', kind: 'consume', path: 'batch', label: 'node-rdkafka `consume(1000)`' },
  { client: 'node-rdkafka', mode: 'flowing', growth: true, kind: 'consume', path: 'message', label: "node-rdkafka `'data'` events" },
  { client: 'platformatic', mode: 'stream', growth: true, kind: 'consume', path: 'message', label: "@platformatic/kafka stream `'data'` events" },
  { client: 'c', mode: 'consume', kind: 'consume', path: 'batch', label: 'C program `rd_kafka_consume_batch_queue` (native limit)' },
  // latency
  { client: 'octokafka', mode: 'latency', kind: 'latency', path: 'message', label: 'octokafka `send()` → `batches()`' },
  { client: 'octokafka-kafkajs', mode: 'latency', kind: 'latency', path: 'message', label: 'octokafka/kafkajs `send()` → `eachBatch`' },
  { client: 'kafkajs', mode: 'latency', kind: 'latency', path: 'message', label: 'KafkaJS `send()` → `eachBatch`' },
  { client: 'confluent-kafkajs', mode: 'latency', kind: 'latency', path: 'message', label: 'Confluent KafkaJS API `send()` → `eachBatch`' },
  { client: 'confluent', mode: 'latency', kind: 'latency', path: 'message', label: "Confluent callback API `produce()` → `'data'`" },
  { client: 'node-rdkafka', mode: 'latency', kind: 'latency', path: 'message', label: "node-rdkafka `produce()` → `'data'`" },
  { client: 'platformatic', mode: 'latency', kind: 'latency', path: 'message', label: "@platformatic/kafka `send()` → `'data'`" },
].map((s) => ({ ...s, id: `${s.client}/${s.mode}` }));

/**
 * The work that grows (`--workloads`), each against `base` (1 partition, no key, no headers,
 * no compression, one client). Only the scenarios marked `growth` run them: each client's
 * batch produce and its fastest consume. `instances` clients run in the one process, the
 * consumers in one group; `keyed` messages carry one of 1,000 keys and two headers;
 * compressed runs send values drawn from 4,096 distinct ones of random hex (half the entropy
 * of random bytes), as identical values would compress to nothing.
 */
export const WORKLOADS = {
  base: { label: '1 partition', partitions: 1 },
  p16: { label: '16 partitions', partitions: 16 },
  p64: { label: '64 partitions', partitions: 64 },
  keyed: { label: '16 partitions, keyed, 2 headers', partitions: 16, keyed: true },
  lz4: { label: '1 partition, lz4', partitions: 1, compression: 'lz4' },
  zstd: { label: '1 partition, zstd', partitions: 1, compression: 'zstd' },
  x50: { label: '50 producers / 50 consumers in one process, 64 partitions', partitions: 64, instances: 50 },
};

/** Why a client cannot run a workload at all (reported as its failure), or null. */
export function unsupported(client, workload) {
  const w = WORKLOADS[workload];
  if (client === 'kafkajs' && w.compression) return `KafkaJS has no ${w.compression} codec built in (it needs a codec package registered by the application)`;
  return null;
}

export const isOcto = (client) => client.startsWith('octokafka');
/** The other Node.js clients (not octokafka, not the C program). */
export const isPeer = (client) => !isOcto(client) && client !== 'c';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One row per scenario and size: medians and ranges over the repetitions that succeeded. */
export function summarize(runs) {
  const rows = [];
  const keyOf = (r) => `${r.size}|${r.workload ?? 'base'}|${r.id}`;
  const keys = [...new Set(runs.map(keyOf))];
  for (const key of keys) {
    const [size, workload, id] = key.split('|');
    const s = SCENARIOS.find((x) => x.id === id);
    const mine = runs.filter((r) => keyOf(r) === key);
    const ok = mine.filter((r) => !r.result.error).map((r) => r.result);
    const errors = mine.filter((r) => r.result.error).map((r) => r.result.error.split('\n')[0]);
    const row = { ...s, size: Number(size), workload, runs: mine.length, ok: ok.length, errors };
    if (ok.length) {
      const timed = (r) => r.timedCount ?? mine[0].count;
      if (s.kind === 'latency') {
        Object.assign(row, { p50: median(ok.map((r) => r.p50)), p99: median(ok.map((r) => r.p99)), received: Math.min(...ok.map((r) => r.received)) });
      } else {
        const rates = ok.map((r) => timed(r) / r.seconds);
        Object.assign(row, { rate: median(rates), rateMin: Math.min(...rates), rateMax: Math.max(...rates) });
        row.mbps = (row.rate * Number(size)) / 1e6;
        row.cpuUsPerMsg = median(ok.map((r) => (r.cpuSeconds * 1e6) / timed(r)));
      }
      row.rssMiB = median(ok.map((r) => r.peakRssKb / 1024));
      // (The C program has no event loop.)
      if (ok[0].eventLoopP99Ms !== undefined) {
        row.eldP99 = median(ok.map((r) => r.eventLoopP99Ms));
        row.eldMax = Math.max(...ok.map((r) => r.eventLoopMaxMs));
      }
    }
    rows.push(row);
  }
  return rows;
}

const fmt = (n, d = 0) => (n === undefined ? '–' : n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
const sizeName = (b) => (b >= 1024 ? `${b / 1024} KiB` : `${b} B`);

/** The fastest non-octokafka row of this size and kind (optionally of one path) among `rows`. */
export function fastestPeer(rows, size, kind, path) {
  return rows.filter((r) => r.size === size && r.kind === kind && isPeer(r.client) && r.rate && (!path || r.path === path)).sort((a, b) => b.rate - a.rate)[0];
}

/** The rows of the base workload (results from before workloads existed have none). */
const baseRows = (rows) => rows.filter((r) => (r.workload ?? 'base') === 'base');

/** How a real broker was warmed up before the first timed run (older results carry no passes). */
function warmUpSentence(meta) {
  // Runs before 2026-12-07 had no warm-up; those of that day warmed up with a fixed 2,000,000.
  if (meta.broker === 'mock' || (meta.warmUp === undefined && meta.started < '2026-12-07')) return '';
  const how = Array.isArray(meta.warmUp)
    ? `passes of 1,000,000 messages were produced to and consumed from a throwaway topic until a pass was no more than 15 % faster than the one before (passes of ${meta.warmUp.map((s) => `${s.toFixed(1)} s`).join(', ')})`
    : '2,000,000 messages were produced to and consumed from a throwaway topic';
  return ` Before the first timed run, ${how}, and each prefill was written back to disk (\`sync\`) before the runs that follow it; the first run of each row may still be slower than later ones, which its range shows.`;
}

export function markdownReport(meta, rows) {
  const lines = [
    `# Peer benchmark — ${meta.broker === 'mock' ? 'MockCluster' : 'a real Kafka broker'}`,
    '',
    `Date: ${meta.started}  `,
    `Machine: ${meta.machine}  `,
    `Node ${meta.node} for every client; octokafka's librdkafka ${meta.librdkafka}  `,
    `Command: \`${meta.command}\``,
    '',
    'Each row: median of the repetitions (range in brackets); every run in its own process, clients alternating. "× peer": the rate over the fastest other client\'s rate for the same kind of work (produce or consume) in the same run, over all of its APIs for batch rows and over its per-message APIs for per-message rows. CPU: all threads of the client\'s process over the timed part, per message. RSS: peak (VmHWM) of the process.' +
      warmUpSentence(meta),
    '',
  ];
  const sections = [...new Set(rows.map((r) => `${r.size}|${r.workload ?? 'base'}`))];
  for (const section of sections) {
    const [size, workload] = [Number(section.split('|')[0]), section.split('|')[1]];
    const inSection = rows.filter((x) => x.size === size && (x.workload ?? 'base') === workload);
    const scale = workload === 'base' && !sections.some((k) => !k.endsWith('|base')) ? '' : `, ${WORKLOADS[workload].label}`;
    lines.push(`## ${sizeName(size)} messages${scale}`, '');
    lines.push('| scenario | path | msgs/s [range] | MB/s | × peer | CPU µs/msg | peak RSS MiB | event-loop p99 / max ms |', '|---|---|--:|--:|--:|--:|--:|--:|');
    for (const r of inSection.filter((x) => x.kind !== 'latency')) {
      if (!r.ok) {
        lines.push(`| ${r.label} | ${r.path} | failed: ${r.errors[0]?.replace(/\|/g, '/').slice(0, 200)} | | | | | |`);
        continue;
      }
      const peer = isOcto(r.client) ? fastestPeer(inSection, size, r.kind, r.path === 'batch' ? undefined : 'message') : null;
      const ratio = peer ? `${(r.rate / peer.rate).toFixed(2)}×` : '';
      const failed = r.errors.length ? ` (${r.errors.length} of ${r.runs} failed: ${r.errors[0].replace(/\|/g, '/').slice(0, 80)})` : '';
      lines.push(`| ${r.label} | ${r.path} | ${fmt(r.rate)} [${fmt(r.rateMin)}–${fmt(r.rateMax)}]${failed} | ${fmt(r.mbps, 1)} | ${ratio} | ${fmt(r.cpuUsPerMsg, 2)} | ${fmt(r.rssMiB)} | ${fmt(r.eldP99, 1)} / ${fmt(r.eldMax)} |`);
    }
    const lat = inSection.filter((x) => x.kind === 'latency');
    if (lat.length) {
      lines.push('', `Latency at ${fmt(meta.opts.rate)} msgs/s for ${meta.opts.latencySeconds} s, produce → consume in one process:`, '');
      lines.push('| client | p50 ms | p99 ms | peak RSS MiB | event-loop p99 ms |', '|---|--:|--:|--:|--:|');
      for (const r of lat) {
        if (!r.ok) lines.push(`| ${r.label} | failed: ${r.errors[0]?.replace(/\|/g, '/').slice(0, 200)} | | | |`);
        else lines.push(`| ${r.label} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.rssMiB)} | ${fmt(r.eldP99, 1)} |`);
      }
    }
    lines.push('');
  }
  // The targets are checked on the full base run (a run of growing workloads has only some of its rows).
  if (rows.every((r) => (r.workload ?? 'base') === 'base')) lines.push('## Targets', '', targetsMarkdown(rows), '');
  return `${lines.join('\n')}\n`;
}

/** The peer targets of the benchmark (docs/benchmark.md), checked against one run's rows. */
export function targets(allRows) {
  const rows = baseRows(allRows);
  const out = [];
  const find = (size, id) => rows.find((r) => r.size === size && r.id === id && r.ok);
  const peerRows = (size, kind, path) => rows.filter((r) => r.size === size && r.kind === kind && r.ok && isPeer(r.client) && (!path || r.path === path));
  const best = (list, key, lowest = false) => list.filter((r) => r[key] !== undefined).sort((a, b) => (lowest ? a[key] - b[key] : b[key] - a[key]))[0];
  const ratio = (a, b) => (a && b ? a / b : undefined);
  const add = (size, target, value, ok, detail) => out.push({ size, target, value, ok, detail });
  for (const size of [...new Set(rows.map((r) => r.size))]) {
    const produce = best([find(size, 'octokafka/batch'), find(size, 'octokafka/batch-columns')].filter(Boolean), 'rate');
    const peerProduce = best(peerRows(size, 'produce'), 'rate');
    if (produce && peerProduce) add(size, 'batch produce ≥ 5× the fastest peer', ratio(produce.rate, peerProduce.rate), produce.rate >= 5 * peerProduce.rate, `${produce.label} vs ${peerProduce.label}`);
    const consume = find(size, 'octokafka/batches');
    const peerConsume = best(peerRows(size, 'consume'), 'rate');
    if (consume && peerConsume) add(size, 'batch consume ≥ 3× the fastest peer', ratio(consume.rate, peerConsume.rate), consume.rate >= 3 * peerConsume.rate, `vs ${peerConsume.label}`);
    // Against the C program linked with the same librdkafka, in the same run.
    const cProduce = find(size, 'c/batch');
    const cConsume = find(size, 'c/consume');
    if (produce && cProduce) {
      add(size, "batch produce ≥ 80 % of the C program's", ratio(produce.rate, cProduce.rate), produce.rate >= 0.8 * cProduce.rate, `${produce.label}: ${Math.round(produce.rate / 1000)} k vs ${Math.round(cProduce.rate / 1000)} k msgs/s`);
      add(size, "produce CPU per message ≤ 1.5× the C program's", ratio(produce.cpuUsPerMsg, cProduce.cpuUsPerMsg), produce.cpuUsPerMsg <= 1.5 * cProduce.cpuUsPerMsg, `${produce.cpuUsPerMsg.toFixed(2)} vs ${cProduce.cpuUsPerMsg.toFixed(2)} µs`);
    }
    if (consume && cConsume) {
      add(size, "batch consume ≥ 90 % of the C program's", ratio(consume.rate, cConsume.rate), consume.rate >= 0.9 * cConsume.rate, `${Math.round(consume.rate / 1000)} k vs ${Math.round(cConsume.rate / 1000)} k msgs/s`);
      add(size, "consume CPU per message ≤ 1.5× the C program's", ratio(consume.cpuUsPerMsg, cConsume.cpuUsPerMsg), consume.cpuUsPerMsg <= 1.5 * cConsume.cpuUsPerMsg, `${consume.cpuUsPerMsg.toFixed(2)} vs ${cConsume.cpuUsPerMsg.toFixed(2)} µs`);
    }
    for (const [id, kind] of [['octokafka/send', 'produce'], ['octokafka/produce', 'produce'], ['octokafka/iterate', 'consume']]) {
      const mine = find(size, id);
      const peer = best(peerRows(size, kind, 'message'), 'rate');
      if (mine && peer) add(size, `${mine.label} ≥ 2× the fastest per-message peer`, ratio(mine.rate, peer.rate), mine.rate >= 2 * peer.rate, `vs ${peer.label}`);
    }
    const ours = rows.filter((r) => r.size === size && r.ok && isOcto(r.client) && r.eldP99 !== undefined);
    const worstEld = best(ours, 'eldP99');
    if (worstEld) add(size, 'event-loop p99 ≤ 50 ms in every octokafka row', worstEld.eldP99, worstEld.eldP99 <= 50, `worst: ${worstEld.label} (ms)`);
    const lat = find(size, 'octokafka/latency');
    const peerLat = best(peerRows(size, 'latency'), 'p99', true);
    if (lat && peerLat) add(size, 'latency p99 at 10,000 msgs/s ≤ the best peer', lat.p99, lat.p99 <= peerLat.p99, `${peerLat.label}: ${peerLat.p99.toFixed(2)} ms (ms)`);
    for (const kind of ['produce', 'consume']) {
      const mine = best(rows.filter((r) => r.size === size && r.kind === kind && r.ok && r.client === 'octokafka'), 'rssMiB', true);
      const peer = best(peerRows(size, kind), 'rssMiB', true);
      if (mine && peer) add(size, `${kind}: lowest octokafka peak RSS ≤ the lowest peer's`, mine.rssMiB, mine.rssMiB <= peer.rssMiB, `${mine.label} vs ${peer.label}: ${Math.round(peer.rssMiB)} MiB (MiB)`);
    }
    // The KafkaJS-compatible API against KafkaJS itself.
    for (const [mode, label] of [['batch', 'send() of 1,000'], ['eachBatch', 'eachBatch'], ['eachMessage', 'eachMessage']]) {
      const mine = find(size, `octokafka-kafkajs/${mode}`);
      const theirs = find(size, `kafkajs/${mode}`);
      if (!mine || !theirs) continue;
      add(size, `octokafka/kafkajs ${label} ≥ 3× KafkaJS`, ratio(mine.rate, theirs.rate), mine.rate >= 3 * theirs.rate, '');
      add(size, `octokafka/kafkajs ${label}: peak RSS ≤ KafkaJS's, event-loop p99 ≤ 50 ms`, mine.rssMiB, mine.rssMiB <= theirs.rssMiB && mine.eldP99 <= 50, `KafkaJS ${Math.round(theirs.rssMiB)} MiB; event-loop p99 ${mine.eldP99.toFixed(1)} ms (MiB)`);
    }
  }
  return out;
}

export function targetsMarkdown(rows) {
  const lines = ['| size | target | measured | met | |', '|---|---|--:|:-:|---|'];
  for (const t of targets(rows)) {
    const unit = /\((ms|MiB)\)$/.exec(t.detail)?.[1];
    const value = t.value === undefined ? '–' : unit ? `${t.value.toFixed(unit === 'ms' ? 1 : 0)} ${unit}` : `${t.value.toFixed(2)}×`;
    lines.push(`| ${sizeName(t.size)} | ${t.target} | ${value} | ${t.ok ? '✓' : '✗'} | ${t.detail.replace(/ \((ms|MiB)\)$/, '')} |`);
  }
  return lines.join('\n');
}
