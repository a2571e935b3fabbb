/**
 * Test plumbing: every suite runs against an in-process MockCluster by default and
 * against a real cluster when KAFKA_BOOTSTRAP_SERVERS is set.
 */
import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, expect } from 'vitest';

import { KafkaAdmin } from '../lib/admin/admin';
import type { NativeAdmin } from '../lib/admin/admin-native';
import { KafkaError } from '../lib/util/errors';
import { MockCluster } from '../lib/testing/mock-cluster';

/** True when the tests talk to a real cluster. */
export const realCluster = Boolean(process.env.KAFKA_BOOTSTRAP_SERVERS);

export interface TestCluster {
  bootstrapServers: string;
  /** The embedded cluster, or undefined on a real one. */
  mock: MockCluster | undefined;
  /** Creates a topic with a unique name (through the mock's API, or CreateTopics on a real cluster). */
  topic(prefix: string, partitions?: number): Promise<string>;
  close(): Promise<void>;
}

/** A unique name for a topic or group, so that runs and tests never share state. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export async function startCluster(brokers = 1): Promise<TestCluster> {
  if (realCluster) {
    const bootstrapServers = process.env.KAFKA_BOOTSTRAP_SERVERS!;
    const admin = new KafkaAdmin({ 'bootstrap.servers': bootstrapServers });
    return {
      bootstrapServers,
      mock: undefined,
      topic: async (prefix, partitions = 1) => {
        const name = unique(prefix);
        await admin.createTopics([{ topic: name, numPartitions: partitions }]);
        return name;
      },
      close: async () => void (await admin.close()),
    };
  }
  const mock = await MockCluster.start({ brokers });
  return {
    bootstrapServers: mock.bootstrapServers,
    mock,
    topic: async (prefix, partitions = 1) => {
      const name = unique(prefix);
      await mock.createTopic(name, partitions, 1);
      return name;
    },
    close: async () => void (await mock.close()),
  };
}

/**
 * The file's cluster: started before its first test and closed after its last (after the
 * file's own `afterAll` hooks, which close the clients that use it: vitest runs those in
 * reverse order). The returned object forwards to it, so a suite writes
 * `const cluster = useCluster();` once instead of its own start and close hooks.
 */
export function useCluster(brokers = 1): TestCluster {
  let started: TestCluster | undefined;
  beforeAll(async () => {
    started = await startCluster(brokers);
  });
  afterAll(async () => {
    await started?.close();
  });
  const get = (): TestCluster => started ?? expect.unreachable('useCluster(): the cluster is used before its beforeAll hook ran');
  return {
    get bootstrapServers() {
      return get().bootstrapServers;
    },
    get mock() {
      return get().mock;
    },
    topic: (prefix, partitions) => get().topic(prefix, partitions),
    close: () => get().close(),
  };
}

/** Librdkafka settings that keep group tests quick on the mock cluster. */
export const fastGroup = {
  'session.timeout.ms': 6000,
  'heartbeat.interval.ms': 500,
  'auto.offset.reset': 'earliest',
} as const;

/** Resolves with the rejection of `promise` (which must be a KafkaError) and how long it took. */
export async function rejection(promise: Promise<unknown>): Promise<{ error: KafkaError; ms: number }> {
  const start = performance.now();
  const error = await promise.then(
    () => expect.unreachable('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KafkaError);
  return { error: error as KafkaError, ms: performance.now() - start };
}

/** An admin client whose requests go to `standIn` (its own native handle is closed at the end). */
export async function withHandle(standIn: object, fn: (admin: KafkaAdmin) => Promise<void>): Promise<void> {
  const admin = new KafkaAdmin({ 'bootstrap.servers': '127.0.0.1:1' });
  const slot = admin as unknown as { handle: NativeAdmin };
  const own = slot.handle;
  slot.handle = standIn as NativeAdmin;
  try {
    await fn(admin);
  } finally {
    slot.handle = own;
    await admin.close();
  }
}
