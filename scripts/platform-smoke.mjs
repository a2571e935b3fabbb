// What a user of one platform's binary does first, as one script any runtime can run (Node.js
// under emulation, Bun on musl, Bun and Deno on glibc), against octokafka as installed in the current folder:
//   1. the README quick start: a produce/consume round trip on the embedded MockCluster;
//   2. a topic-layer round trip (Driver.embedded, push, pull, acknowledge);
//   3. worker_threads: four workers each load the addon and round-trip 50 messages at once.
// Usage (from the folder whose node_modules holds octokafka): <runtime> platform-smoke.mjs
// Prints one line per check and a closing "N passed, N failed" line; exits 1 on a failure.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

const require = createRequire(join(process.cwd(), 'noop.js'));
const entry = require.resolve('octokafka');
const { Driver, KafkaConsumer, KafkaProducer, MockCluster } = require(entry);
const native = require(join(entry, '../native/binding.js'));

const results = [];
async function check(name, fn) {
  const start = Date.now();
  try {
    const detail = await fn();
    results.push(true);
    console.log(`ok   ${name} (${Date.now() - start} ms)${detail ? `: ${detail}` : ''}`);
  } catch (e) {
    results.push(false);
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
  }
}

async function quickStart() {
  const cluster = await MockCluster.start({ topics: [{ name: 'events', partitions: 3 }] });
  const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
  const report = await producer.send({ topic: 'events', key: 'user-1', value: 'hello', headers: [['source', 'readme']] });
  const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': 'readme', 'auto.offset.reset': 'earliest' });
  await consumer.subscribe(['events']);
  let got;
  for await (const message of consumer) {
    got = message;
    break;
  }
  await consumer.close();
  await producer.close();
  await cluster.close();
  assert.equal(got.partition, report.partition);
  assert.equal(got.offset, report.offset);
  assert.equal(got.key.toString(), 'user-1');
  assert.equal(got.value.toString(), 'hello');
  return `partition ${got.partition} offset ${got.offset}`;
}

async function topicLayer() {
  const driver = await Driver.embedded({ kafka: {} });
  await driver.createTopic('sensors', { num_partitions: 2, validator: { type: 'schema', schema: { type: 'object', required: ['sensor'] } } });
  const topic = await driver.openTopic('sensors');
  const producer = topic.producer();
  const id = await producer.push({ sensor: 's1', reading: 21 }, Buffer.from('raw frame'));
  await assert.rejects(producer.push({ reading: 1 })); // the schema refuses it
  const consumer = topic.consumer('dashboard');
  const event = await consumer.pull({ timeoutMs: 10_000 });
  assert.ok(event, 'no event within 10 s');
  assert.equal(event.id, id);
  assert.deepEqual(event.metadata, { sensor: 's1', reading: 21 });
  assert.equal(event.dataBuffer.toString(), 'raw frame');
  await event.acknowledge();
  await consumer.close();
  await producer.close();
  await driver.close();
  return `event ${event.id}`;
}

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { KafkaProducer, KafkaConsumer } = require(workerData.entry);
(async () => {
  const { servers, topic, partition } = workerData;
  const producer = new KafkaProducer({ 'bootstrap.servers': servers });
  const reports = await producer.sendBatch(Array.from({ length: 50 }, (_, i) => ({ topic, partition, value: 'w' + partition + '-' + i })));
  const consumer = new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': 'worker-' + partition });
  await consumer.assign([{ topic, partition, offset: 0n }]);
  const got = [];
  while (got.length < 50) got.push(...(await consumer.consumeBatch(50 - got.length, { timeoutMs: 10000 })));
  await consumer.close();
  await producer.close();
  parentPort.postMessage({ offsets: reports.map((r) => Number(r.offset)), values: got.map((m) => m.value.toString()) });
})().catch((e) => parentPort.postMessage({ error: String((e && e.stack) || e) }));
`;

async function workers() {
  const cluster = await MockCluster.start({ topics: [{ name: 'threads', partitions: 4 }] });
  const servers = cluster.bootstrapServers;
  const run = (partition) =>
    new Promise((resolve, reject) => {
      const w = new Worker(workerSource, { eval: true, workerData: { servers, topic: 'threads', partition, entry } });
      w.once('message', (m) => {
        resolve(m);
        void w.terminate();
      });
      w.once('error', reject);
    });
  const results = await Promise.all([0, 1, 2, 3].map(run));
  await cluster.close();
  results.forEach((r, partition) => {
    assert.equal(r.error, undefined);
    assert.deepEqual(r.offsets, Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(r.values, Array.from({ length: 50 }, (_, i) => `w${partition}-${i}`));
  });
  return '4 workers x 50 messages';
}

// (Deno reports a Node.js version in process.version: its own is in process.versions.deno.)
const runtime = process.versions.bun
  ? `Bun ${process.versions.bun}`
  : process.versions.deno
    ? `Deno ${process.versions.deno} (Node.js API ${process.version})`
    : `Node.js ${process.version}`;
await check('load', () => {
  const b = native.native();
  return `${runtime}, ${process.platform}-${process.arch}, librdkafka ${b.librdkafkaVersion}, from ${native.nativeBinaryPath}`;
});
await check('README quick start (MockCluster round trip)', quickStart);
await check('topic layer round trip', topicLayer);
await check('worker_threads: 4 workers load the addon at once', workers);
const passed = results.filter(Boolean).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
