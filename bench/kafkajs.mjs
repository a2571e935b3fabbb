#!/usr/bin/env node
// octokafka/kafkajs against kafkajs itself, side by side in one run, on a MockCluster
// (1 broker, 1 partition per topic, a fresh topic per run): send() of 1,000 messages per
// call, and consuming with eachBatch and with eachMessage. 100-byte values by default.
//
//   node bench/kafkajs.mjs [--count N] [--size B] [--repeat R]
//
// Every run is its own child process (so its peak RSS is its own); the two clients
// alternate run by run, and the median of R runs is reported with the ratio. Needs
// `npm run build:ts` first (the child imports dist/).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

if (process.argv[2] === '--phase') {
  await phase(JSON.parse(process.argv[3]));
  process.exit(0);
}

const { values } = parseArgs({
  options: { count: { type: 'string', default: '200000' }, size: { type: 'string', default: '100' }, repeat: { type: 'string', default: '3' } },
});
const count = Number(values.count);
const size = Number(values.size);
const repeat = Number(values.repeat);

const octo = await import(join(root, 'dist/cjs/index.js'));
const { MockCluster, KafkaProducer } = octo.default ?? octo;
// Every prefilled partition is kept whole (librdkafka's mock keeps 5 MiB unless told).
const mock = await MockCluster.start({ brokers: 1, partitionMaxBytes: 2 ** 30 });
let topicNo = 0;
async function prefilled() {
  const topic = `kjs-bench-${process.pid}-${topicNo++}`;
  await mock.createTopic(topic, 1, 1);
  const p = new KafkaProducer({ 'bootstrap.servers': mock.bootstrapServers, 'linger.ms': 5 });
  const value = Buffer.alloc(size, 120);
  for (let i = 0; i < count; i += 10_000) {
    await p.sendBatch(Array.from({ length: Math.min(10_000, count - i) }, () => ({ topic, value })));
  }
  await p.close();
  return topic;
}

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--phase', JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`phase ${JSON.stringify(args)} exited ${code}: ${out}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)));
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
try {
  for (const mode of ['send', 'eachBatch', 'eachMessage']) {
    const results = { octokafka: [], kafkajs: [] };
    for (let r = 0; r < repeat; r++) {
      for (const impl of r % 2 === 0 ? ['octokafka', 'kafkajs'] : ['kafkajs', 'octokafka']) {
        const topic = mode === 'send' ? `kjs-send-${process.pid}-${topicNo++}` : await prefilled();
        if (mode === 'send') await mock.createTopic(topic, 1, 1);
        results[impl].push(await run({ impl, mode, topic, count, size, brokers: mock.bootstrapServers }));
        process.stderr.write('.');
      }
    }
    const o = { rate: median(results.octokafka.map((x) => x.rate)), rss: median(results.octokafka.map((x) => x.rssMiB)) };
    const k = { rate: median(results.kafkajs.map((x) => x.rate)), rss: median(results.kafkajs.map((x) => x.rssMiB)) };
    rows.push({ mode, o, k });
  }
} finally {
  await mock.close();
}
process.stderr.write('\n');
const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(`${count.toLocaleString('en-US')} messages of ${size} B, median of ${repeat} runs each, node ${process.version}, MockCluster (1 broker, 1 partition)\n`);
console.log('| scenario | octokafka/kafkajs msgs/s | kafkajs msgs/s | ratio | octokafka/kafkajs peak RSS MiB | kafkajs peak RSS MiB |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const { mode, o, k } of rows) {
  const label = mode === 'send' ? 'produce: send() of 1,000 messages per call' : `consume: ${mode}`;
  console.log(`| ${label} | ${fmt(o.rate)} | ${fmt(k.rate)} | ${(o.rate / k.rate).toFixed(2)}× | ${o.rss.toFixed(0)} | ${k.rss.toFixed(0)} |`);
}

async function phase({ impl, mode, topic, count, size, brokers }) {
  const lib = impl === 'kafkajs' ? (await import('kafkajs')).default : await import(join(root, 'dist/esm/kafkajs.mjs'));
  const { Kafka, logLevel } = lib;
  const kafka = new Kafka({ clientId: 'bench', brokers: [brokers], logLevel: logLevel.NOTHING });
  let rate;
  if (mode === 'send') {
    const producer = kafka.producer();
    await producer.connect();
    const value = Buffer.alloc(size, 120);
    const messages = Array.from({ length: 1000 }, () => ({ value }));
    await producer.send({ topic, messages: messages.slice(0, 1) });
    const start = performance.now();
    for (let sent = 0; sent < count; sent += 1000) await producer.send({ topic, messages });
    rate = count / ((performance.now() - start) / 1000);
    await producer.disconnect();
  } else {
    const consumer = kafka.consumer({ groupId: `bench-${topic}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    let first = 0;
    let bytes = 0;
    const done = new Promise((resolve) => {
      const handlers =
        mode === 'eachBatch'
          ? {
              eachBatch: async ({ batch }) => {
                if (first === 0) first = performance.now();
                for (const m of batch.messages) bytes += m.value.length;
                seen += batch.messages.length;
                if (seen >= count) resolve();
              },
            }
          : {
              eachMessage: async ({ message }) => {
                if (first === 0) first = performance.now();
                bytes += message.value.length;
                if (++seen >= count) resolve();
              },
            };
      consumer.run(handlers);
    });
    await done;
    rate = count / ((performance.now() - first) / 1000);
    void bytes;
    await consumer.disconnect();
  }
  console.log(JSON.stringify({ rate, rssMiB: process.resourceUsage().maxRSS / 1024 }));
}
