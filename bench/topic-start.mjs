// How fast the topic layer reads the start of a stream compared with its steady state
// (issue 21): one topic is filled once, then each run reads it all with a fresh consumer
// group in a fresh process (cold JIT, cold connections, as an application starts) and reports
// - the time from creating the consumer to its assignment and to its first event,
// - the rate of events 1..K (the head, K = --head, 100,000) and of events K..N (steady),
//   with the GC pauses, event-loop idle time and process CPU of each part,
// - the rate per 10,000-event window of the head, and the first hand-offs from the native
//   side to JS: size@ms from the first event+ms from JS asking for it (under a millisecond:
//   the pump had it ready; more: librdkafka had nothing fetched yet, or decoding was slow).
//
//   node bench/topic-start.mjs [--brokers host:port] [--count N] [--partitions P] [--reps R]
//        [--mode pull|process] [--head K] [--dist dir,dir...] [--variants JSON] [--kafka JSON]
//        [--node-flags "..."] [--fine] [--warm] [--delay ms] [--profile prefix] [--json]
//
// Without --brokers a MockCluster process is started (as bench/run.mjs does); with one, the
// topic is created there (replication factor 1). Runs of several variants alternate on the
// same topic (A B A B ...) and their medians are compared at the end:
// - --dist: package roots (a folder holding dist/ and build/Release/, e.g. a baseline copy);
// - --variants '[{"name":"a"},{"name":"b","flags":"--node-flag","kafka":{…},"limit":1000}]':
//   node flags, librdkafka properties (Driver config), or another native hand-off bound.
// Diagnostics: --fine (ms per 1,000 of the first 30,000 events, the longest gaps, the pulls
// that waited), --warm (read the topic once in the same process first: a warm JIT), --delay
// (start reading that long after the assignment: librdkafka fetched ahead), --profile (a CPU
// profile per run, with the head and a steady window marked), kafka {"debug":"fetch"}
// (librdkafka's fetch log around the first events).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

const { values: argv } = parseArgs({
  options: {
    brokers: { type: 'string' },
    count: { type: 'string', default: '1000000' },
    partitions: { type: 'string', default: '64' },
    reps: { type: 'string', default: '3' },
    mode: { type: 'string', default: 'pull' },
    head: { type: 'string', default: '100000' },
    size: { type: 'string', default: '100' },
    dist: { type: 'string', default: root },
    json: { type: 'boolean', default: false },
    warm: { type: 'boolean', default: false },
    fine: { type: 'boolean', default: false },
    child: { type: 'string' },
    kafka: { type: 'string', default: '{}' },
    'node-flags': { type: 'string', default: '' },
    profile: { type: 'string' },
    variants: { type: 'string' },
    'profile-at': { type: 'string', default: '0' },
    delay: { type: 'string', default: '0' },
  },
});

async function main() {
  const count = Number(argv.count);
  const partitions = Number(argv.partitions);
  // Variants read in turn on the same topic: --dist roots, or --variants
  // '[{"name":…,"dist":…,"flags":"--node-flag …","kafka":{…}}]'.
  const variants = argv.variants
    ? JSON.parse(argv.variants).map((v, i) => ({ name: v.name ?? String(i), dist: resolve(v.dist ?? root), flags: v.flags ?? argv['node-flags'], kafka: { ...JSON.parse(argv.kafka), ...v.kafka }, limit: v.limit }))
    : argv.dist.split(',').map((d) => ({ name: label(resolve(d)), dist: resolve(d), flags: argv['node-flags'], kafka: JSON.parse(argv.kafka) }));
  const topic = `start-${process.pid}-${Date.now()}`;
  let mock;
  let brokers = argv.brokers;
  if (!brokers) {
    mock = await startMock(`${topic}:${partitions}`);
    brokers = mock.brokers;
  }
  try {
    const fill = await spawnChild({ role: 'fill', dist: root, brokers, topic, count, partitions, size: Number(argv.size), created: !!mock, kafka: JSON.parse(argv.kafka) });
    process.stderr.write(`filled ${topic}: ${count} events on ${partitions} partitions in ${fill.seconds.toFixed(2)} s (${brokers})\n`);
    const results = new Map(variants.map((v) => [v, []]));
    for (let rep = 0; rep < Number(argv.reps); rep++) {
      for (const [i, v] of variants.entries()) {
        const spec = { role: 'read', dist: v.dist, flags: v.flags, limit: v.limit, brokers, topic, count, partitions, mode: argv.mode, warm: argv.warm, head: Number(argv.head), group: `${topic}-g${rep}-${i}`, kafka: v.kafka };
        Object.assign(spec, { profile: argv.profile && `${argv.profile}-${rep}-${i}.cpuprofile`, profileAt: Number(argv['profile-at']), delay: Number(argv.delay) });
        const r = await spawnChild(spec);
        results.get(v).push(r);
        process.stderr.write(`${v.name} rep ${rep}: ${line(r)}\n`);
        if (argv.fine) process.stderr.write(`  ms per 1,000 events: ${r.fine.join(' ')}\n  longest gaps among the first 6,000 events: ${r.gaps.join(' ')}\n  pulls that waited (head ${r.headWaitMs.toFixed(0)} ms, steady ${r.steadyWaitMs.toFixed(0)} ms): ${r.waits.join(' ')}\n`);
        if (argv.json) process.stdout.write(`${JSON.stringify({ variant: v.name, rep, ...r })}\n`);
      }
    }
    for (const [v, rs] of results) summarize(v.name, rs);
  } finally {
    mock?.child.stdin.end();
    mock?.child.kill();
  }
}

function label(dist) {
  return dist === root ? 'this tree' : dist;
}

const fmtRate = (r) => `${(r / 1000).toFixed(0)} k/s`;
const head = (r) => (1e5 / r.headRate) * 1000;
function line(r) {
  return (
    `assign ${r.assignMs?.toFixed(0)} ms, first event ${r.firstMs.toFixed(0)} ms; head ${fmtRate(r.headRate)}, steady ${fmtRate(r.steadyRate)}, ` +
    `ratio ${(r.headRate / r.steadyRate).toFixed(2)}; head ${head(r).toFixed(0)} ms: gc ${r.headGcMs.toFixed(0)}, idle ${r.headIdleMs.toFixed(0)}, cpu ${r.headCpu.toFixed(2)}; steady-equivalent ${(1e5 / r.steadyRate * 1000).toFixed(0)} ms, steady gc ${r.steadyGcMs.toFixed(0)} idle ${r.steadyIdleMs.toFixed(0)} cpu ${r.steadyCpu.toFixed(2)}; windows ${r.windows.map((w) => (w / 1000).toFixed(0)).join(' ')} k/s; ` +
    `first hand-offs ${r.handoffs.slice(0, 24).map((h) => `${h.n}@${h.t.toFixed(0)}+${h.lag.toFixed(1)}`).join(' ')} (count@ms from first event+ms since JS asked); hand-offs ${r.handoffCount}, mean ${(r.count / r.handoffCount).toFixed(0)}`
  );
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

function summarize(name, rs) {
  const m = (f) => median(rs.map(f));
  process.stderr.write(
    `${name}: median of ${rs.length}: first event ${m((r) => r.firstMs).toFixed(0)} ms, head ${fmtRate(m((r) => r.headRate))}, steady ${fmtRate(m((r) => r.steadyRate))}, head/steady ${m((r) => r.headRate / r.steadyRate).toFixed(2)}, whole ${fmtRate(m((r) => r.wholeRate))}\n`,
  );
}

function startMock(topicSpec) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist/cjs/testing/mock-cluster-process.js'), '--brokers', '1', '--topic', topicSpec], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /bootstrap\.servers=(\S+)/.exec(out);
      if (m) resolvePromise({ child, brokers: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`mock cluster exited (${code})`)));
  });
}

function spawnChild(spec) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...(spec.flags ?? '').split(/\s+/).filter(Boolean), fileURLToPath(import.meta.url), '--child', JSON.stringify(spec)], { stdio: ['ignore', 'pipe', process.env.TOPIC_START_VERBOSE ? 'inherit' : 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c) => {
      out += c;
      if (process.env.TOPIC_START_VERBOSE) process.stderr.write(c);
    });
    child.on('exit', (code) => {
      const m = /^RESULT (.*)$/m.exec(out);
      if (code === 0 && m) resolvePromise(JSON.parse(m[1]));
      else reject(new Error(`${spec.role} child exited ${code}: ${out}`));
    });
  });
}

async function runChild(spec) {
  const { Driver } = await import(pathToFileURL(join(spec.dist, 'dist/esm/topic.mjs')).href);
  const config = { kafka: { 'bootstrap.servers': spec.brokers, ...spec.kafka }, disable_info_topic: true };
  const driver = await Driver.connect(config);
  // spec.warm: read the topic once with another group first (a warm JIT, warm connections).
  if (spec.role === 'read' && spec.warm) await read(driver, { ...spec, group: `${spec.group}-warm` });
  const result = spec.role === 'fill' ? await fill(driver, spec) : await read(driver, spec);
  await driver.close();
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** Pushes `count` events ({"i":n} metadata, `size` bytes of data), 50,000 in flight at most. */
async function fill(driver, { topic, count, partitions, size, created }) {
  const handle = created ? await driver.openTopic(topic) : await driver.createTopic(topic, { num_partitions: partitions, replication_factor: 1 });
  const producer = handle.producer({ maxPending: 50_000 });
  const data = Buffer.alloc(size, 'j');
  const t0 = performance.now();
  let inflight = 0;
  let wake = null;
  let failed = 0;
  const settle = () => {
    if (--inflight <= 25_000 && wake) {
      wake();
      wake = null;
    }
  };
  for (let i = 0; i < count; i++) {
    if (inflight >= 50_000) await new Promise((r) => (wake = r));
    inflight++;
    producer.push({ i: 100_000 + (i % 900_000) }, data).then(settle, () => {
      failed++;
      settle();
    });
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  while (inflight > 0) await new Promise((r) => (wake = r));
  await producer.close();
  if (failed > 0) throw new Error(`${failed} pushes failed`);
  return { seconds: (performance.now() - t0) / 1000 };
}

/** Reads the whole topic with a fresh group, timing each 1,000th event and each native hand-off. */
async function read(driver, { topic, count, mode, head, group, profile, profileAt = 0, delay = 0, limit = 0 }) {
  // --profile: a CPU profile of the whole read, started before the consumer exists (starting
  // it later logs every compiled function at that moment, a pause of its own), with the
  // monotonic times (µs, the profile's clock) where the head and a steady window of the same
  // size (from event `profileAt`, default 500,000) start and end.
  const session = profile ? new (await import('node:inspector')).Session() : undefined;
  const hr = () => Number(process.hrtime.bigint() / 1000n);
  const windowsUs = { head: [0, 0], steady: [0, 0] };
  const steadyAt = profileAt || 500_000;
  if (session) {
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: 250 });
    session.post('Profiler.start');
  }
  const handle = await driver.openTopic(topic);
  const t0 = performance.now();
  const consumer = handle.consumer(group);
  // spec.limit: another bound on the native hand-off (messages), set on the native handle.
  if (limit) consumer.raw.handle.setLimits(limit, 8 << 20);
  // Bench-only instrumentation of private fields (the raw consumer and its hand-off).
  const raw = consumer.raw;
  let assignMs;
  raw.on('rebalance', (info) => {
    if (info.kind === 'assign' && assignMs === undefined) assignMs = performance.now() - t0;
  });
  // With kafka.debug set: librdkafka's log lines, timed (printed around the first events).
  const logs = [];
  raw.on('log', (entry) => logs.length < 3000 && logs.push([performance.now(), `${entry.facility ?? ''} ${entry.message}`]));
  const handoffs = [];
  // When JS asked the native side for the next hand-off: the gap to its arrival says
  // whether the pump had it ready (under a millisecond) or librdkafka had nothing yet.
  let askedAt = 0;
  const nativeHandle = raw.handOff.native;
  raw.handOff.native = {
    setFlow: (flowing) => nativeHandle.setFlow(flowing),
    wantMessages: () => {
      askedAt = performance.now();
      nativeHandle.wantMessages();
    },
  };
  let handoffCount = 0;
  const handOff = raw.handOff;
  const receive = handOff.receive.bind(handOff);
  handOff.receive = (fillTarget, onMessages) =>
    receive((target) => {
      const before = target.length;
      const bytes = fillTarget(target);
      handoffCount++;
      const now = performance.now();
      if (handoffs.length < 200) handoffs.push({ t: now, n: target.length - before, lag: askedAt ? now - askedAt : 0 });
      return bytes;
    }, onMessages);

  // GC pauses and event-loop idle time of the head and of the rest (cheap to observe,
  // unlike a CPU profile, whose code logging slows a cold start several times over).
  const gcMs = { head: 0, steady: 0 };
  let inHead = true;
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs[inHead ? 'head' : 'steady'] += e.duration;
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  let eluFirst;
  let eluHead;
  let cpuFirst;
  let cpuHead;
  let headWaitMs = 0;
  let steadyWaitMs = 0;
  const waits = [];
  const early = new Float64Array(6000);
  const marks = new Float64Array(Math.ceil(count / 1000) + 1);
  let got = 0;
  let first = 0;
  const onEvent = (event) => {
    if (got === 0) {
      first = performance.now();
      eluFirst = performance.eventLoopUtilization();
      cpuFirst = process.cpuUsage();
    }
    if (got === head - 1) {
      eluHead = performance.eventLoopUtilization();
      cpuHead = process.cpuUsage();
      // (GC entries are delivered later: a pause that starts in the head but is reported
      // after it counts as steady; the split is approximate.)
      setImmediate(() => (inHead = false));
    }
    if (session) {
      if (got === 0) windowsUs.head[0] = hr();
      else if (got === head) windowsUs.head[1] = hr();
      if (got === steadyAt) windowsUs.steady[0] = hr();
      else if (got === steadyAt + head) windowsUs.steady[1] = hr();
    }
    if (got < early.length) early[got] = performance.now();
    got++;
    if (event.error) throw event.error;
    if (got % 1000 === 0) marks[got / 1000] = performance.now();
  };
  // --delay: the first read waits this long after the assignment, so that librdkafka has
  // fetched ahead (separates the fetch ramp-up from the reader's own start-up costs).
  if (delay > 0) {
    while (assignMs === undefined) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, delay));
  }
  if (mode === 'process') {
    await consumer.process(onEvent, { maxEvents: count, timeoutMs: 30_000 });
  } else {
    while (got < count) {
      const asked = performance.now();
      const event = await consumer.pull({ timeoutMs: 30_000 });
      // A pull that took long waited for messages (the reader had nothing to do).
      const waited = performance.now() - asked;
      if (got > 0 && waited > 0.5) {
        if (got < head) headWaitMs += waited;
        else steadyWaitMs += waited;
        if (waits.length < 40 && got < head) waits.push(`${waited.toFixed(0)}@${got}`);
      }
      if (event === null) break;
      onEvent(event);
    }
  }
  const end = performance.now();
  session?.post('Profiler.stop', (err, { profile: p }) => writeFileSync(profile, JSON.stringify({ ...p, windowsUs })));
  const eluSteady = performance.eventLoopUtilization(eluHead);
  const cpuSteady = process.cpuUsage(cpuHead);
  const eluOfHead = performance.eventLoopUtilization(eluHead, eluFirst);
  const cpuOfHead = process.cpuUsage(cpuFirst);
  cpuOfHead.user -= cpuSteady.user;
  cpuOfHead.system -= cpuSteady.system;
  gcObserver.disconnect();
  await consumer.close();
  if (got !== count) throw new Error(`read ${got} of ${count}`);
  const tHead = marks[head / 1000];
  if (logs.length > 0) {
    for (const [t, m] of logs) if (t - first < 400) process.stderr.write(`  [${(t - first).toFixed(1)}] ${m.slice(0, 220)}\n`);
    for (const h of handoffs.slice(0, 6)) process.stderr.write(`  [${(h.t - first).toFixed(1)}] hand-off of ${h.n}\n`);
  }
  const windows = [];
  for (let k = 10; k <= head / 1000; k += 10) windows.push(10_000 / ((marks[k] - (k === 10 ? first : marks[k - 10])) / 1000));
  return {
    count,
    assignMs,
    firstMs: first - t0,
    headRate: (head - 1) / ((tHead - first) / 1000),
    steadyRate: (count - head) / ((end - tHead) / 1000),
    wholeRate: (count - 1) / ((end - first) / 1000),
    windows,
    handoffCount,
    headWaitMs,
    steadyWaitMs,
    headGcMs: gcMs.head,
    steadyGcMs: gcMs.steady,
    headIdleMs: eluOfHead.idle,
    steadyIdleMs: eluSteady.idle,
    // Process CPU (all threads) per wall second: above 1, other threads (librdkafka, V8's
    // compiler and GC helpers) competed for the two cores.
    headCpu: (cpuOfHead.user + cpuOfHead.system) / 1000 / (tHead - first),
    steadyCpu: (cpuSteady.user + cpuSteady.system) / 1000 / (end - tHead),
    waits,
    handoffs: handoffs.map((h) => ({ n: h.n, t: h.t - first, lag: h.lag })),
    // The longest gaps between two of the first 6,000 events: ms@event index.
    gaps: [...early.keys()].slice(1).map((i) => [early[i] - early[i - 1], i]).sort((a, b) => b[0] - a[0]).slice(0, 12).map(([d, i]) => `${d.toFixed(1)}@${i}`),
    // Milliseconds taken by each of the first 30 runs of 1,000 events.
    fine: Array.from({ length: 30 }, (_, k) => +(marks[k + 1] - (k === 0 ? first : marks[k])).toFixed(1)),
  };
}

if (argv.child) {
  await runChild(JSON.parse(argv.child));
} else {
  await main();
}
