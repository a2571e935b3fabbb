/**
 * The addon is context-aware: it loads in the main thread and in several worker
 * threads at once, each with its own clients, and a terminated worker cleans up.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

import { KafkaProducer, MockCluster } from '../../lib/index';

const root = join(__dirname, '..', '..');

// Runs in each worker: its own producer and consumer against the shared cluster.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { KafkaProducer, KafkaConsumer } = require(${JSON.stringify(join(root, 'dist/cjs/index.js'))});
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
})().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
`;

function runWorker(data: object): Promise<{ offsets: number[]; values: string[]; error?: string }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerSource, { eval: true, workerData: data });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

describe('worker_threads', () => {
  it('loads and works in the main thread and four workers at once', async () => {
    const cluster = await MockCluster.start({ topics: [{ name: 'threads', partitions: 5 }] });
    const servers = cluster.bootstrapServers;
    const main = new KafkaProducer({ 'bootstrap.servers': servers });
    const [mainReport, ...results] = await Promise.all([
      main.send({ topic: 'threads', partition: 4, value: 'main' }),
      ...[0, 1, 2, 3].map((partition) => runWorker({ servers, topic: 'threads', partition })),
    ]);
    expect(mainReport.partition).toBe(4);
    results.forEach((r, partition) => {
      expect(r.error).toBeUndefined();
      expect(r.offsets).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(r.values).toEqual(Array.from({ length: 50 }, (_, i) => `w${partition}-${i}`));
    });
    await main.close();
    await cluster.close();
  });

  it('a worker terminated with open clients does not crash the process', async () => {
    const cluster = await MockCluster.start({ topics: [{ name: 'abandon', partitions: 1 }] });
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { KafkaProducer, KafkaConsumer, MockCluster } = require(${JSON.stringify(join(root, 'dist/cjs/index.js'))});
      (async () => {
        const own = await MockCluster.start();
        const p = new KafkaProducer({ 'bootstrap.servers': workerData });
        const c = new KafkaConsumer({ 'bootstrap.servers': workerData, 'group.id': 'abandon' });
        await c.subscribe(['abandon']);
        await p.send({ topic: 'abandon', value: 'x' });
        p.produce({ topic: 'abandon', value: 'in flight' });
        parentPort.postMessage('ready');
      })();
    `;
    const w = new Worker(source, { eval: true, workerData: cluster.bootstrapServers });
    await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    const code = await w.terminate();
    expect(code).toBe(1);
    // The main thread's clients still work afterwards.
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    expect((await producer.send({ topic: 'abandon', value: 'after' })).topic).toBe('abandon');
    await producer.close();
    await cluster.close();
  });
});
