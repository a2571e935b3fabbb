/**
 * Lifecycle fuzz (test/fuzz/lifecycle-driver.mjs): random sequences of create / connect /
 * send / consume / iterate / pause / seek / commit / close / calls after close across several
 * clients, in the main thread and in worker threads at once, with a worker terminated in the
 * middle of its operations. Every promise settles, every failure is a typed error, the
 * threads still work afterwards.
 *
 * The seed is random unless FUZZ_SEED is set, and printed; a failure names it. FUZZ_STEPS
 * sets the steps per thread. Longer runs: `node scripts/fuzz-lifecycle.mjs --steps N --seed S`.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

// A plain ES module (it also runs as a worker script); its JSDoc types describe it.
import { HandlerFault, loadLibrary, prng, runLifecycleFuzz, runSession, sessionProblems, summarize, type ThreadReport } from '../fuzz/lifecycle-driver.mjs';
import type { DeliveryReport, OutgoingMessage, SendOptions } from '../../lib/index';


const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const steps = process.env.FUZZ_STEPS ? Number(process.env.FUZZ_STEPS) : undefined;

describe('lifecycle fuzz', () => {
  it('the PRNG is deterministic per seed', () => {
    const a = prng(42);
    const b = prng(42);
    const c = prng(43);
    const xs = Array.from({ length: 100 }, () => a.u32());
    expect(Array.from({ length: 100 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.u32())).not.toEqual(xs);
    const picks = Array.from({ length: 1000 }, () => a.int(7));
    expect(new Set(picks).size).toBe(7);
  });

  it('the harness reports a promise that never settles and an untyped error, naming the operation', async () => {
    const lib = loadLibrary();
    // A doctored producer: every third send to fz-a never settles, flush throws a TypeError.
    let sends = 0;
    class Doctored extends lib.KafkaProducer {
      override send(message: OutgoingMessage, options?: SendOptions): Promise<DeliveryReport> {
        if (message.topic === 'fz-a' && ++sends % 3 === 0) return new Promise<DeliveryReport>(() => undefined);
        return super.send(message, options);
      }
      override flush(): Promise<void> {
        throw new TypeError('doctored flush');
      }
    }
    const report = (await runLifecycleFuzz({
      lib: { ...lib, KafkaProducer: Doctored },
      seed: 1,
      steps: 150,
      thread: 'harness',
      only: /^producer\.(send|flush)$/,
      settleDeadlineMs: 1000,
    })) as ThreadReport;
    expect(report.ops['producer.send']).toBeGreaterThan(5);
    expect(report.ops['producer.flush']).toBeGreaterThan(0);
    expect(report.hanging.length).toBeGreaterThan(0);
    expect(report.hanging.every((h) => h.op === 'producer.send')).toBe(true);
    expect(report.tracked - report.settled).toBe(report.hanging.length);
    expect(report.violations.some((v) => /producer\.flush .*untyped error: TypeError: doctored flush/.test(v))).toBe(true);
    expect(report.violations.every((v) => v.includes('seed 1'))).toBe(true);
    expect(new HandlerFault()).toBeInstanceOf(Error);
  });

  it('a worker terminated while its consumers have results on their way to JS exits, every time', async () => {
    // Found by the fuzz: partition lists librdkafka had filled (they hold references to the
    // handle's partitions) waited in the hand-off for a JS thread that was gone. The handle's
    // destruction then waited for them forever (terminate() never returned), or, freed
    // after the handle, they read freed memory (AddressSanitizer). Then, with the handle
    // gone, the last hand-off reached a terminating worker and N-API's refusal to run JS
    // aborted the process.
    const lib = loadLibrary();
    const cluster = await lib.MockCluster.start({ topics: [{ name: 'busy', partitions: 3 }] });
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const lib = require(${JSON.stringify(join(__dirname, '..', '..', 'dist/cjs/index.js'))});
      (async () => {
        const tps = [0, 1, 2].map((partition) => ({ topic: 'busy', partition }));
        const consumers = [];
        for (let i = 0; i < 3; i++) {
          const c = new lib.KafkaConsumer({ 'bootstrap.servers': workerData.servers, 'group.id': 'busy-' + workerData.round + '-' + i });
          await c.assign(tps.map((tp) => ({ ...tp, offset: 0n })));
          consumers.push(c);
        }
        parentPort.postMessage('ready');
        for (;;) {
          await Promise.allSettled(consumers.flatMap((c) => [
            c.assignment(), c.position(tps), c.committed(tps), c.seek(tps.map((tp) => ({ ...tp, offset: 0n }))),
            c.commit(tps.map((tp) => ({ ...tp, offset: 1n }))), c.offsetsForTimes(tps.map((tp) => ({ ...tp, offset: 0n }))),
          ]));
        }
      })();
    `;
    const r = prng(seed);
    const codes: number[] = [];
    for (let round = 0; round < 8; round++) {
      const worker = new Worker(source, { eval: true, workerData: { servers: cluster.bootstrapServers, round } });
      await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      await new Promise((resolve) => setTimeout(resolve, r.range(5, 300)));
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        worker.terminate(),
        new Promise<string>((resolve) => (timer = setTimeout(() => resolve('terminate() did not return within 30 s'), 30_000))),
      ]);
      clearTimeout(timer);
      codes.push(code as number);
      if (typeof code === 'string') break;
    }
    expect(codes).toEqual(Array.from({ length: 8 }, () => 1));
    await cluster.close();
  }, 300_000);

  it('a synchronous commit while the coordinator is unreachable fails after its timeout; close() and a worker exit still complete', async () => {
    // Found by the fuzz: a worker terminated during a broker outage never exited, its
    // consumer's thread waiting in rd_kafka_commit for a coordinator that did not come back.
    const lib = loadLibrary();
    const cluster = await lib.MockCluster.start({ topics: [{ name: 'outage', partitions: 1 }] });
    // librdkafka's close waits for an abandoned commit: up to session.timeout.ms, or
    // socket.timeout.ms when its request was in flight. Keep both short.
    const group = { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500, 'socket.timeout.ms': 10_000 };
    const c = new lib.KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': 'outage', ...group });
    c.on('error', () => undefined);
    await c.assign([{ topic: 'outage', partition: 0, offset: 0n }]);
    await c.commit([{ topic: 'outage', partition: 0, offset: 1n }]);
    await cluster.setBrokerDown(1);
    const started = Date.now();
    const e = await c.commit([{ topic: 'outage', partition: 0, offset: 2n }], { timeoutMs: 2000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(lib.KafkaError);
    expect((e as { codeName: string }).codeName).toBe('_TIMED_OUT');
    expect((e as Error).message).toMatch(/commit not confirmed within 2000 ms/);
    expect(Date.now() - started).toBeLessThan(30_000);
    const closed = await Promise.race([c.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('close() still pending after 60 s'), 60_000))]);
    expect(closed).toBe('closed');

    // The same in a worker terminated while its commit waits.
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const lib = require(${JSON.stringify(join(__dirname, '..', '..', 'dist/cjs/index.js'))});
      (async () => {
        const c = new lib.KafkaConsumer({ 'bootstrap.servers': workerData, 'group.id': 'outage-worker', 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500, 'socket.timeout.ms': 10000 });
        c.on('error', () => undefined);
        await c.assign([{ topic: 'outage', partition: 0, offset: 0n }]);
        c.commit([{ topic: 'outage', partition: 0, offset: 1n }], { timeoutMs: 600000 }).catch(() => undefined);
        setTimeout(() => parentPort.postMessage('committing'), 200);
      })();
    `;
    const worker = new Worker(source, { eval: true, workerData: cluster.bootstrapServers });
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      worker.terminate(),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('terminate() did not return within 60 s'), 60_000))),
    ]);
    clearTimeout(timer);
    expect(code).toBe(1);
    await cluster.close();
  }, 180_000);

  it(
    'main thread + 2 workers + a terminated worker: every promise settles, only typed errors',
    async () => {
      console.log(`lifecycle fuzz seed ${seed} (FUZZ_SEED=${seed} to repeat)`);
      const report = (await runSession({
        seed,
        mainSteps: steps ?? 800,
        workers: 2,
        workerSteps: steps ?? 600,
        terminate: true,
        settleDeadlineMs: 90_000,
      }));
      console.log(summarize(report));
      const problems: string[] = sessionProblems(report);
      expect(problems, `seed ${seed}`).toEqual([]);

      expect(report.threads.map((t) => t.thread)).toEqual(['main', 'worker1', 'worker2']);
      const total = report.threads.reduce((n, t) => n + t.steps, 0) + report.terminated!.stepsBeforeTerminate;
      expect(total).toBeGreaterThanOrEqual(steps === undefined ? 2000 : 3 * steps);
      for (const t of report.threads) {
        expect(t.settled, t.thread).toBe(t.tracked);
        expect(t.tracked, t.thread).toBeGreaterThan(t.steps);
        expect(t.sanity, t.thread).toBe(true);
      }
      // The run covered the lifecycle: every kind of client was made, used and closed, and
      // closed clients were called.
      const ops = new Set(report.threads.flatMap((t) => Object.keys(t.ops)));
      for (const op of [
        'producer.new',
        'producer.send',
        'producer.sendBatch',
        'producer.close',
        'consumer.new',
        'consumer.consumeBatch',
        'consumer.seek',
        'consumer.commit',
        'consumer.close',
        'admin.new',
        'driver.connect',
        'topic.push',
        'final.close',
      ]) {
        expect(ops.has(op), op).toBe(true);
      }
      expect(report.threads.reduce((n, t) => n + t.afterClose, 0)).toBeGreaterThan(0);
      expect(report.terminated!.exitCode).toBe(1);
      expect(report.terminated!.stepsBeforeTerminate).toBeGreaterThanOrEqual(20);
    },
    240_000,
  );
});
