#!/usr/bin/env node
// A/B of two whole builds (TypeScript and addon) in one process, alternating A and B on one
// mock cluster, so that this machine's drift (±30 % from hour to hour) hits both alike. Made
// for native changes, which bench/ab.mjs (dist/ only) cannot compare.
//
//   node bench/ab-inprocess.mjs --a DIR --b DIR [--mode produce|consume] [--keyed] [--rounds 8] [--count N] [--size 100]
//
//   --a, --b   snapshot folders, each with dist/ and build/Release/ (the addon loads from its
//              own folder); e.g. `cp -r dist build package.json /tmp/a` before the change
//   --mode     produce: sendBatch of 10,000 with columns reports, 8 in flight (16 partitions);
//              consume: batches(10000) over a prefilled partition
//   --size     value bytes (100)
//   --keyed    each message with one of 1,000 keys and two string headers
//
// Prints each side's median rate and CPU per message (the whole process: the mock cluster's
// threads included, alike for both), and the rate of every round.
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';

const { values: argv } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    mode: { type: 'string', default: 'consume' },
    keyed: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '8' },
    count: { type: 'string', default: '300000' },
    size: { type: 'string', default: '100' },
  },
  strict: true,
});
if (!argv.a || !argv.b) throw new Error('--a DIR and --b DIR are required');
if (!['produce', 'consume'].includes(argv.mode)) throw new Error('--mode: produce or consume');
const N = Number(argv.count);
const rounds = Number(argv.rounds);
const sides = { A: await import(join(resolve(argv.a), 'dist/esm/index.mjs')), B: await import(join(resolve(argv.b), 'dist/esm/index.mjs')) };

const mock = await sides.A.MockCluster.start({ brokers: 1, partitionMaxBytes: 2 ** 34 });
const value = Buffer.alloc(Number(argv.size), 'v');
const headers = { trace: '4bf92f3577b34da6', source: 'bench' };
const keys = Array.from({ length: 1000 }, (_, i) => Buffer.from(`key-${String(i).padStart(3, '0')}`));
const message = (topic, i) => (argv.keyed ? { topic, value, key: keys[i % keys.length], headers } : { topic, value });

let prefilled = null;
if (argv.mode === 'consume') {
  prefilled = `ab-consume-${process.pid}`;
  await mock.createTopic(prefilled, 1);
  const p = new sides.A.KafkaProducer({ 'bootstrap.servers': mock.bootstrapServers, 'linger.ms': 5 });
  for (let i = 0; i < N; i += 10_000) await p.sendBatch(Array.from({ length: Math.min(10_000, N - i) }, (_, k) => message(prefilled, i + k)));
  await p.close();
}

async function produce(octo, topic) {
  await mock.createTopic(topic, 16);
  const p = new octo.KafkaProducer({ 'bootstrap.servers': mock.bootstrapServers, 'linger.ms': 5 });
  const batch = Array.from({ length: 10_000 }, (_, i) => message(topic, i));
  await p.sendBatch(batch.slice(0, 100)); // connected, metadata known
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const inFlight = [];
  for (let i = 0; i < N; i += batch.length) {
    inFlight.push(p.sendBatch(batch, { reports: 'columns' }));
    if (inFlight.length > 8) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const result = measured(t0, cpu0);
  await p.close();
  return result;
}

async function consume(octo, group) {
  const c = new octo.KafkaConsumer({ 'bootstrap.servers': mock.bootstrapServers, 'group.id': group });
  await c.assign([{ topic: prefilled, partition: 0, offset: 0n }]);
  let got = 0;
  let t0 = 0;
  let cpu0;
  for await (const batch of c.batches(10_000)) {
    if (!t0) {
      t0 = performance.now();
      cpu0 = process.cpuUsage();
    }
    got += batch.length;
    if (got >= N) break;
  }
  const result = measured(t0, cpu0);
  await c.close();
  return result;
}

function measured(t0, cpu0) {
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { rate: (N / ms) * 1000, cpuUs: (cpu.user + cpu.system) / N };
}

const results = { A: [], B: [] };
for (let round = 0; round < rounds; round++) {
  for (const side of round % 2 ? ['A', 'B'] : ['B', 'A']) {
    const id = `ab-${process.pid}-${round}-${side}`;
    results[side].push(argv.mode === 'produce' ? await produce(sides[side], id) : await consume(sides[side], id));
  }
}
const median = (xs) => xs.slice().sort((x, y) => x - y)[xs.length >> 1];
for (const side of ['A', 'B']) {
  const rs = results[side];
  const rate = median(rs.map((r) => r.rate));
  const cpu = median(rs.map((r) => r.cpuUs));
  console.log(`${side}: ${Math.round(rate).toLocaleString('en')} msgs/s, ${cpu.toFixed(2)} µs CPU per message; rounds (k msgs/s): ${rs.map((r) => Math.round(r.rate / 1000)).join(' ')}`);
}
console.log(`B/A rate ${(median(results.B.map((r) => r.rate)) / median(results.A.map((r) => r.rate))).toFixed(2)}`);
await mock.close();
process.exit(0);
