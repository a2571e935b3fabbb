#!/usr/bin/env node
// octokafka against the other Node.js Kafka clients, side by side in one run: node-rdkafka,
// Confluent's client (its callback API and its KafkaJS-style API), KafkaJS, @platformatic/kafka,
// and octokafka's KafkaJS-compatible API, with the C program of bench/native (linked with the
// same librdkafka) as the native limit. Every run is its own process; the clients alternate
// (the order reverses every repetition); the median and range of the repetitions is reported.
//
//   node bench/peers.mjs [--broker mock|real] [--sizes 100,1024,16384] [--count 1000000]
//                        [--repeat 3] [--clients a,b] [--only REGEX] [--latency-seconds 10]
//                        [--workloads base,p16,p64,keyed,lz4,zstd,x50] [--node 24] [--out FILE]
//
// --broker real reads KAFKA_BOOTSTRAP_SERVERS (scripts/kafka.sh start prints it);
// BENCH_NODE_FLAGS adds node flags to every run (e.g. --cpu-prof --cpu-prof-dir=DIR).
// The peers are installed on demand into bench/.build/peers (bench/peers/install.mjs), built
// for the Node.js major given by --node (default 24: @platformatic/kafka needs ≥ 22.19, and
// the NAN addons of node-rdkafka and Confluent are built for the Node that runs them); every
// client, octokafka included, runs on that same Node. Needs `npm run build:ts` first.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { buildNative, confArgs } from './native-build.mjs';
import { messageShape } from './peers/common.mjs';
import { installPeers } from './peers/install.mjs';
import { SCENARIOS, WORKLOADS, markdownReport, summarize, unsupported } from './peers/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const { values: argv } = parseArgs({
  options: {
    broker: { type: 'string', default: 'mock' },
    sizes: { type: 'string', default: '100,1024,16384' },
    workloads: { type: 'string', default: 'base' },
    count: { type: 'string', default: '1000000' },
    'max-bytes': { type: 'string', default: '1600000000' },
    repeat: { type: 'string', default: '3' },
    clients: { type: 'string' },
    only: { type: 'string' },
    'latency-seconds': { type: 'string', default: '10' },
    rate: { type: 'string', default: '10000' },
    node: { type: 'string', default: '24' },
    'peers-dir': { type: 'string' },
    out: { type: 'string' },
  },
});
const opts = {
  broker: argv.broker,
  sizes: argv.sizes.split(',').map(Number),
  workloads: argv.workloads.split(','),
  count: Number(argv.count),
  maxBytes: Number(argv['max-bytes']),
  repeat: Number(argv.repeat),
  clients: argv.clients?.split(','),
  only: argv.only ? new RegExp(argv.only) : null,
  latencySeconds: Number(argv['latency-seconds']),
  rate: Number(argv.rate),
};
if (!['mock', 'real'].includes(opts.broker)) throw new Error('--broker: mock or real');
if (opts.broker === 'real' && !process.env.KAFKA_BOOTSTRAP_SERVERS) throw new Error('--broker real needs KAFKA_BOOTSTRAP_SERVERS (scripts/kafka.sh start)');
for (const [k, v] of Object.entries({ count: opts.count, repeat: opts.repeat, 'latency-seconds': opts.latencySeconds, rate: opts.rate })) {
  if (!(v > 0)) throw new Error(`--${k} must be a positive number`);
}
if (opts.sizes.some((s) => !Number.isInteger(s) || s < 8)) throw new Error('--sizes: integers >= 8 (latency runs stamp 8 bytes)');
for (const w of opts.workloads) if (!WORKLOADS[w]) throw new Error(`--workloads: ${w} is none of ${Object.keys(WORKLOADS).join(', ')}`);

const nodeBin = /^\d+(\.\d+\.\d+)?$/.test(argv.node)
  ? join(execFileSync('bash', [join(root, 'scripts/node-versions.sh'), '--fetch', argv.node], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim(), 'node')
  : argv.node;
const nodeVersion = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
const peers = argv['peers-dir'] ? { dir: argv['peers-dir'], errors: {} } : installPeers(join(here, '.build/peers'), nodeBin);
const PEER_PACKAGE = { kafkajs: 'kafkajs', 'confluent-kafkajs': '@confluentinc/kafka-javascript', confluent: '@confluentinc/kafka-javascript', 'node-rdkafka': 'node-rdkafka', platformatic: '@platformatic/kafka' };

const octo = await import(join(root, 'dist/esm/index.mjs'));
// The C program, linked with octokafka's librdkafka: the native limit, in the same run.
const nativeBin = SCENARIOS.some((s) => s.client === 'c' && (!opts.clients || opts.clients.includes('c'))) ? buildNative() : null;

// ------------------------------------------------------------------ brokers and topics

/**
 * Where a scenario's topic lives. On the mock: produce runs write to a mock that keeps only
 * 5 MiB per partition (librdkafka's default, so a million messages per run do not pile up in
 * memory); consume runs read one partition per size, prefilled on a second mock that keeps
 * everything. On a real broker: a topic per produce run, deleted after it, and one prefilled
 * topic per size.
 */
async function openBrokers() {
  if (opts.broker === 'real') {
    const admin = new octo.KafkaAdmin({ 'bootstrap.servers': process.env.KAFKA_BOOTSTRAP_SERVERS });
    const servers = process.env.KAFKA_BOOTSTRAP_SERVERS;
    return {
      produce: servers,
      consume: servers,
      async topic(name, _forConsume, partitions = 1) {
        await admin.createTopics([{ topic: name, numPartitions: partitions, replicationFactor: 1 }]);
      },
      async drop(name) {
        await admin.deleteTopics([name]).catch((e) => process.stderr.write(`deleteTopics ${name}: ${e.message}\n`));
      },
      async close() {
        await admin.close();
      },
    };
  }
  const produceMock = await octo.MockCluster.start({ brokers: 1 });
  const consumeMock = await octo.MockCluster.start({ brokers: 1, partitionMaxBytes: 2 ** 34 });
  return {
    produce: produceMock.bootstrapServers,
    consume: consumeMock.bootstrapServers,
    async topic(name, forConsume, partitions = 1) {
      await (forConsume ? consumeMock : produceMock).createTopic(name, partitions, 1);
    },
    async drop() {
      // The mock cannot delete topics; produce topics keep 5 MiB each, consume topics are few.
    },
    async close() {
      await produceMock.close();
      await consumeMock.close();
    },
  };
}

/** Fills the consume topic with the messages of the workload (keyless ones spread at random). */
async function prefill(brokers, topic, count, size, workload) {
  const w = WORKLOADS[workload];
  const p = new octo.KafkaProducer({ 'bootstrap.servers': brokers, 'linger.ms': 5, ...(w.compression ? { 'compression.type': w.compression } : {}) });
  const shape = messageShape(size, workload);
  for (let i = 0; i < count; i += 10_000) {
    const n = Math.min(10_000, count - i);
    const messages = new Array(n);
    for (let j = 0; j < n; j++) {
      const k = i + j;
      messages[j] = { topic, value: shape.values[k % shape.values.length], ...(shape.keys ? { key: shape.keys[k % shape.keys.length], headers: shape.headers } : {}) };
    }
    await p.sendBatch(messages, { reports: 'columns' });
  }
  await p.close();
}

/**
 * A broker that just started runs its produce and fetch paths interpreted until the JIT has
 * compiled them, which the first client timed would pay for. On a real broker, passes of
 * 1,000,000 messages go through a throwaway topic, produced and consumed, until a pass is no
 * more than 15 % faster than the one before it (at most 8 passes); the mock needs no warm-up.
 * A fixed 2,000,000 was too short: on a fresh broker its passes took 12.2, 5.6 and 4.4 s.
 * Returns the seconds of each pass, for the report.
 */
async function warmUpBroker(brokers) {
  if (opts.broker !== 'real') return null;
  const count = 1_000_000;
  const passes = [];
  for (let pass = 1; pass <= 8; pass++) {
    const topic = `peers-warmup-${process.pid}-${pass}`;
    const t = performance.now();
    process.stderr.write(`warming the broker up, pass ${pass}: ${count.toLocaleString('en-US')} messages through ${topic} … `);
    await brokers.topic(topic, false, 1);
    await prefill(brokers.produce, topic, count, 100, 'base');
    const c = new octo.KafkaConsumer({ 'bootstrap.servers': brokers.consume, 'group.id': topic, 'auto.offset.reset': 'earliest' });
    await c.subscribe([topic]);
    let read = 0;
    for await (const batch of c.batches(10_000)) if ((read += batch.length) >= count) break;
    await c.close();
    const seconds = (performance.now() - t) / 1000;
    await brokers.drop(topic);
    passes.push(Number(seconds.toFixed(2)));
    process.stderr.write(`${seconds.toFixed(1)} s\n`);
    // Still warming while a pass is over 15 % faster than the one before it.
    if (passes.length >= 2 && seconds * 1.15 >= passes[passes.length - 2]) break;
  }
  execFileSync('sync');
  return passes;
}

// ------------------------------------------------------------------ runs

// BENCH_NODE_FLAGS: extra node flags for the runs, e.g. "--cpu-prof --cpu-prof-dir=DIR"
// (bench/prof-top.mjs summarises the profiles), as for bench/run.mjs.
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);

/** The run in progress: an interrupted benchmark must not leave it running (it would skew the next one). */
let runningChild = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    runningChild?.kill('SIGKILL');
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

/** The C program's command line for a run (the producer and consumer settings of every client). */
function nativeArgs(spec) {
  const common = ['-b', spec.brokers, '-t', spec.topic, '-n', String(spec.count), '-s', String(spec.size)];
  if (spec.kind === 'produce') return ['produce', ...common, '-m', 'batch', ...confArgs('-X', { acks: 1, 'linger.ms': 5, 'enable.idempotence': false })];
  const consumer = { 'group.id': spec.group, 'enable.auto.offset.store': false, 'fetch.queue.backoff.ms': 10, 'auto.offset.reset': 'earliest', ...(spec.fetchWaitMs ? { 'fetch.wait.max.ms': spec.fetchWaitMs } : {}) };
  return ['consume', ...common, ...confArgs('-C', consumer)];
}

function runPhase(spec) {
  return new Promise((resolve) => {
    const [cmd, args] = spec.client === 'c' ? [nativeBin, nativeArgs(spec)] : [nodeBin, [...nodeFlags, join(here, 'peer-phase.mjs'), JSON.stringify(spec)]];
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: root });
    runningChild = child;
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), (spec.timeoutMs ?? 600_000) + 30_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      runningChild = null;
      const line = stderr.split('\n').findLast((l) => l.startsWith('RESULT '));
      const result = line ? JSON.parse(line.slice(7)) : { error: `exited ${signal ?? code} without a result: ${stderr.trim().split('\n').slice(-3).join(' / ')}` };
      if (!result.error && (result.failed > 0 || (result.delivered !== undefined && result.delivered < spec.count))) {
        result.error = `${result.failed ?? 0} failed, ${result.delivered} of ${spec.count} delivered: ${result.error ?? ''}`;
      }
      resolve(result);
    });
  });
}

const started = new Date();
mkdirSync(join(here, '.build'), { recursive: true });
const partial = join(here, `.build/peers-${opts.broker}-partial.json`);
const brokers = await openBrokers();
const warmUp = await warmUpBroker(brokers);
const scenarios = SCENARIOS.filter((s) => (!opts.clients || opts.clients.includes(s.client)) && (!opts.only || opts.only.test(s.id)));
const runs = [];
let n = 0;
try {
  for (const [size, workload] of opts.sizes.flatMap((size) => opts.workloads.map((w) => [size, w]))) {
    const w = WORKLOADS[workload];
    const count = Math.min(opts.count, Math.floor(opts.maxBytes / size));
    // A run of growing workloads compares the growth scenarios across them, base included.
    const growthRun = opts.workloads.some((x) => x !== 'base');
    const here_ = scenarios.filter((s) => (s.kind !== 'latency' || (size <= 1024 && !growthRun)) && (!growthRun || s.growth));
    let consumeTopic = null;
    for (let r = 0; r < opts.repeat; r++) {
      const order = r % 2 === 0 ? here_ : [...here_].reverse();
      for (const s of order) {
        if (s.kind === 'consume' && !consumeTopic) {
          consumeTopic = `peers-consume-${size}-${workload}-${process.pid}`;
          await brokers.topic(consumeTopic, true, w.partitions);
          process.stderr.write(`prefilling ${count.toLocaleString('en-US')} × ${size} B (${w.label}) … `);
          await prefill(brokers.consume, consumeTopic, count, size, workload);
          // A real broker's log is on disk: the prefill leaves up to its size in dirty pages,
          // written back now rather than during a timed run.
          if (opts.broker === 'real') execFileSync('sync');
          process.stderr.write('done\n');
        }
        const pkg = PEER_PACKAGE[s.client];
        const refused = pkg && peers.errors[pkg] ? `not installed: ${peers.errors[pkg]}` : unsupported(s.client, workload);
        if (refused) {
          runs.push({ id: s.id, size, workload, rep: r, result: { error: refused } });
          continue;
        }
        const topic = s.kind === 'consume' ? consumeTopic : `peers-${s.kind}-${process.pid}-${n++}`;
        if (s.kind !== 'consume') await brokers.topic(topic, false, w.partitions);
        const spec = {
          workload,
          kind: s.kind,
          client: s.client,
          mode: s.mode,
          brokers: s.kind === 'consume' ? brokers.consume : brokers.produce,
          topic,
          group: `peers-${process.pid}-${n++}`,
          count: s.kind === 'latency' ? Math.round(opts.rate * opts.latencySeconds) : count,
          size,
          rate: opts.rate,
          seconds: opts.latencySeconds,
          peersDir: peers.dir,
          // The mock answers an empty fetch only after the whole wait (a real broker answers when
          // data arrives), so on the mock every client polls with a 1 ms wait.
          fetchWaitMs: opts.broker === 'mock' ? 1 : undefined,
        };
        const result = await runPhase(spec);
        if (s.kind !== 'consume') await brokers.drop(topic);
        runs.push({ id: s.id, size, workload, rep: r, count: spec.count, result });
        // Kept as it goes: an interrupted run still leaves what it measured.
        writeFileSync(partial, JSON.stringify({ started, opts: { ...opts, only: argv.only ?? null }, runs }));
        const shown = result.error ? `ERROR ${result.error.split('\n')[0].slice(0, 160)}` : s.kind === 'latency' ? `p99 ${result.p99?.toFixed(2)} ms` : `${Math.round((result.timedCount ?? spec.count) / result.seconds).toLocaleString('en-US')} msgs/s`;
        process.stderr.write(`${size} B ${workload.padEnd(5)} ${s.id.padEnd(34)} rep ${r + 1}: ${shown}\n`);
      }
    }
    if (consumeTopic) await brokers.drop(consumeTopic);
  }
} finally {
  await brokers.close();
}

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, Linux ${os.release()}`;
const meta = { started: started.toISOString(), broker: opts.broker, warmUp, node: nodeVersion, machine, librdkafka: typeof octo.librdkafkaVersion === 'function' ? octo.librdkafkaVersion() : octo.librdkafkaVersion, opts: { ...opts, only: argv.only ?? null }, command: `node bench/peers.mjs ${process.argv.slice(2).join(' ')}` };
const rows = summarize(runs);
const out = argv.out ?? join(here, `peers-${opts.broker}.md`);
writeFileSync(out.replace(/\.md$/, '.json'), JSON.stringify({ meta, rows, runs }, null, 1));
writeFileSync(out, markdownReport(meta, rows));
process.stderr.write(`wrote ${out}\n`);
process.exit(0);
