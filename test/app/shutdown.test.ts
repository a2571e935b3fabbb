/**
 * Shutdown (issue 6): close() under a deadline reports what it left undelivered, and
 * closeOnSignals() closes every client on SIGTERM, delivering what was queued, then exits
 * 0 — or non-zero, naming the undelivered count, when the deadline cut it short. A second
 * signal exits at once.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { describe, expect, it } from 'vitest';

import { closeOnSignals, Driver, ErrorCode, KafkaConsumer, KafkaError, KafkaProducer, MockCluster, type ShutdownReport } from '../../lib/index';
import { check, deadAddresses, printFigures, readAll, until, type Acked } from '../fault-helpers';
import { realCluster, unique, useCluster } from '../helpers';

const cluster = useCluster();

interface Run {
  acked: Acked[];
  failed: string[];
  report: ShutdownReport | undefined;
  ready: boolean;
  signal(sig: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; ms: number }>;
}

/** Runs test/fixtures/produce-until-signal.js. */
function producerChild(bootstrapServers: string, topic: string, partitions: number, timeoutMs: number, mode = 'stream'): Run {
  const proc = spawn(process.execPath, [join(__dirname, '..', 'fixtures', 'produce-until-signal.js'), bootstrapServers, topic, String(partitions), String(timeoutMs), mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let signalledAt = 0;
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const run: Run = {
    acked: [],
    failed: [],
    report: undefined,
    ready: false,
    signal: (sig) => {
      signalledAt ||= Date.now();
      proc.kill(sig);
    },
    exited: new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal, stderr, ms: Date.now() - signalledAt }))),
  };
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const [kind, a, b] = line.split(' ');
    if (kind === 'ack') run.acked.push({ id: Number(a), partition: Number(b) });
    else if (kind === 'fail') run.failed.push(line);
    else if (kind === 'ready') run.ready = true;
    else if (kind === 'report') run.report = JSON.parse(line.slice('report '.length)) as ShutdownReport;
  });
  return run;
}

describe('close() under a deadline', () => {
  it('a producer delivers what is still queued before it closes (nothing purged while the deadline allows)', async () => {
    const topic = await cluster.topic('close-flush');
    // A long linger: when close() is called every message is still queued in librdkafka.
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 1000 });
    await producer.send({ topic, value: 'm0' });
    const outcomes = Array.from({ length: 200 }, (_, i) =>
      producer.send({ topic, value: `m${i + 1}` }).then(
        (r) => ({ id: i + 1, partition: r.partition }),
        (e: KafkaError) => e,
      ),
    );
    const report = await producer.close({ timeoutMs: 20_000 });
    const settled = await Promise.all(outcomes);
    const acked = [{ id: 0, partition: 0 }, ...settled.filter((o): o is Acked => !(o instanceof KafkaError))];
    const figures = check(201, acked, await readAll(cluster.bootstrapServers, topic, 1));
    printFigures('close-flushes-queue', figures, `undelivered=${report.undelivered}`);
    expect(report.undelivered).toBe(0);
    expect(settled.filter((o) => o instanceof KafkaError)).toEqual([]);
    expect(figures.found).toBe(201);
    expect(figures.lost).toBe(0);
  });

  // On an own MockCluster (its broker is taken down), in the real-broker run too.
  it('a Driver closes its topic producers under the deadline and reports what they left undelivered', async () => {
    const own = await MockCluster.start();
    try {
      const driver = await Driver.connect({ kafka: { 'bootstrap.servers': own.bootstrapServers } });
      const topic = await driver.createTopic(unique('drv'), { num_partitions: 1 });
      const producer = topic.producer();
      expect(await producer.push({ n: 0 })).toBe(0n);
      await own.setBrokerDown(1);
      const pushes = Array.from({ length: 5 }, (_, n) => producer.push({ n: n + 1 }).then(() => null, (e: KafkaError) => e.code));
      const report = await driver.close({ timeoutMs: 500 });
      expect(report).toEqual({ undelivered: 5, timedOut: true, uncommitted: [] });
      expect(await Promise.all(pushes)).toEqual(Array(5).fill(ErrorCode.PURGE_QUEUE));
      console.log(`fault[driver-close-broker-down]: sent=6 acked=1 found=1 duplicates=0 lost=0 undelivered=${report.undelivered}`);
    } finally {
      await own.close();
    }
  });

  it('closing twice at once shares the first close and its deadline', async () => {
    const producer = new KafkaProducer({ 'bootstrap.servers': await deadAddresses(1) });
    producer.on('error', () => undefined);
    const pending = Array.from({ length: 5 }, (_, i) => producer.send({ topic: 't', value: `m${i}` }).then(() => null, (e: KafkaError) => e.code));
    const [a, b] = await Promise.all([producer.close({ timeoutMs: 300 }), producer.close({ timeoutMs: 0 })]);
    expect(a).toEqual({ timedOut: true, undelivered: 5 });
    expect(b).toBe(a);
    expect(await Promise.all(pending)).toEqual(Array(5).fill(ErrorCode.PURGE_QUEUE));
  });
});

describe('closeOnSignals', () => {
  it('SIGTERM while producing: the child delivers what it sent, exits 0, and every acknowledged message is in the topic', async () => {
    const partitions = 2;
    const topic = await cluster.topic('sigterm', partitions);
    const run = producerChild(cluster.bootstrapServers, topic, partitions, 10_000);
    await until(() => run.acked.length >= 1000, 30_000, 'the child to acknowledge 1000 messages');
    run.signal('SIGTERM');
    const end = await run.exited;
    expect(end.stderr).toBe('');
    expect(end.code).toBe(0);
    expect(run.report).toMatchObject({ signal: 'SIGTERM', undelivered: 0, timedOut: false, errors: [], exitCode: 0 });
    expect(run.failed).toEqual([]);
    const found = await readAll(cluster.bootstrapServers, topic, partitions);
    const figures = check(run.acked.length + run.failed.length, run.acked, found);
    printFigures('sigterm-shutdown', figures, `exitCode=${end.code} closeMs=${end.ms}`);
    // Everything sent before the signal was delivered during the shutdown.
    expect(figures.found).toBe(figures.acked);
    expect(figures.lost).toBe(0);
    expect(figures.duplicates).toBe(0);
    expect(figures.outOfOrder).toBe(0);
  });

  it('SIGTERM with the cluster down: the deadline bounds the shutdown, the report names the undelivered count, the exit code is 1', async () => {
    const run = producerChild(await deadAddresses(1), 'nowhere', 1, 500, 'pending10');
    await until(() => run.ready, 20_000, 'the child to enqueue its messages');
    run.signal('SIGTERM');
    const end = await run.exited;
    expect(end.code).toBe(1);
    expect(run.report).toMatchObject({ signal: 'SIGTERM', undelivered: 10, timedOut: true, exitCode: 1 });
    expect(run.failed).toEqual(Array.from({ length: 10 }, (_, i) => `fail ${i} _PURGE_QUEUE`));
    console.log(`fault[sigterm-cluster-down]: sent=10 acked=0 found=0 duplicates=0 lost=0 undelivered=${run.report!.undelivered} exitCode=${end.code} closeMs=${end.ms}`);
    expect(end.ms).toBeLessThan(20_000); // bounded by the 500 ms deadline (no timing precision asserted)
  });

  it('a second signal exits at once while the first shutdown still waits', async () => {
    const run = producerChild(await deadAddresses(1), 'nowhere', 1, 60_000, 'pending10');
    await until(() => run.ready, 20_000, 'the child to enqueue its messages');
    run.signal('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    run.signal('SIGINT');
    const end = await run.exited;
    expect(end.code).toBe(128 + 2);
    expect(run.report).toBeUndefined();
    expect(end.ms).toBeLessThan(30_000); // far below the 60 s deadline
  });

  it('shutdown() closes consumers and producers in process and reports without exiting', async () => {
    const topic = await cluster.topic('shutdown-call');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.send({ topic, value: 'm0' });
    const group = unique('g');
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group });
    await consumer.assign([{ topic, partition: 0, offset: 0n }]);
    expect((await consumer.consume({ timeoutMs: 10_000 }))?.offset).toBe(0n);
    // Asking for the next message marks m0 processed (stored, not yet committed).
    expect(await consumer.consume({ timeoutMs: 200 })).toBeNull();
    const handle = closeOnSignals([consumer, producer], { signals: ['SIGUSR2'], timeoutMs: 5000 });
    const report = await handle.shutdown();
    handle.dispose();
    expect(report).toMatchObject({ signal: null, undelivered: 0, timedOut: false, errors: [], exitCode: 0 });
    expect(producer.isClosed && consumer.isClosed).toBe(true);
    // The consumer committed what was processed when it closed.
    const probe = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group });
    expect((await probe.committed([{ topic, partition: 0 }]))[0]!.offset).toBe(1n);
    await probe.close();
    expect(() => closeOnSignals([{} as never])).toThrow(TypeError);
  });
});
