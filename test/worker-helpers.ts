/**
 * Plumbing for the worker, metrics and tracing suites: a Connections registry pointed at
 * the test cluster, committed offsets, reading a topic back, waiting for a condition.
 */
import { Connections } from '../lib/app/connections';
import { KafkaConsumer } from '../lib/client/consumer';
import type { Message } from '../lib/core/message';
import { fastGroup, unique, type TestCluster } from './helpers';

/** A registry with one connection, `test`, to the cluster; the environment is ignored. */
export function testConnections(cluster: TestCluster, options: ConstructorParameters<typeof Connections>[0] = {}): Connections {
  return new Connections({ source: { connections: { test: { 'bootstrap.servers': cluster.bootstrapServers } } }, env: {}, ...options });
}

/** Consumer settings that keep group tests quick. */
export const workerConsumerConfig = { ...fastGroup };

/** The group's committed offsets of partitions 0..n-1 of a topic (-1001n: none). */
export async function committedOffsets(cluster: TestCluster, group: string, topic: string, partitions = 1): Promise<bigint[]> {
  const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group });
  try {
    const list = await consumer.committed(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
    return list.map((p) => p.offset);
  } finally {
    await consumer.close();
  }
}

/** Waits until `check` returns true (polling), or throws after `timeoutMs` saying what it waited for. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every message of partitions 0..n-1 of a topic, reading until `expected` arrived (or 5 s of silence). */
export async function readTopic(cluster: TestCluster, topic: string, options: { partitions?: number; expected?: number; isolation?: 'read_committed' | 'read_uncommitted' } = {}): Promise<Message[]> {
  const consumer = new KafkaConsumer({
    'bootstrap.servers': cluster.bootstrapServers,
    'group.id': unique('reader'),
    'isolation.level': options.isolation ?? 'read_uncommitted',
  });
  await consumer.assign(Array.from({ length: options.partitions ?? 1 }, (_, partition) => ({ topic, partition, offset: 0n })));
  const out: Message[] = [];
  try {
    for (;;) {
      if (options.expected !== undefined && out.length >= options.expected) {
        // Anything beyond what was expected shows up within a short extra wait.
        const extra = await consumer.consumeBatch(1000, { timeoutMs: 500 });
        out.push(...extra);
        return out;
      }
      const batch = await consumer.consumeBatch(1000, { timeoutMs: 5000 });
      if (batch.length === 0) return out;
      out.push(...batch);
    }
  } finally {
    await consumer.close();
  }
}

/** The value of a header as text (undefined when absent). */
export function header(message: Message, name: string): string | undefined {
  const h = message.headers.find(([n]) => n === name);
  return h?.[1]?.toString();
}

/** A logger that records what it is given (pino's call shape: fields, message). */
export function recordingLogger(): { lines: Array<{ level: string; fields: Record<string, unknown>; msg: string }>; logger: import('../lib/core/client-base').Logger } {
  const lines: Array<{ level: string; fields: Record<string, unknown>; msg: string }> = [];
  const at = (level: string) => (fields: object, msg?: string) => {
    lines.push({ level, fields: fields as Record<string, unknown>, msg: msg ?? '' });
  };
  return { lines, logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } };
}
