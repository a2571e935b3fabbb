/**
 * Bookkeeping for the fault suites: messages carry a numeric id in their value; a run is
 * checked against what was acknowledged, and each scenario prints one figures line.
 */
import { createServer } from 'node:net';

import { KafkaConsumer, type Message } from '../lib/index';

/** One message as the producer side recorded it (id, and the partition the broker acknowledged it in). */
export interface Acked {
  id: number;
  partition: number;
}

/** What a check of acknowledged against found messages measured. */
export interface Figures {
  sent: number;
  acked: number;
  /** Messages of the run found in the topic (every copy counted). */
  found: number;
  /** Extra copies of an id. */
  duplicates: number;
  /** Acknowledged ids not found. */
  lost: number;
  /** Partitions where the first copies of ids do not come in increasing order (per-partition order broken). */
  outOfOrder: number;
}

/** The id a fault-suite message carries: its value is `<prefix><id>`. */
export function idOf(value: Buffer | null, prefix = 'm'): number {
  const text = value?.toString() ?? '';
  if (!text.startsWith(prefix)) throw new Error(`unexpected message ${JSON.stringify(text)}`);
  return Number(text.slice(prefix.length));
}

/**
 * Compares the acknowledged ids with the messages found. `found` must be in offset order per
 * partition (as {@link readAll} returns them); every id must have been sent in increasing
 * order per partition for the order check to mean something.
 */
export function check(sent: number, acked: readonly Acked[], found: ReadonlyArray<{ id: number; partition: number }>): Figures {
  const copies = new Map<number, number>();
  const lastId = new Map<number, number>();
  const disorderedPartitions = new Set<number>();
  for (const f of found) {
    const seen = copies.get(f.id) ?? 0;
    copies.set(f.id, seen + 1);
    if (seen > 0) continue; // a copy is counted as a duplicate; order is that of first copies
    const last = lastId.get(f.partition);
    if (last !== undefined && f.id <= last) disorderedPartitions.add(f.partition);
    lastId.set(f.partition, f.id);
  }
  let duplicates = 0;
  for (const n of copies.values()) duplicates += n - 1;
  const lost = acked.filter((a) => !copies.has(a.id)).length;
  return { sent, acked: acked.length, found: found.length, duplicates, lost, outOfOrder: disorderedPartitions.size };
}

/** Prints the scenario's figures line (the issue asks every fault test to print its counts). */
export function printFigures(scenario: string, f: Figures, extra = ''): void {
  console.log(
    `fault[${scenario}]: sent=${f.sent} acked=${f.acked} found=${f.found} duplicates=${f.duplicates} lost=${f.lost}` +
      (f.outOfOrder ? ` outOfOrder=${f.outOfOrder}` : '') +
      (extra ? ` ${extra}` : ''),
  );
}

/**
 * Every message of the topic's partitions, from the first offset to the high watermark, in
 * offset order per partition (a standalone reader: no group, nothing committed).
 */
export async function readAll(bootstrapServers: string, topic: string, partitions: number, prefix = 'm'): Promise<Array<{ id: number; partition: number; offset: bigint }>> {
  const consumer = new KafkaConsumer({ 'bootstrap.servers': bootstrapServers, 'group.id': `reader-${topic}`, 'enable.auto.commit': false });
  try {
    const ends = new Map<number, bigint>();
    for (let p = 0; p < partitions; p++) ends.set(p, (await consumer.queryWatermarkOffsets(topic, p, { timeoutMs: 20_000 })).high);
    const wanted = [...ends].filter(([, high]) => high > 0n).map(([partition]) => ({ topic, partition, offset: 0n }));
    const byPartition = new Map<number, Message[]>();
    if (wanted.length > 0) {
      await consumer.assign(wanted);
      const done = (): boolean => [...ends].every(([p, high]) => {
        const got = byPartition.get(p);
        return high === 0n || (got !== undefined && got[got.length - 1]!.offset + 1n >= high);
      });
      const deadline = Date.now() + 30_000;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`readAll(${topic}): timed out before the high watermarks`);
        for (const m of await consumer.consumeBatch(10_000, { timeoutMs: 1000 })) {
          let list = byPartition.get(m.partition);
          if (!list) byPartition.set(m.partition, (list = []));
          list.push(m);
        }
      }
    }
    const out: Array<{ id: number; partition: number; offset: bigint }> = [];
    for (const [partition, list] of [...byPartition].sort(([a], [b]) => a - b)) {
      for (const m of list) out.push({ id: idOf(m.value, prefix), partition, offset: m.offset });
    }
    return out;
  } finally {
    await consumer.close();
  }
}

/** Loopback addresses nothing listens on (ports taken from the OS, then released). */
export async function deadAddresses(n: number): Promise<string> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    ports.push((server.address() as { port: number }).port);
    await new Promise<void>((r) => server.close(() => r()));
  }
  return ports.map((p) => `127.0.0.1:${p}`).join(',');
}

/** Resolves once `cond()` holds; rejects naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
