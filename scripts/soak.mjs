#!/usr/bin/env node
// Soak: N messages (default 10,000,000) through sendBatch and consumer.batches() against a
// mock cluster in another process, while RSS and the V8 heap are sampled. Checks that every
// message arrives exactly once and in order (no gaps, no duplicates), and that RSS after
// warm-up stays flat; prints the curve as a Markdown table and a verdict.
//
//   npm run build:ts && node scripts/soak.mjs                  # or: npm run soak
//   node scripts/soak.mjs --messages 1000000 --partitions 8 --size 100
//
// Options: --messages N, --partitions P (8), --size bytes per value (100), --batch messages
// per sendBatch (10000), --samples rows of the table (20), --warmup fraction of the run not
// judged (0.2), --tolerance allowed RSS trend after warm-up in % of its mean (10), --window messages the
// producer may run ahead of the consumer (200000; the mock keeps 5 MiB per partition, so a
// producer far ahead would lose messages to retention).
// Exits 1 when a message is missing, duplicated or out of order, or when RSS is not flat.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { KafkaConsumer, KafkaProducer } = createRequire(import.meta.url)(join(root, 'dist/cjs/index.js'));

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000000' },
    partitions: { type: 'string', default: '8' },
    size: { type: 'string', default: '100' },
    batch: { type: 'string', default: '10000' },
    samples: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '0.2' },
    tolerance: { type: 'string', default: '10' },
    window: { type: 'string', default: '200000' },
  },
  strict: true,
});
const total = Number(values.messages);
const partitions = Number(values.partitions);
const size = Number(values.size);
const batchSize = Number(values.batch);
const samples = Number(values.samples);
const warmup = Number(values.warmup);
const tolerance = Number(values.tolerance);
const window = Number(values.window);
for (const [name, v] of Object.entries({ total, partitions, size, batchSize, samples, window })) {
  if (!Number.isSafeInteger(v) || v < 1) throw new TypeError(`--${name} must be a positive integer`);
}
if (size < 8) throw new TypeError('--size must be at least 8 (a value carries its sequence number)');

// ---- the mock cluster, in its own process (its memory is not this process's).
const mock = spawn(process.execPath, [join(root, 'dist/cjs/testing/mock-cluster-process.js'), '--brokers', '1', '--topic', `soak:${partitions}`], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const servers = await new Promise((resolve, reject) => {
  let text = '';
  mock.stdout.on('data', (chunk) => {
    text += chunk;
    const m = /bootstrap\.servers=(\S+)/.exec(text);
    if (m) resolve(m[1]);
  });
  mock.once('exit', (code) => reject(new Error(`the mock cluster exited with code ${code}`)));
});

const producer = new KafkaProducer({ 'bootstrap.servers': servers, 'linger.ms': 5 });
const consumer = new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': `soak-${Date.now()}`, 'enable.auto.commit': false });
for (const client of [producer, consumer]) client.on('error', (e) => console.error(`client error: ${e.message}`));
await consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic: 'soak', partition, offset: 0n })));

const mb = (n) => (n / 2 ** 20).toFixed(1);
const started = Date.now();
const rows = [];
let consumed = 0;
let produced = 0;
let nextSample = 0;
const sampleEvery = Math.max(1, Math.floor(total / samples));
const sample = () => {
  const m = process.memoryUsage();
  rows.push({ messages: consumed, seconds: (Date.now() - started) / 1000, rss: m.rss, heapUsed: m.heapUsed, external: m.external });
};

// ---- producer: sequence numbers in the values, partition = seq % P, at most `window` ahead.
let problem;
const waiters = [];
const waitForConsumer = () => new Promise((resolve) => waiters.push(resolve));
const producing = (async () => {
  while (produced < total) {
    while (produced - consumed > window) await waitForConsumer();
    const n = Math.min(batchSize, total - produced);
    // One buffer per call; the values are views of it (sendBatch copies them once).
    const arena = Buffer.alloc(n * size, 0x61);
    const messages = new Array(n);
    for (let i = 0; i < n; i++) {
      const seq = produced + i;
      const value = arena.subarray(i * size, (i + 1) * size);
      value.writeDoubleLE(seq, 0);
      messages[i] = { topic: 'soak', partition: seq % partitions, value };
    }
    await producer.sendBatch(messages);
    produced += n;
  }
})();
// A failed send ends the run (the consumer would otherwise wait for messages forever).
producing.catch((e) => {
  problem ??= `sendBatch failed: ${e.message}`;
  void consumer.close();
});

// ---- consumer: every message exactly once, in order per partition, offsets without gaps.
const nextSeq = Array.from({ length: partitions }, (_, p) => p);
const nextOffset = new Array(partitions).fill(0n);
sample();
for await (const batch of consumer.batches(10_000)) {
  for (const m of batch) {
    const seq = m.value.readDoubleLE(0);
    if (m.offset !== nextOffset[m.partition] || seq !== nextSeq[m.partition]) {
      problem ??= `partition ${m.partition}: expected offset ${nextOffset[m.partition]} (message ${nextSeq[m.partition]}), got offset ${m.offset} (message ${seq})`;
    }
    nextOffset[m.partition] = m.offset + 1n;
    nextSeq[m.partition] = seq + partitions;
  }
  consumed += batch.length;
  for (const wake of waiters.splice(0)) wake();
  if (consumed >= nextSample) {
    sample();
    nextSample += sampleEvery;
  }
  if (consumed >= total || problem) break;
}
await producing.catch(() => undefined);
sample();
const seconds = (Date.now() - started) / 1000;
await consumer.close();
await producer.close();
mock.stdin.end();

// ---- report
console.log(`\n${total.toLocaleString('en-US')} messages of ${size} B over ${partitions} partitions in ${seconds.toFixed(1)} s (${Math.round(total / seconds).toLocaleString('en-US')} msg/s)\n`);
console.log('| messages | time (s) | RSS (MB) | heap used (MB) | external (MB) |');
console.log('|--:|--:|--:|--:|--:|');
for (const r of rows) console.log(`| ${r.messages.toLocaleString('en-US')} | ${r.seconds.toFixed(1)} | ${mb(r.rss)} | ${mb(r.heapUsed)} | ${mb(r.external)} |`);
// Flat = no upward trend: the least-squares slope of RSS over the messages after warm-up,
// taken across that stretch, stays within the tolerance of the mean (single samples swing
// with each batch allocated and freed; the spread is printed too).
const judged = rows.filter((r) => r.messages >= total * warmup);
const rss = judged.map((r) => r.rss);
const low = Math.min(...rss);
const high = Math.max(...rss);
const meanX = judged.reduce((a, r) => a + r.messages, 0) / judged.length;
const meanY = rss.reduce((a, y) => a + y, 0) / rss.length;
const sxx = judged.reduce((a, r) => a + (r.messages - meanX) ** 2, 0);
const slope = sxx === 0 ? 0 : judged.reduce((a, r) => a + (r.messages - meanX) * (r.rss - meanY), 0) / sxx;
const span = judged.length > 0 ? judged[judged.length - 1].messages - judged[0].messages : 0;
const trend = ((slope * span) / meanY) * 100;
const flat = judged.length >= 3 && trend <= tolerance;
const missing = total - consumed;
console.log(`\ndelivery: ${consumed.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} consumed, ${problem ? `FAILED: ${problem}` : 'in order, no gaps, no duplicates'}`);
console.log(
  `RSS after warm-up (the first ${Math.round(warmup * 100)} % of messages): ${mb(low)}–${mb(high)} MB (mean ${mb(meanY)} MB); ` +
    `trend ${trend >= 0 ? '+' : ''}${trend.toFixed(1)} % over ${span.toLocaleString('en-US')} messages (limit +${tolerance} %): ${flat ? 'flat' : 'NOT FLAT'}`,
);
process.exit(problem || missing !== 0 || !flat ? 1 : 0);
