/**
 * Crash tests (issue 6), in the spirit of "produce → crash → recover → consume": a child
 * process produces and is killed with SIGKILL mid-stream, then every message it reported
 * acknowledged must be in the topic; a topic-layer consumer process is killed mid-processing
 * and its restart under the same name re-receives exactly the events it had not acknowledged.
 * The cluster lives in the test process, so the kill does not take it down.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { describe, expect, it } from 'vitest';

import { Driver } from '../../lib/index';
import { check, printFigures, readAll, type Acked } from '../fault-helpers';
import { unique, useCluster } from '../helpers';

const fixtures = join(__dirname, '..', 'fixtures');

const cluster = useCluster();

/** Starts a fixture and calls `onLine` for each line it prints; resolves with the exit once it ends. */
function child(script: string, args: string[], onLine: (line: string) => void): { proc: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const proc = spawn(process.execPath, [join(fixtures, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: proc.stdout! });
  lines.on('line', onLine);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    // 'close': the process ended and its stdout was read to the end.
    proc.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { proc, exited };
}

describe('crash: produce → SIGKILL → consume', () => {
  it('every message the killed producer reported acknowledged is in the topic, once, in order', async () => {
    const partitions = 3;
    const topic = await cluster.topic('crash-produce', partitions);
    const acked: Acked[] = [];
    const failed: string[] = [];
    let killAt = 0;
    const { proc, exited } = child('produce-and-crash.js', [cluster.bootstrapServers, topic, String(partitions)], (line) => {
      const [kind, id, partition] = line.split(' ');
      if (kind === 'ack') acked.push({ id: Number(id), partition: Number(partition) });
      else if (kind === 'fail') failed.push(line);
      // Mid-stream: well after the start, with sends still in flight.
      if (acked.length >= 3000 && killAt === 0) {
        killAt = acked.length;
        proc.kill('SIGKILL');
      }
    });
    const end = await exited;
    expect(end.signal).toBe('SIGKILL');
    expect(failed).toEqual([]);
    const found = await readAll(cluster.bootstrapServers, topic, partitions);
    // Messages in flight at the kill may be in the topic without their acknowledgement
    // having been printed: found ≥ acked. Every printed one must be there.
    const figures = check(found.length, acked, found);
    printFigures('produce-sigkill', figures, `killedAfterAcks=${killAt} foundUnacknowledged=${found.length - new Set(acked.map((a) => a.id)).size}`);
    expect(acked.length).toBeGreaterThanOrEqual(3000);
    expect(figures.lost).toBe(0);
    expect(figures.duplicates).toBe(0);
    expect(figures.outOfOrder).toBe(0);
  });
});

describe('crash: a topic consumer killed mid-processing, restarted under the same name', () => {
  it('re-receives exactly the events it had not acknowledged (durable acknowledgements)', () => consumerCrashAndRestart('durable'));

  it('plain acknowledgements (committed in the background): every unacknowledged event again, nothing lost, no gap', () => consumerCrashAndRestart('plain'));
});

/**
 * A topic-layer consumer process acknowledges 70 events (durably or not), pulls 30 more, and
 * is killed; a restart under the same name must get every unacknowledged event once.
 */
async function consumerCrashAndRestart(mode: 'durable' | 'plain'): Promise<void> {
  const kafka = { 'bootstrap.servers': cluster.bootstrapServers, 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500 };
  const driver = await Driver.connect({ kafka });
  try {
    const name = unique('crashtopic');
    const partitions = 2;
    const topic = await driver.createTopic(name, { num_partitions: partitions });
    const producer = topic.producer();
    const total = 200;
    const ids = await Promise.all(Array.from({ length: total }, (_, i) => producer.push({ i }, undefined, { partition: i })));
    expect(ids).toHaveLength(total);
    // Every event of the topic, per partition.
    const all = new Map<number, bigint[]>();
    for (let p = 0; p < partitions; p++) all.set(p, []);
    for (let i = 0; i < total; i++) all.get(i % partitions)!.push(ids[i]!);

    const group = unique('worker');
    const lastAcked = new Map<number, bigint>();
    let unacked = 0;
    let ready = false;
    const { proc, exited } = child('consume-and-crash.js', [cluster.bootstrapServers, name, group, '70', '30', mode], (line) => {
      const [kind, partition, id] = line.split(' ');
      if (kind === 'acked') lastAcked.set(Number(partition), BigInt(id!));
      else if (kind === 'unacked') unacked++;
      else if (kind === 'ready') {
        ready = true;
        proc.kill('SIGKILL');
      }
    });
    const end = await exited;
    expect(end.stderr).toBe('');
    expect(ready).toBe(true);
    expect(end.signal).toBe('SIGKILL');

    // What was not acknowledged: in each partition, every event after the last acknowledged one.
    const expected = new Set<string>();
    for (const [p, list] of all) for (const id of list) if (id > (lastAcked.get(p) ?? -1n)) expected.add(`${p}:${id}`);

    const consumer = topic.consumer(group);
    const received: string[] = [];
    // Durable: exactly the unacknowledged events come. Plain: those, and possibly the last
    // acknowledgements whose background commit the kill cut off (at-least-once).
    const want = [...expected];
    while (want.some((e) => !received.includes(e))) {
      const event = await consumer.pull({ timeoutMs: 30_000 });
      if (event === null) break;
      received.push(`${event.partition.partition_id}:${event.id}`);
    }
    // Nothing more comes: anything beyond would be an event delivered again after the ones wanted.
    const extra = await consumer.pull({ timeoutMs: 1500 });
    await consumer.close();
    const duplicates = received.length - new Set(received).size;
    const unexpected = received.filter((r) => !expected.has(r));
    const missing = [...expected].filter((e) => !received.includes(e));
    console.log(
      `fault[consumer-sigkill-restart-${mode}]: sent=${total} acked=${total - expected.size} found=${received.length} duplicates=${duplicates} lost=${missing.length} ` +
        `unackedSeenBeforeKill=${unacked} redeliveredAcknowledged=${unexpected.length + (extra ? 1 : 0)}`,
    );
    expect(total - expected.size).toBe(70); // acknowledged before the kill
    expect(extra).toBeNull();
    expect(missing).toEqual([]);
    expect(duplicates).toBe(0);
    if (mode === 'durable') {
      expect(unexpected).toEqual([]);
    } else {
      // Redelivered acknowledged events are each partition's last ones before the unacknowledged: no gap.
      for (const [p, list] of all) {
        const got = received.filter((r) => r.startsWith(`${p}:`)).map((r) => BigInt(r.split(':')[1]!));
        const from = list.indexOf(got[0] ?? -1n);
        expect(got).toEqual(from < 0 ? [] : list.slice(from));
      }
    }
  } finally {
    await driver.close();
  }
}
