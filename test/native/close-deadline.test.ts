/**
 * A consumer's close() has a deadline (issue 6: "a deadline bounds it"). librdkafka's own
 * close waits for a commit to a group coordinator that does not answer for up to
 * session.timeout.ms (here 60 s) — found by the lifecycle fuzz as a worker that never
 * exited. Past close()'s deadline it resolves with { timedOut: true }, and the handle
 * finishes closing in the background without holding the process, a terminating worker or
 * an exiting process.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { closeOnSignals, ClosedError, Driver, ErrorCode, KafkaConsumer, KafkaError, MockCluster } from '../../lib/index';
import { unique } from '../helpers';

const index = join(__dirname, '..', '..', 'dist/cjs/index.js');
// librdkafka would wait this long for the abandoned commit: far beyond every deadline here.
const slowGroup = { 'session.timeout.ms': 60_000, 'heartbeat.interval.ms': 1000 } as const;

let cluster: MockCluster;
beforeAll(async () => {
  cluster = await MockCluster.start({ topics: [{ name: 'outage', partitions: 1 }] });
});
afterAll(async () => {
  await cluster.close();
});

/** Runs a script in a child process; resolves with its exit code, output and duration. */
function runChild(script: string, killAfterMs: number): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve) => {
    proc.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('consumer close() deadline', () => {
  it('resolves with timedOut at its deadline while a commit waits for an unreachable coordinator; calls after close are ClosedErrors', async () => {
    const group = unique('g-outage');
    const c = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, ...slowGroup });
    const errors: KafkaError[] = [];
    c.on('error', (e) => errors.push(e));
    await c.assign([{ topic: 'outage', partition: 0, offset: 0n }]);
    await c.commit([{ topic: 'outage', partition: 0, offset: 1n }]);
    await cluster.setBrokerDown(1);
    try {
      const e = await c.commit([{ topic: 'outage', partition: 0, offset: 2n }], { timeoutMs: 1000 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(KafkaError);
      expect((e as KafkaError).code).toBe(ErrorCode.TIMED_OUT);

      const started = Date.now();
      const report = await c.close({ timeoutMs: 1500 });
      const ms = Date.now() - started;
      console.log(`close({ timeoutMs: 1500 }) with a commit pending and the coordinator down: ${JSON.stringify(report)} after ${ms} ms`);
      expect(report).toEqual({ timedOut: true });
      expect(ms).toBeGreaterThanOrEqual(1400);
      expect(ms).toBeLessThan(20_000);
      const timeout = errors.find((x) => x.code === ErrorCode.TIMED_OUT && /close did not complete within 1500 ms/.test(x.message));
      expect(timeout, errors.map((x) => x.message).join('; ')).toBeDefined();
      // A second close() gets the same outcome at once; other calls are refused.
      expect(await c.close()).toEqual({ timedOut: true });
      await expect(c.commit()).rejects.toBeInstanceOf(ClosedError);
      await expect(c.assign([{ topic: 'outage', partition: 0 }])).rejects.toBeInstanceOf(ClosedError);
    } finally {
      await cluster.setBrokerUp(1);
    }
  }, 60_000);

  it('completes without timing out when the coordinator answers (the deadline changes nothing then)', async () => {
    const group = unique('g-ok');
    const c = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, ...slowGroup });
    await c.assign([{ topic: 'outage', partition: 0, offset: 0n }]);
    await c.commit([{ topic: 'outage', partition: 0, offset: 3n }]);
    expect(await c.close({ timeoutMs: 10_000 })).toEqual({ timedOut: false });
    const check = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group });
    const committed = await check.committed([{ topic: 'outage', partition: 0 }]);
    expect(committed[0]?.offset).toBe(3n);
    await check.close();
  });

  it('a worker terminated while its consumer waits for an unreachable coordinator still exits', async () => {
    await cluster.setBrokerDown(1);
    try {
      const source = `
        const { parentPort, workerData } = require('node:worker_threads');
        const lib = require(${JSON.stringify(index)});
        (async () => {
          const c = new lib.KafkaConsumer({ 'bootstrap.servers': workerData.servers, 'group.id': workerData.group, ...workerData.slowGroup });
          c.on('error', () => undefined);
          await c.assign([{ topic: 'outage', partition: 0, offset: 0n }]);
          c.commit([{ topic: 'outage', partition: 0, offset: 1n }], { timeoutMs: 600000 }).catch(() => undefined);
          setTimeout(() => parentPort.postMessage('committing'), 300);
        })();
      `;
      const worker = new Worker(source, { eval: true, workerData: { servers: cluster.bootstrapServers, group: unique('g-worker'), slowGroup } });
      await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        worker.terminate(),
        new Promise<string>((resolve) => (timer = setTimeout(() => resolve('terminate() did not return within 40 s'), 40_000))),
      ]);
      clearTimeout(timer);
      console.log(`worker.terminate() during the outage returned ${code} after ${Date.now() - started} ms`);
      expect(code).toBe(1);
    } finally {
      await cluster.setBrokerUp(1);
    }
  }, 60_000);

  it('a process exits by itself after a close() that timed out, and process.exit() with an open consumer does not hang', async () => {
    // 127.0.0.1:1: nothing listens, so there is never a coordinator for the commit.
    const common = `
      const { KafkaConsumer } = require(${JSON.stringify(index)});
      const c = new KafkaConsumer({ 'bootstrap.servers': '127.0.0.1:1', 'group.id': 'exit-outage', ...${JSON.stringify(slowGroup)} });
      c.on('error', () => undefined);
    `;
    const natural = await runChild(
      `${common}
      (async () => {
        await c.assign([{ topic: 't', partition: 0, offset: 0n }]);
        // The commit outlives close()'s deadline (with 500 ms it sometimes failed before close
        // began waiting, under load, and close finished in time): close times out, and the
        // process still exits by itself.
        c.commit([{ topic: 't', partition: 0, offset: 5n }], { timeoutMs: 5000 }).catch(() => undefined);
        const report = await c.close({ timeoutMs: 1000 });
        console.log(JSON.stringify(report));
      })();`,
      50_000,
    );
    console.log(`natural exit after a timed-out close: code ${natural.code} in ${natural.ms} ms`);
    expect(natural.stdout.trim(), natural.stderr).toBe('{"timedOut":true}');
    expect(natural.code, natural.stderr).toBe(0);
    expect(natural.ms).toBeLessThan(30_000);

    const exiting = await runChild(
      `${common}
      (async () => {
        await c.assign([{ topic: 't', partition: 0, offset: 0n }]);
        c.commit([{ topic: 't', partition: 0, offset: 5n }], { timeoutMs: 600000 }).catch(() => undefined);
        setTimeout(() => { console.log('exiting'); process.exit(3); }, 300);
      })();`,
      50_000,
    );
    console.log(`process.exit() with the consumer open: code ${exiting.code} in ${exiting.ms} ms`);
    expect(exiting.stdout.trim(), exiting.stderr).toBe('exiting');
    expect(exiting.code, exiting.stderr).toBe(3);
    expect(exiting.ms).toBeLessThan(30_000);
  }, 90_000);

  it('a Driver bounds its topic consumers too: an acknowledgement whose commit hangs counts against the deadline and the report says timedOut', async () => {
    const own = await MockCluster.start();
    try {
      const driver = await Driver.connect({ kafka: { 'bootstrap.servers': own.bootstrapServers, ...slowGroup } });
      const topic = await driver.createTopic(unique('drv-close'), { num_partitions: 1 });
      const producer = topic.producer();
      await producer.push({ n: 1 });
      const consumer = topic.consumer(unique('grp'));
      const event = (await consumer.pull({ timeoutMs: 20_000 }))!;
      expect(event).not.toBeNull();
      await own.setBrokerDown(1);
      // A plain acknowledgement is recorded at once; a durable one waits for its commit.
      expect(await event.acknowledge().then(() => 'recorded')).toBe('recorded');
      const durable = event.acknowledge({ durable: true }).then(() => 'acknowledged', (e: KafkaError) => e.code);
      const started = Date.now();
      const report = await driver.close({ timeoutMs: 1500 });
      const ms = Date.now() - started;
      console.log(
        `driver.close({ timeoutMs: 1500 }) with an acknowledgement's commit pending and the broker down: ${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))} after ${ms} ms; acknowledge({ durable: true }) -> ${await durable}`,
      );
      expect(report).toEqual({ undelivered: 0, timedOut: true, uncommitted: [{ topic: topic.name, partition: 0, offset: event.id + 1n }] });
      expect(ms).toBeLessThan(20_000);
      // The acknowledgement's commit was not confirmed: the durable one fails, typed.
      expect(await durable).not.toBe('acknowledged');
      expect(typeof (await durable)).toBe('number');
    } finally {
      await own.close();
    }
  }, 60_000);

  it('closeOnSignals counts a consumer close that timed out as a timeout (exit code 1)', async () => {
    const client = { close: async () => ({ timedOut: true }) };
    const other = { close: async () => ({ undelivered: 0 }) };
    const handle = closeOnSignals([client, other], { timeoutMs: 1000, exit: false });
    try {
      const report = await handle.shutdown();
      expect(report.timedOut).toBe(true);
      expect(report.exitCode).toBe(1);
      expect(report.undelivered).toBe(0);
    } finally {
      handle.dispose();
    }
  });

  it('closeOnSignals counts acknowledgements a topic consumer could not commit (exit code 1)', async () => {
    const consumer = { close: async () => ({ timedOut: false, uncommitted: [{ topic: 't', partition: 0, offset: 5n }, { topic: 't', partition: 1, offset: 9n }] }) };
    const fine = { close: async () => ({ timedOut: false, uncommitted: [] }) };
    const handle = closeOnSignals([consumer, fine], { timeoutMs: 1000, exit: false });
    try {
      const report = await handle.shutdown();
      expect(report).toMatchObject({ uncommitted: 2, undelivered: 0, timedOut: false, exitCode: 1 });
    } finally {
      handle.dispose();
    }
  });

  it('rejects a bad timeout with a TypeError naming it', async () => {
    const c = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g-bad') });
    await expect(c.close({ timeoutMs: -1 })).rejects.toThrow(/close: options.timeoutMs must be a number of milliseconds/);
    expect(await c.close()).toEqual({ timedOut: false });
  });
});
