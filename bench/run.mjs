#!/usr/bin/env node
// octokafka benchmark (`npm run bench`): the JS client against the native limit, side by side
// in the same run, against a MockCluster in a separate process (1 broker, 1 partition per topic,
// a fresh topic for every run of every phase).
//
//   node bench/run.mjs [--quick] [--count N] [--sizes 100,1024] [--repeat R]
//                      [--latency-seconds S] [--rate R] [--only REGEX] [--out FILE | --no-write]
//                      [--consume-from prefilled|feeder]
//
//   --quick              100,000 messages, one run per phase, 3 s latency runs; writes
//                        bench/.build/results-quick.md instead of bench/results.md
//   --count N            messages per throughput run (default 1,000,000; env BENCH_COUNT)
//   --sizes              message value sizes in bytes (default 100,1024; env BENCH_SIZES)
//   --repeat R           runs per throughput phase, the median is reported (default 3)
//   --latency-seconds S  length of each latency run at --rate msgs/s (default 10 s at 10,000/s)
//   --only REGEX         only the scenarios whose id matches (ids: c-produce, c-produce-batch, js-batch, js-batch-columns,
//                        js-send, js-produce, c-consume, js-consume, js-iterate, c-latency,
//                        js-latency, topic-push, topic-raw, topic-pull, topic-pull-ack, topic-process)
//   --topic-partitions N partitions of the topic consume rows' topic (default 64 at 1,000,000
//                        events: what fits the mock's 5 MiB per partition); fewer puts those
//                        topics on a mock of their own that keeps 16 GiB per partition
//   --consume-from M     prefilled (default): the consume rows read a partition filled with all
//                        the messages beforehand (untimed, one topic per size, read by every
//                        consume run); feeder: a native producer writes it while they read
//                        (the method before 2026-12-02, when the mock kept only 5 MiB)
//   --quiet CORES        before each run, wait until other processes use less than CORES
//                        cores (default 0.15; 0 disables) ...
//   --quiet-wait S       ... but at most S seconds (default 120); the load is reported anyway
//   env BENCH_NODE_FLAGS node flags for the JS phase processes (e.g. --cpu-prof ...),
//       BENCH_VERBOSE=1  show the phase processes' stderr
//
// Every phase runs in its own child process (JS phases: bench/js-phase.mjs; native phases:
// bench/native/bench.c, compiled here against the same librdkafka.a as the addon) under a
// timeout; the mock cluster and every child are stopped at the end, also on failure.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { buildNative, confArgs } from './native-build.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

// ------------------------------------------------------------------ options

const { values: argv } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    count: { type: 'string' },
    sizes: { type: 'string' },
    repeat: { type: 'string' },
    'latency-seconds': { type: 'string' },
    rate: { type: 'string' },
    only: { type: 'string' },
    quiet: { type: 'string' },
    'quiet-wait': { type: 'string' },
    out: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    'consume-from': { type: 'string', default: 'prefilled' },
    'topic-partitions': { type: 'string' },
  },
  strict: true,
});
const quick = argv.quick;
const opts = {
  count: Number(argv.count ?? process.env.BENCH_COUNT ?? (quick ? 100_000 : 1_000_000)),
  sizes: (argv.sizes ?? process.env.BENCH_SIZES ?? '100,1024').split(',').map(Number),
  repeat: Number(argv.repeat ?? (quick ? 1 : 3)),
  latencySeconds: Number(argv['latency-seconds'] ?? (quick ? 3 : 10)),
  rate: Number(argv.rate ?? 10_000),
  only: argv.only ? new RegExp(argv.only) : null,
  quiet: Number(argv.quiet ?? 0.15),
  quietWaitMs: Number(argv['quiet-wait'] ?? 120) * 1000,
  out: argv['no-write'] ? null : (argv.out ?? join(here, quick ? '.build/results-quick.md' : 'results.md')),
  consumeFrom: argv['consume-from'],
  topicPartitions: argv['topic-partitions'] === undefined ? undefined : Number(argv['topic-partitions']),
};
if (!['prefilled', 'feeder'].includes(opts.consumeFrom)) throw new Error('--consume-from: prefilled or feeder');
for (const [k, v] of Object.entries({ count: opts.count, repeat: opts.repeat, latencySeconds: opts.latencySeconds, rate: opts.rate })) {
  if (!(v > 0)) throw new Error(`--${k} must be a positive number`);
}
if (opts.topicPartitions !== undefined && !(Number.isInteger(opts.topicPartitions) && opts.topicPartitions >= 1)) throw new Error('--topic-partitions: a positive integer');
if (opts.sizes.some((s) => !Number.isInteger(s) || s < 8)) throw new Error('--sizes: integers >= 8 (latency runs stamp 8 bytes)');

// ------------------------------------------------------------------ settings (same for JS and C)

// octokafka's producer defaults (PRODUCER_DEFAULTS in lib/client/producer.ts) and librdkafka's
// defaults for the rest, written out so that both sides get exactly the same.
const PRODUCER = {
  'enable.idempotence': 'true',
  acks: 'all',
  partitioner: 'murmur2_random',
  'linger.ms': '5',
  'batch.num.messages': '10000',
  'batch.size': '1000000',
  'compression.type': 'none',
  'queue.buffering.max.messages': '100000',
  'queue.buffering.max.kbytes': '1048576',
};
// Latency runs: a short linger (the default 5 ms would be most of the budget).
const LATENCY_PRODUCER = { ...PRODUCER, 'linger.ms': '1' };
// octokafka's consumer defaults (CONSUMER_DEFAULTS in lib/client/consumer.ts) plus:
// fetch.wait.max.ms=1 because the mock broker does not answer a waiting Fetch when data
// arrives (it sleeps the whole fetch.wait.max.ms, 500 ms by default); a real broker does.
const CONSUMER = {
  'enable.auto.offset.store': 'false',
  'fetch.queue.backoff.ms': '10',
  'fetch.wait.max.ms': '1',
  'auto.offset.reset': 'earliest',
};
const MOCK_PARTITION_LIMIT = 5 * 1024 * 1024; // bytes a mock partition keeps by default (older data is dropped)
// With --consume-from prefilled the mock keeps up to this much per partition (only what is
// written takes memory: ~1.1 GB for 1,000,000 messages of 1 KiB).
const MOCK_PREFILL_LIMIT = 16 * 1024 ** 3;

// ------------------------------------------------------------------ child processes

const children = new Set();
const mocks = [];

function killAll() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
  children.clear();
  for (const mock of mocks) {
    try {
      mock.stdin.end();
      mock.kill('SIGTERM');
    } catch {}
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * Starts a child; resolves with { code, signal, result, stderr } when it exits, where result is
 * the parsed `RESULT {...}` line of its stderr. Killed (SIGKILL) after timeoutMs.
 */
function runChild(cmd, args, { timeoutMs, label, stdin = 'ignore', onSpawn } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: [stdin, 'pipe', 'pipe'] });
    children.add(child);
    let stderr = '';
    let result = null;
    let timedOut = false;
    child.stderr.setEncoding('utf8');
    let partial = '';
    child.stderr.on('data', (chunk) => {
      partial += chunk;
      let nl;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        if (line.startsWith('RESULT ')) {
          try {
            result = JSON.parse(line.slice(7));
          } catch {
            stderr += `unparsable ${line}\n`;
          }
        } else {
          stderr += `${line}\n`;
          if (process.env.BENCH_VERBOSE) process.stderr.write(`  [${label}] ${line}\n`);
        }
      }
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      stderr += `${e.message}\n`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, timedOut, result, stderr: stderr.trim().split('\n').slice(-8).join('\n') });
    });
    onSpawn?.(child);
  });
}

/**
 * Starts a mock cluster process with these topics; partitionMaxBytes raises what each of its
 * partitions keeps (the prefilled consume partitions: other runs would hold every message
 * they wrote, gigabytes in all).
 */
function startMock(topics, partitionMaxBytes) {
  return new Promise((resolve, reject) => {
    const args = [join(root, 'dist/cjs/testing/mock-cluster-process.js'), '--brokers', '1'];
    if (partitionMaxBytes) args.push('--partition-max-bytes', String(partitionMaxBytes));
    for (const t of topics) args.push('--topic', t.includes(':') ? t : `${t}:1`);
    // stdin is a pipe: if this process dies, the mock sees EOF and stops.
    const mock = spawn(process.execPath, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    mocks.push(mock);
    const timer = setTimeout(() => reject(new Error('mock cluster did not start within 30 s')), 30_000);
    let out = '';
    mock.stdout.setEncoding('utf8');
    mock.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /bootstrap\.servers=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    mock.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mock cluster exited (${code})`));
    });
  });
}

async function stopMocks() {
  await Promise.all(mocks.splice(0).map(stopMock));
}

async function stopMock(m) {
  m.removeAllListeners('exit');
  const exited = m.exitCode !== null || m.signalCode !== null ? Promise.resolve() : new Promise((r) => m.once('exit', r));
  m.stdin.end();
  m.kill('SIGTERM');
  const t = setTimeout(() => m.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(t);
}

// ------------------------------------------------------------------ CPU accounting

// Other processes on the machine skew a 2-core benchmark: measure how much CPU went to
// anything but this benchmark (its children and the mock) during each phase.
function machineBusyTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return user + nice + system + irq + softirq + steal;
}
function procTicks(pid, withChildren) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ').map(Number);
    // fields after the command: state(0) ... utime(11) stime(12) cutime(13) cstime(14)
    return f[11] + f[12] + (withChildren ? f[13] + f[14] : 0);
  } catch {
    return 0;
  }
}
function cpuSnapshot() {
  return { t: performance.now(), machine: machineBusyTicks(), ours: procTicks('self', true) + mocks.reduce((sum, m) => sum + procTicks(m.pid, false), 0) };
}
function foreignCores(a, b) {
  const hz = 100;
  const seconds = (b.t - a.t) / 1000;
  const foreign = (b.machine - a.machine - (b.ours - a.ours)) / hz;
  if (process.env.BENCH_DEBUG_CPU) process.stderr.write(`  cpu: ${seconds.toFixed(2)} s, machine ${(b.machine - a.machine) / hz} s, ours ${(b.ours - a.ours) / hz} s\n`);
  return Math.max(0, foreign / seconds);
}

/**
 * On a shared machine, waits (up to maxWaitMs) until other processes use less than
 * `threshold` cores over a 500 ms window, so that runs are not measured against someone
 * else's build. Returns the last measured load.
 */
async function waitForQuiet(threshold, maxWaitMs) {
  const until = performance.now() + maxWaitMs;
  let load = 0;
  do {
    const a = cpuSnapshot();
    await new Promise((r) => setTimeout(r, 500));
    load = foreignCores(a, cpuSnapshot());
    if (load < threshold) return load;
  } while (performance.now() < until);
  return load;
}

// ------------------------------------------------------------------ native program

// ------------------------------------------------------------------ phases

const SCENARIOS = [
  { id: 'c-produce', label: 'C producev batches + poll, flush (native limit)', kind: 'produce', impl: 'c' },
  { id: 'c-produce-batch', label: 'C produce_batch per 10k + poll, flush (native limit)', kind: 'produce', impl: 'c', mode: 'batch' },
  { id: 'js-batch', label: 'JS sendBatch, 10k chunks, 10 in flight', kind: 'produce', impl: 'js', phase: 'batch' },
  { id: 'js-batch-columns', label: "JS sendBatch, reports: 'columns', 10k chunks, 10 in flight", kind: 'produce', impl: 'js', phase: 'batch', spec: { reports: 'columns' } },
  { id: 'js-send', label: 'JS send() per message, promise each, 50k window', kind: 'produce', impl: 'js', phase: 'send' },
  { id: 'js-produce', label: 'JS produce() + callback (fire-and-forget)', kind: 'produce', impl: 'js', phase: 'produce' },
  { id: 'c-consume', label: 'C consume_batch_queue (native limit)', kind: 'consume', impl: 'c' },
  { id: 'js-consume', label: 'JS consumer.batches()', kind: 'consume', impl: 'js', phase: 'consume' },
  { id: 'js-iterate', label: 'JS for await (message of consumer)', kind: 'consume', impl: 'js', phase: 'iterate' },
  { id: 'c-latency', label: `C latency at ${opts.rate.toLocaleString('en-US')} msgs/s`, kind: 'latency', impl: 'c' },
  { id: 'js-latency', label: `JS latency at ${opts.rate.toLocaleString('en-US')} msgs/s (send + batches)`, kind: 'latency', impl: 'js', phase: 'latency' },
  // Topic layer (issue 4): Driver on the same mock, default components, events of `size` data
  // bytes and {"i":123456} metadata.
  { id: 'topic-push', sizes: [100], label: 'Topic push() per event, 50k window (maxPending 50k), 1 partition', kind: 'topic-produce', impl: 'js', phase: 'topic-push' },
  { id: 'topic-raw', sizes: [100], label: `JS consumer.batches() on the topic rows' events, ${topicPartitionsText()}, pre-filled (the base of pull/process)`, kind: 'topic-consume', impl: 'js', phase: 'topic-raw' },
  { id: 'topic-pull', sizes: [100], label: `Topic pull() per event, ${topicPartitionsText()}, pre-filled`, kind: 'topic-consume', impl: 'js', phase: 'topic-pull' },
  { id: 'topic-pull-ack', sizes: [100], label: `Topic pull() + await acknowledge() per event (the README loop), ${topicPartitionsText()}, pre-filled`, kind: 'topic-consume', impl: 'js', phase: 'topic-pull-ack' },
  { id: 'topic-process', sizes: [100], label: `Topic process(sync handler), ${topicPartitionsText()}, pre-filled`, kind: 'topic-consume', impl: 'js', phase: 'topic-process' },
].filter((s) => !opts.only || opts.only.test(s.id));

/**
 * The scenarios that run at a message size. The topic-layer rows run at 100 B only (what
 * issue 4 measures): at 1 KiB a million events overflow the mock's 5 MiB per partition.
 */
function scenariosAt(size) {
  return SCENARIOS.filter((s) => !s.sizes || s.sizes.includes(size));
}

/** Partitions of the topic-layer consume phases: --topic-partitions, else the default below. */
function topicPartitions() {
  return opts.topicPartitions ?? defaultTopicPartitions();
}

/**
 * The events are pushed first (round-robin over the partitions), so each partition must hold
 * its share within the mock's 5 MiB (≤ 4 MiB of ~200 B records, value + record overhead): 64
 * for up to ~1.3 M events.
 */
function defaultTopicPartitions() {
  return Math.max(64, Math.ceil((opts.count * 200) / (4 * 1024 * 1024)));
}

function topicPartitionsText() {
  const n = topicPartitions();
  return `${n} partition${n === 1 ? '' : 's'}`;
}

/** Whether the topic consume rows need a mock that keeps more than 5 MiB per partition. */
function topicsNeedLargeMock() {
  return topicPartitions() < defaultTopicPartitions();
}

function topicName(s, size, rep) {
  return `bench-${s.id}-${size}-${rep}`;
}

/** The partition every consume run of a size reads with --consume-from prefilled. */
function prefilledTopic(size) {
  return `bench-prefilled-${size}`;
}

/**
 * The runs' topics on the default mock, or (`large`) those on the mock of their own that the
 * topic consume rows need when they are too large for 5 MiB per partition.
 */
function plannedTopics(large = false) {
  const out = [];
  for (const size of opts.sizes) {
    for (const s of scenariosAt(size)) {
      if ((s.kind === 'topic-consume' && topicsNeedLargeMock()) !== large) continue;
      const reps = s.kind === 'latency' ? 1 : opts.repeat;
      // The mock process cannot create topics (no CreateTopics): the topic-layer phases get
      // theirs here, with their partition count, and open them with disable_info_topic.
      const parts = s.kind === 'topic-consume' ? `:${topicPartitions()}` : '';
      for (let r = 0; r < reps; r++) out.push(topicName(s, size, r) + parts);
    }
  }
  return out;
}

/** The prefilled consume partitions (on a mock of their own). */
function plannedPrefilledTopics() {
  if (opts.consumeFrom !== 'prefilled') return [];
  return opts.sizes.filter((size) => scenariosAt(size).some((s) => s.kind === 'consume')).map(prefilledTopic);
}

/** Fills a size's prefilled partition with all the messages (untimed), with the C producer. */
async function prefill(size, ctx) {
  const topic = prefilledTopic(size);
  // The producer sends one warm-up message first: count - 1 more make the count.
  const r = await runChild(ctx.bin, ['produce', '-b', ctx.prefilledBrokers, '-t', topic, '-n', String(opts.count - 1), '-s', String(size), '-m', 'each', ...confArgs('-X', PRODUCER)], {
    timeoutMs: throughputTimeout(),
    label: `prefill ${size}B`,
  });
  const out = check(r, `prefill ${size}B`, (x) => x.delivered === opts.count - 1, { msgs: opts.count - 1 });
  if (!out.ok) throw new Error(`could not fill ${topic}: ${out.error}`);
  process.stderr.write(`  prefilled ${topic} with ${opts.count.toLocaleString('en-US')} messages of ${size} B (${fmtInt(out.msgsPerSec)} msgs/s)\n`);
}

const throughputTimeout = () => 30_000 + opts.count / 10; // at least 10,000 msgs/s
const latencyTimeout = () => 60_000 + opts.latencySeconds * 1000;

/** Messages the feeder may be ahead of the consumer: well under the mock's 5 MiB per partition. */
function feedWindow(size) {
  // record overhead ≤ ~20 bytes; one more record batch (≤ batch.size) may be partly unread
  return Math.max(1000, Math.floor((MOCK_PARTITION_LIMIT - 1_100_000) / (size + 20)));
}

// BENCH_NODE_FLAGS: extra node flags for the JS phase processes, e.g.
// BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=bench/.build/prof" to profile each phase.
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);

function jsArgs(s, spec) {
  return [...nodeFlags, join(here, 'js-phase.mjs'), JSON.stringify({ phase: s.phase, ...s.spec, ...spec })];
}

async function runPhase(s, size, rep, ctx) {
  const topic = topicName(s, size, rep);
  const groupConf = { ...CONSUMER, 'group.id': `${topic}-group` };
  const label = `${s.id} ${size}B #${rep + 1}`;
  const common = { brokers: ctx.brokers, topic, count: opts.count, size };
  if (s.kind === 'produce') {
    const r =
      s.impl === 'c'
        ? await runChild(ctx.bin, ['produce', '-b', ctx.brokers, '-t', topic, '-n', String(opts.count), '-s', String(size), '-m', s.mode ?? 'each', ...confArgs('-X', PRODUCER)], { timeoutMs: throughputTimeout(), label })
        : await runChild(process.execPath, jsArgs(s, { ...common, producer: PRODUCER }), { timeoutMs: throughputTimeout(), label });
    return check(r, label, (x) => x.delivered === opts.count, { msgs: opts.count });
  }
  if (s.kind === 'topic-produce') {
    const r = await runChild(process.execPath, jsArgs(s, common), { timeoutMs: throughputTimeout(), label });
    return check(r, label, (x) => x.delivered === opts.count && !x.error, { msgs: opts.count });
  }
  if (s.kind === 'topic-consume') {
    // Fill (untimed, in the same child) + consume: twice the throughput timeout.
    const r = await runChild(process.execPath, jsArgs(s, { ...common, brokers: ctx.topicBrokers ?? ctx.brokers, partitions: topicPartitions() }), { timeoutMs: 2 * throughputTimeout(), label });
    return check(r, label, (x) => x.count === opts.count && x.gaps === 0 && !x.errors && x.bytes === opts.count * size, { msgs: r.result?.timedCount });
  }
  // A consume run (C or JS) reading `topic` on `brokers`; creditFile: the feeder's, if any.
  const consume = async (brokers, topic, creditFile) => {
    const r =
      s.impl === 'c'
        ? await runChild(ctx.bin, ['consume', '-b', brokers, '-t', topic, '-n', String(opts.count), '-s', String(size), ...(creditFile ? ['-c', creditFile] : []), ...confArgs('-C', groupConf)], { timeoutMs: throughputTimeout(), label })
        : await runChild(process.execPath, jsArgs(s, { ...common, brokers, topic, creditFile, consumer: groupConf }), { timeoutMs: throughputTimeout(), label });
    return check(r, label, (x) => x.count === opts.count && x.gaps === 0 && !x.errors, { msgs: r.result?.timedCount });
  };
  if (s.kind === 'consume' && opts.consumeFrom === 'prefilled') {
    // Every run reads the same full partition from the beginning, with a group of its own.
    return consume(ctx.prefilledBrokers, prefilledTopic(size));
  }
  if (s.kind === 'consume') {
    // The consumer's running count goes through an 8-byte file that the feeder maps (a pipe
    // would wake another process on every batch).
    const creditFile = join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), `octokafka-bench-${process.pid}-${topic}`);
    writeFileSync(creditFile, Buffer.alloc(8));
    try {
      const window = feedWindow(size);
      let feederProc;
      let ready;
      const readyP = new Promise((res) => (ready = res));
      const feederDone = runChild(
        ctx.bin,
        ['feed', '-b', ctx.brokers, '-t', topic, '-n', String(opts.count), '-s', String(size), '-w', String(window), '-c', creditFile, ...confArgs('-X', PRODUCER)],
        {
          timeoutMs: throughputTimeout() + 30_000,
          label: `${label} feeder`,
          onSpawn: (c) => {
            feederProc = c;
            c.stdout.setEncoding('utf8');
            c.stdout.on('data', (d) => d.includes('READY') && ready(true));
          },
        },
      );
      const readyTimer = new Promise((res) => setTimeout(() => res(false), 60_000));
      if (!(await Promise.race([readyP, readyTimer, feederDone.then(() => false)]))) {
        feederProc.kill('SIGKILL');
        const f = await feederDone;
        return { ok: false, error: `feeder not ready: ${f.stderr}` };
      }
      const out = await consume(ctx.brokers, topic, creditFile);
      const killFeeder = setTimeout(() => feederProc.kill('SIGKILL'), 10_000);
      const f = await feederDone;
      clearTimeout(killFeeder);
      if (out.ok) out.feeder = f.result;
      return out;
    } finally {
      rmSync(creditFile, { force: true });
    }
  }
  // latency
  const spec = { rate: opts.rate, seconds: opts.latencySeconds };
  const r =
    s.impl === 'c'
      ? await runChild(
          ctx.bin,
          ['latency', '-b', ctx.brokers, '-t', topic, '-s', String(size), '-r', String(opts.rate), '-d', String(opts.latencySeconds), ...confArgs('-X', LATENCY_PRODUCER), ...confArgs('-C', groupConf)],
          { timeoutMs: latencyTimeout(), label },
        )
      : await runChild(process.execPath, jsArgs(s, { ...common, ...spec, producer: LATENCY_PRODUCER, consumer: groupConf }), { timeoutMs: latencyTimeout(), label });
  return check(r, label, (x) => x.received === x.count && !x.failed, { msgs: r.result?.received });
}

function check(r, label, valid, extra) {
  if (r.timedOut) return { ok: false, error: `timed out; ${r.stderr}` };
  if (!r.result) return { ok: false, error: `exit ${r.code ?? r.signal}: ${r.stderr}` };
  if (!valid(r.result)) return { ok: false, error: `incomplete result ${JSON.stringify(r.result)}; ${r.stderr}`, result: r.result };
  const x = r.result;
  const msgs = extra.msgs;
  return {
    ok: true,
    result: x,
    msgsPerSec: msgs / x.seconds,
    warnings: r.code !== 0 ? [`exit code ${r.code}`] : [],
  };
}

// ------------------------------------------------------------------ report

const fmtInt = (n) => (n == null || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US'));
const fmt1 = (n) => (n == null || !Number.isFinite(n) ? '–' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

function median(runs) {
  const ok = runs.filter((r) => r.ok).sort((a, b) => a.msgsPerSec - b.msgsPerSec);
  return ok.length ? ok[Math.floor((ok.length - 1) / 2)] : null;
}

const TARGETS = {
  // at 100 B only (the issue's targets)
  'js-batch': { msgs: 1_500_000, native: 0.5, text: '≥ 1.5 M msgs/s and ≥ 50 % of native' },
  'js-batch-columns': { msgs: 1_500_000, native: 0.5, text: '≥ 1.5 M msgs/s and ≥ 50 % of native' },
  'js-consume': { msgs: 2_000_000, native: 0.5, text: '≥ 2.0 M msgs/s and ≥ 50 % of native' },
  'js-send': { msgs: 400_000, text: '≥ 400 k msgs/s' },
  'js-latency': { p99: 10, text: 'p99 ≤ 10 ms' },
  // issue 4 (events/s)
  'topic-push': { msgs: 500_000, text: '≥ 500 k events/s' },
  'topic-pull': { msgs: 800_000, text: '≥ 800 k events/s' },
  'topic-process': { msgs: 800_000, text: '≥ 800 k events/s' },
};
const EVENT_LOOP_TARGET_MS = 50;

function buildTable(all) {
  const lines = [];
  const failures = [];
  lines.push('| size | scenario | msgs/s | MB/s | % of native | latency p50 / p99 (ms) | event-loop p99 (ms) | peak RSS (MB) | CPU s | other load (cores) | target |');
  lines.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|');
  for (const size of opts.sizes) {
    const native = {
      // The faster of the two C methods is the native limit.
      produce: Math.max(median(all[`c-produce/${size}`] ?? [])?.msgsPerSec ?? 0, median(all[`c-produce-batch/${size}`] ?? [])?.msgsPerSec ?? 0) || undefined,
      consume: median(all[`c-consume/${size}`] ?? [])?.msgsPerSec,
    };
    for (const s of scenariosAt(size)) {
      const runs = all[`${s.id}/${size}`] ?? [];
      const m = median(runs);
      const foreign = Math.max(...runs.map((r) => r.foreignCores ?? 0));
      if (!m) {
        const err = runs.find((r) => !r.ok)?.error ?? 'not run';
        failures.push(`${s.id} ${size} B: ${err}`);
        lines.push(`| ${size} B | ${s.label} | FAILED | | | | | | | ${fmt1(foreign)} | ✗ |`);
        continue;
      }
      const x = m.result;
      const isLatency = s.kind === 'latency';
      const msgs = isLatency ? null : m.msgsPerSec;
      // Topic rows: the whole Kafka value of an event (header, metadata, data).
      const mb = isLatency ? null : (m.msgsPerSec * (x.valueBytes ?? size)) / 1e6;
      const nat = s.impl === 'js' && !isLatency ? native[s.kind] : null;
      const pct = s.kind.startsWith('topic') ? '–' : nat ? `${((100 * m.msgsPerSec) / nat).toFixed(0)} %` : s.impl === 'c' && !isLatency ? '(native)' : '–';
      const lat = isLatency ? `${x.p50.toFixed(2)} / ${x.p99.toFixed(2)}` : '–';
      const el = s.impl === 'js' ? `${fmt1(x.eventLoopP99Ms)}${x.eventLoopP99Ms <= EVENT_LOOP_TARGET_MS ? ' ✓' : ' ✗'}` : 'n/a';
      let target = '';
      const t = size === 100 ? TARGETS[s.id] : null;
      if (t) {
        const okMsgs = t.msgs ? m.msgsPerSec >= t.msgs : true;
        const okNative = t.native ? nat && m.msgsPerSec >= t.native * nat : true;
        const okP99 = t.p99 ? x.p99 <= t.p99 : true;
        target = `${okMsgs && okNative && okP99 ? '✓' : '✗'} ${t.text}`;
      }
      const runsNote = runs.length > 1 ? ` (median of ${runs.filter((r) => r.ok).length})` : '';
      lines.push(
        `| ${size} B | ${s.label}${runsNote} | ${fmtInt(msgs)} | ${isLatency ? '–' : fmt1(mb)} | ${pct} | ${lat} | ${el} | ${fmt1(x.peakRssKb / 1024)} | ${fmt1(x.cpuSeconds)} | ${fmt1(foreign)} | ${target} |`,
      );
    }
  }
  return { table: lines.join('\n'), failures };
}

function settingsText() {
  const kv = (o) => Object.entries(o).map(([k, v]) => `${k}=${v}`).join(', ');
  return [
    `- Producer (JS and C): ${kv(PRODUCER)}; partition: librdkafka's partitioner (1 partition); values copied (RD_KAFKA_MSG_F_COPY) on both sides.`,
    `- Latency runs: same producer but linger.ms=${LATENCY_PRODUCER['linger.ms']}; consumer as below; ${opts.rate.toLocaleString('en-US')} msgs/s for ${opts.latencySeconds} s, paced by a 1 ms timer; send time (monotonic clock, same process) in the first 8 bytes of the value.`,
    `- Consumer (JS and C): ${kv(CONSUMER)}, group.id per run, enable.auto.commit=true (default), assign(partition 0, BEGINNING); offsets stored per batch (C: rd_kafka_offsets_store; JS: batches() marks them processed). fetch.wait.max.ms=1 because the mock broker sleeps the whole fetch.wait.max.ms on an empty fetch instead of answering when data arrives.`,
    opts.consumeFrom === 'prefilled'
      ? `- Consume runs (--consume-from prefilled): before the first consume row of a size, the C producer (same producer settings) fills one partition with all ${opts.count.toLocaleString('en-US')} messages, untimed; every consume run of that size (C and JS, each repetition) then reads that same partition from the beginning with a group of its own, while nothing else runs. These partitions live on a second mock process (1 broker) that keeps up to ${MOCK_PREFILL_LIMIT / 1024 ** 3} GiB per partition (MockCluster partitionMaxBytes; librdkafka's mock keeps 5 MiB unless told, which is why runs before 2026-12-02 read while a native feeder wrote: \`--consume-from feeder\`). Clock: from the arrival of the first batch to the last message (first batch not counted).`
      : `- Consume runs (--consume-from feeder): a mock partition keeps only 5 MiB (older data is dropped), so 1,000,000 messages cannot be produced first and read later. A native feeder (bench.c feed, same producer settings, no payload copy) produces concurrently, never more than ${opts.sizes.map((s) => `${feedWindow(s).toLocaleString('en-US')} msgs at ${s} B`).join(' / ')} ahead of the consumer (which publishes its running count in an 8-byte shared file after each batch); the consumer is started once the first window is in the partition. Clock: from the arrival of the first batch to the last message (first batch not counted). The feeder shares the 2 cores: consume figures for both C and JS are bounded by it (see "feeder" below).`,
    `- Produce runs: clock from the first send to the last delivery report (after one warm-up message: connection, metadata and producer id ready). JS loops yield to the event loop (setImmediate) every 1,000 send()/produce() calls and after each sendBatch() call, as an application would; the 50k send() window resumes at 25k in flight.`,
    ...(SCENARIOS.some((s) => s.kind.startsWith('topic'))
      ? [
          `- Topic rows: msgs/s = events/s. Driver.connect on the same mock with the topic layer's own producer/consumer defaults (fetch.wait.max.ms is not set: the Driver's config is shared with its admin client; the filled topic never gives an empty fetch until the end). The mock process has no CreateTopics, so each run's topic is created by the mock at start (1 partition for push, ${topicPartitions()} for pull/process) and opened with openTopic under disable_info_topic=true: default validator, round-robin selector and JSON serializer, as createTopic would record them; no info topic is written or read (not on the timed path anyway). Events: ${opts.sizes.join('/')} B data + {"i":123456} metadata (12 B JSON), i.e. a Kafka value of 16 + 8 + 12 + data bytes; MB/s counts that whole value. Push: one push() per event on 1 partition, at most 50,000 in flight (application window resuming at 25,000, and maxPending 50,000), yields every 1,000 pushes; clock from the first push to the last delivery (after a warm-up push). Pull/process: the topic has ${topicPartitionsText()} (${topicsNeedLargeMock() ? `--topic-partitions: on a mock of its own that keeps 16 GiB per partition` : `64 was chosen when the mock kept only 5 MiB per partition, and kept so that the figures stay comparable; --topic-partitions changes it`}) and is filled first by push() (round-robin, untimed); a fresh consumer (group per run, subscribe) then reads all ${opts.count.toLocaleString('en-US')} events, checking per-partition ids contiguous from 0, metadata and data length; no acknowledge() in the loop (each would be a commit). Clock from the first event (not counted) to the last. The topic-raw row fills its topic the same way and reads it with a raw KafkaConsumer's batches() configured as the topic consumer configures its own (subscribe, fresh group, fetch.max.bytes 4 MiB, no auto-commit), checking offsets and data lengths without parsing metadata: what pull/process cost on top of the raw consumer is their rate against this row's. The raw consume rows read one partition of a separate mock, so they compare with the topic rows only at --topic-partitions 1.`,
        ]
      : []),
    `- MB/s: value bytes only (10^6 bytes). Peak RSS: VmHWM of the phase's process (node's own ~45 MB included for JS). CPU s: CPU time of the phase process (all threads: JS and librdkafka's) during the timed part (with --consume-from feeder, a native consumer using well under its wall time is waiting for the feeder). Event-loop p99: perf_hooks.monitorEventLoopDelay (1 ms resolution) during the timed part. "Other load": the most CPU (in cores, averaged over a run) that processes outside this benchmark used during any run of the row; each run waits first until that load is under ${opts.quiet} cores (for at most ${opts.quietWaitMs / 1000} s) since this machine is shared.`,
  ].join('\n');
}

// ------------------------------------------------------------------ main

async function main() {
  const started = new Date();
  if (!existsSync(join(root, 'dist/cjs/testing/mock-cluster-process.js'))) throw new Error('dist/ is missing: run `npm run build:ts` (npm run bench does)');
  const bin = buildNative();
  const topics = plannedTopics();
  const brokers = await startMock(topics);
  const prefilledTopics = plannedPrefilledTopics();
  const prefilledBrokers = prefilledTopics.length ? await startMock(prefilledTopics, MOCK_PREFILL_LIMIT) : null;
  const largeTopicTopics = plannedTopics(true);
  const topicBrokers = largeTopicTopics.length ? await startMock(largeTopicTopics, MOCK_PREFILL_LIMIT) : null;
  const cpuModel = os.cpus()[0]?.model ?? 'unknown';
  const librdkafka = (await import(join(root, 'dist/esm/index.mjs'))).librdkafkaVersion;
  const header = `octokafka bench — ${started.toISOString()} — ${os.cpus().length} × ${cpuModel}, ${process.version}, librdkafka ${typeof librdkafka === 'function' ? librdkafka() : librdkafka}\n` +
    `${opts.count.toLocaleString('en-US')} messages per run, sizes ${opts.sizes.join(', ')} B, ${opts.repeat} run(s) per throughput phase, mock cluster ${brokers}${prefilledBrokers ? ` and ${prefilledBrokers} for the prefilled consume partitions` : ''}${topicBrokers ? ` and ${topicBrokers} for the topic consume rows` : ''} (separate processes)`;
  process.stderr.write(`${header}\n`);
  const all = {};
  const ctx = { brokers, prefilledBrokers, topicBrokers, bin };
  for (const size of opts.sizes) {
    let filled = false;
    for (const s of scenariosAt(size)) {
      if (s.kind === 'consume' && opts.consumeFrom === 'prefilled' && !filled) {
        await prefill(size, ctx);
        filled = true;
      }
      const reps = s.kind === 'latency' ? 1 : opts.repeat;
      for (let rep = 0; rep < reps; rep++) {
        if (opts.quiet > 0) await waitForQuiet(opts.quiet, opts.quietWaitMs);
        const a = cpuSnapshot();
        let out;
        try {
          out = await runPhase(s, size, rep, ctx);
        } catch (e) {
          out = { ok: false, error: String(e?.stack ?? e) };
        }
        const b = cpuSnapshot();
        out.foreignCores = foreignCores(a, b);
        (all[`${s.id}/${size}`] ??= []).push(out);
        const x = out.result;
        const summary = !out.ok
          ? `FAILED: ${out.error}`
          : s.kind === 'latency'
            ? `p50 ${x.p50.toFixed(2)} ms, p99 ${x.p99.toFixed(2)} ms, max ${x.max.toFixed(1)} ms${x.eventLoopP99Ms != null ? `, event loop p99 ${x.eventLoopP99Ms.toFixed(1)} ms` : ''}`
            : `${fmtInt(out.msgsPerSec)} msgs/s, ${fmt1((out.msgsPerSec * size) / 1e6)} MB/s, CPU ${x.cpuSeconds.toFixed(2)} s${x.eventLoopP99Ms != null ? `, event loop p99 ${x.eventLoopP99Ms.toFixed(1)} ms` : ''}${out.feeder ? `, feeder CPU ${out.feeder.cpuSeconds.toFixed(2)} s` : ''}`;
        process.stderr.write(`  ${s.id.padEnd(10)} ${String(size).padStart(5)} B #${rep + 1}: ${summary} (other load ${out.foreignCores.toFixed(2)} cores)\n`);
      }
    }
  }
  await stopMocks();
  mkdirSync(join(here, '.build'), { recursive: true });
  writeFileSync(join(here, '.build/last-run.json'), JSON.stringify({ started, opts: { ...opts, only: argv.only ?? null }, runs: all }, null, 1));
  const { table, failures } = buildTable(all);
  const runsDetail = Object.entries(all)
    .map(([k, runs]) => `- ${k}: ${runs.map((r) => (r.ok ? (r.result.p99 != null ? `p99 ${r.result.p99.toFixed(2)} ms` : fmtInt(r.msgsPerSec)) : 'failed')).join(', ')}`)
    .join('\n');
  const feederDetail = Object.entries(all)
    .filter(([k]) => SCENARIOS.find((s) => s.id === k.split('/')[0])?.kind === 'consume')
    .map(([k, runs]) => `- ${k}: feeder CPU ${runs.map((r) => (r.feeder ? `${r.feeder.cpuSeconds.toFixed(2)} s` : '–')).join(', ')}`)
    .join('\n');
  const md = [
    '# octokafka benchmark results',
    '',
    `Date: ${started.toISOString()}  `,
    `Machine: ${os.cpus().length} × ${cpuModel} (nproc ${os.availableParallelism()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}  `,
    `Node ${process.version}, librdkafka ${typeof librdkafka === 'function' ? librdkafka() : librdkafka} (the addon and bench/native/bench.c link the same librdkafka.a)  `,
    `Command: \`node bench/run.mjs ${process.argv.slice(2).join(' ')}\` — ${opts.count.toLocaleString('en-US')} messages per throughput run, ${opts.repeat} run(s) per phase (median shown), MockCluster (1 broker, 1 partition per topic, fresh topic per run${opts.consumeFrom === 'prefilled' ? ' except the consume runs, which read one prefilled partition per size on a second mock' : ''}) in a separate process.`,
    '',
    table,
    '',
    'Targets (100 B): batch produce ≥ 1.5 M msgs/s, batch consume ≥ 2.0 M msgs/s (each ≥ 50 % of native in the same run), send() ≥ 400 k msgs/s, latency p99 ≤ 10 ms, event-loop p99 ≤ 50 ms.',
    '',
    '## Settings',
    '',
    settingsText(),
    '',
    '## All runs (msgs/s)',
    '',
    runsDetail,
    '',
    ...(opts.consumeFrom === 'feeder' ? ['## Consume feeder', '', feederDetail] : []),
    ...(failures.length ? ['', '## Failures', '', ...failures.map((f) => `- ${f}`)] : []),
    '',
  ].join('\n');
  process.stdout.write(`\n${header}\n\n${table}\n\n${settingsText()}\n`);
  if (failures.length) process.stdout.write(`\nFailures:\n${failures.map((f) => `- ${f}`).join('\n')}\n`);
  if (opts.out) {
    mkdirSync(dirname(opts.out), { recursive: true });
    writeFileSync(opts.out, md);
    process.stderr.write(`\nwrote ${relative(process.cwd(), opts.out)}\n`);
  }
  return failures.length ? 1 : 0;
}

main()
  .then((code) => {
    killAll();
    process.exit(code);
  })
  .catch((e) => {
    process.stderr.write(`bench failed: ${e?.stack ?? e}\n`);
    killAll();
    process.exit(1);
  });
