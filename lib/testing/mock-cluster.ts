/**
 * MockCluster: librdkafka's in-process mock Kafka cluster. Brokers listen on ephemeral
 * loopback ports and speak the Kafka protocol, so any client (this one, another library,
 * another process) can use them. It is the embedded default that octokafka's examples
 * and tests run on, and it can inject faults.
 *
 * What the mock does not do: CreateTopics/DeleteTopics/CreatePartitions requests,
 * configs, ACLs, SASL and TLS. Create topics with {@link MockCluster.createTopic};
 * topics that are produced to or subscribed without being created get 4 partitions.
 * Each partition keeps at most 5 MiB or 100,000 record batches.
 */
import { ClosedError } from '../util/errors';
import { native, nativeError, type NativeMockCluster } from '../native/binding';
import { registerInProcessMocks } from '../core/mock-registry';
import { settlesWithin, timeoutOf, type BaseCloseReport, type TimeoutOptions } from '../core/call-options';
// Loaded for its registration: a process that has the mock cluster module also finds mock
// processes (KafkaAdmin.createTopics on an `octokafka mock`), as before the layers were split.
import './mock-control';

/** Options of {@link MockCluster.start}. */
export interface MockClusterOptions {
  /** Number of brokers (default 1). Broker ids are 1..N. */
  brokers?: number;
  /** Topics to create at start. */
  topics?: Array<{
    /** The topic name. */
    name: string;
    /** Partitions (default 1). */
    partitions?: number;
    /** Replicas per partition (default 1; at most `brokers`). */
    replicationFactor?: number;
  }>;
  /**
   * How many bytes of records each partition keeps, like a broker's `retention.bytes`
   * (default 5 MiB, librdkafka's mock default). Past it the oldest record batches are
   * deleted and a consumer reading from the beginning starts after them. Raise it to
   * produce more than that first and read it all back later; the records live in this
   * process's memory.
   */
  partitionMaxBytes?: number;
}

/** Kafka API keys, for {@link MockCluster.pushRequestErrors}. */
export const ApiKey = {
  /** Produce requests. */
  Produce: 0,
  /** Fetch requests. */
  Fetch: 1,
  /** ListOffsets requests. */
  ListOffsets: 2,
  /** Metadata requests. */
  Metadata: 3,
  /** OffsetCommit requests. */
  OffsetCommit: 8,
  /** OffsetFetch requests. */
  OffsetFetch: 9,
  /** FindCoordinator requests. */
  FindCoordinator: 10,
  /** JoinGroup requests (classic groups). */
  JoinGroup: 11,
  /** Heartbeat requests (classic groups). */
  Heartbeat: 12,
  /** LeaveGroup requests (classic groups). */
  LeaveGroup: 13,
  /** SyncGroup requests (classic groups). */
  SyncGroup: 14,
  /** InitProducerId requests (idempotent and transactional producers). */
  InitProducerId: 22,
  /** ConsumerGroupHeartbeat requests (KIP-848 groups). */
  ConsumerGroupHeartbeat: 68,
} as const;

/** The running clusters of this process (this thread), by their `bootstrapServers`. */
const live = new Map<string, MockCluster>();

/**
 * An embedded Kafka cluster.
 *
 * @example
 * ```ts
 * const cluster = await MockCluster.start({ brokers: 3, topics: [{ name: 'events', partitions: 6 }] });
 * console.log(cluster.bootstrapServers); // 127.0.0.1:37521,127.0.0.1:41233,127.0.0.1:35521
 * await cluster.close();
 * ```
 */
export class MockCluster {
  /** `host:port` of every broker, comma-separated: the `bootstrap.servers` to use. */
  readonly bootstrapServers: string;
  /** The number of brokers; their ids are 1..brokers. */
  readonly brokers: number;
  private closed = false;

  private constructor(
    private readonly handle: NativeMockCluster,
    brokers: number,
  ) {
    this.bootstrapServers = handle.bootstraps();
    this.brokers = brokers;
    live.set(this.bootstrapServers, this);
  }

  /** Starts a cluster with `brokers` brokers and creates the given topics. */
  static async start(options: MockClusterOptions = {}): Promise<MockCluster> {
    const brokers = options.brokers ?? 1;
    if (!Number.isInteger(brokers) || brokers < 1 || brokers > 64) {
      throw new TypeError(`brokers must be an integer from 1 to 64, got ${String(brokers)}`);
    }
    const maxBytes = options.partitionMaxBytes;
    if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 1)) {
      throw new TypeError(`partitionMaxBytes must be a positive integer, got ${String(maxBytes)}`);
    }
    // The mock's own log lines are of no use to the application.
    const cluster = new MockCluster(new (native().MockCluster)(brokers, () => undefined, maxBytes), brokers);
    try {
      for (const t of options.topics ?? []) await cluster.createTopic(t.name, t.partitions, t.replicationFactor);
    } catch (e) {
      await cluster.close();
      throw e;
    }
    return cluster;
  }

  /** Creates a topic (replication factor at most the number of brokers). */
  async createTopic(name: string, partitions = 1, replicationFactor = 1): Promise<void> {
    this.assertOpen('createTopic');
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('topic name must be a non-empty string');
    if (!Number.isInteger(partitions) || partitions < 1) throw new TypeError(`partitions must be a positive integer, got ${String(partitions)}`);
    if (!Number.isInteger(replicationFactor) || replicationFactor < 1 || replicationFactor > this.brokers) {
      throw new TypeError(`replicationFactor must be an integer from 1 to ${this.brokers} (the number of brokers)`);
    }
    await this.op(() => this.handle.createTopic(name, partitions, replicationFactor), `createTopic ${name}`);
  }

  /** Takes a broker down: its connections drop and it refuses new ones. */
  async setBrokerDown(brokerId: number): Promise<void> {
    this.checkBroker('setBrokerDown', brokerId);
    await this.op(() => this.handle.brokerDown(brokerId), `setBrokerDown ${brokerId}`);
  }

  /** Brings a broker taken down by {@link MockCluster.setBrokerDown} back up. */
  async setBrokerUp(brokerId: number): Promise<void> {
    this.checkBroker('setBrokerUp', brokerId);
    await this.op(() => this.handle.brokerUp(brokerId), `setBrokerUp ${brokerId}`);
  }

  /** Adds a round-trip delay to every response of a broker. */
  async setBrokerRtt(brokerId: number, rttMs: number): Promise<void> {
    this.checkBroker('setBrokerRtt', brokerId);
    checkInt('setBrokerRtt', 'rttMs', rttMs, 0);
    await this.op(() => this.handle.brokerRtt(brokerId, rttMs), `setBrokerRtt ${brokerId}`);
  }

  /** The next requests with this API key fail with these error codes, in order (cluster-wide). */
  async pushRequestErrors(apiKey: number, errorCodes: number[]): Promise<void> {
    checkInt('pushRequestErrors', 'apiKey', apiKey, 0);
    if (!Array.isArray(errorCodes)) throw new TypeError('pushRequestErrors: errorCodes must be an array of Kafka error codes');
    errorCodes.forEach((c, i) => checkInt('pushRequestErrors', `errorCodes[${i}]`, c));
    await this.op(() => this.handle.pushRequestErrors(apiKey, errorCodes), 'pushRequestErrors');
  }

  /** Moves a partition's leadership to another broker. */
  async setPartitionLeader(topic: string, partition: number, brokerId: number): Promise<void> {
    checkTopic('setPartitionLeader', topic);
    checkInt('setPartitionLeader', 'partition', partition, 0);
    this.checkBroker('setPartitionLeader', brokerId);
    await this.op(() => this.handle.partitionLeader(topic, partition, brokerId), 'setPartitionLeader');
  }

  /** Moves a group's (or transactional id's) coordinator to another broker. */
  async setCoordinator(keyType: 'group' | 'transaction', key: string, brokerId: number): Promise<void> {
    if (keyType !== 'group' && keyType !== 'transaction') throw new TypeError(`setCoordinator: keyType must be 'group' or 'transaction', got ${String(keyType)}`);
    checkTopic('setCoordinator', key, 'key');
    this.checkBroker('setCoordinator', brokerId);
    await this.op(() => this.handle.coordinator(keyType, key, brokerId), 'setCoordinator');
  }

  /** Makes metadata requests report an error for a topic (0 clears it). */
  async setTopicError(topic: string, errorCode: number): Promise<void> {
    checkTopic('setTopicError', topic);
    checkInt('setTopicError', 'errorCode', errorCode);
    await this.op(() => this.handle.topicError(topic, errorCode), 'setTopicError');
  }

  /**
   * Stops every broker. Idempotent.
   *
   * @param options - `timeoutMs`: how long to wait for the brokers to stop (default 30 000 ms);
   *   past it the report says `timedOut: true` and they stop in the background.
   */
  async close(options: TimeoutOptions = {}): Promise<BaseCloseReport> {
    const timeoutMs = timeoutOf('close', options, 30_000);
    this.closed = true;
    live.delete(this.bootstrapServers);
    return { timedOut: await settlesWithin(this.handle.close(), timeoutMs) };
  }

  /** Lets the process exit while the cluster runs. */
  unref(): this {
    if (!this.closed) this.handle.ref(false);
    return this;
  }

  /** `await using cluster = …`: closes the cluster. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Arguments reach native code only with the types it reads (a wrong one is a TypeError naming it). */
  private checkBroker(method: string, brokerId: unknown): void {
    checkInt(method, 'brokerId', brokerId, 1);
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new ClosedError(`mock cluster (${what} after close)`);
  }

  /** Runs a native operation; after close it rejects with ClosedError without reaching native code. */
  private async op(promise: () => Promise<void>, what: string): Promise<void> {
    this.assertOpen(what.split(' ')[0]!);
    try {
      await promise();
    } catch (e) {
      throw nativeError(e as never, `mock cluster: ${what} failed`);
    }
  }
}

function checkInt(method: string, name: string, value: unknown, min = -0x8000_0000): void {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > 0x7fff_ffff) {
    throw new TypeError(`${method}: ${name} must be an integer${min > -0x8000_0000 ? ` ≥ ${min}` : ''}, got ${String(value)}`);
  }
}

function checkTopic(method: string, value: unknown, name = 'topic'): void {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${method}: ${name} must be a non-empty string`);
}

/** `host:port` in one spelling: no `PLAINTEXT://`-style prefix, `localhost` as 127.0.0.1. */
function normalizeAddress(address: string): string {
  const bare = address.trim().toLowerCase().replace(/^[a-z_]+:\/\//, '');
  return bare.replace(/^localhost:/, '127.0.0.1:');
}

/**
 * The running in-process {@link MockCluster} whose brokers a client's `bootstrap.servers`
 * points at (any one address matches), or undefined. Clusters in other processes or
 * worker threads are not found; a client detects those by their cluster id instead.
 */
export function findMockCluster(bootstrapServers: string): MockCluster | undefined {
  const wanted = new Set(bootstrapServers.split(',').filter((a) => a.trim() !== '').map(normalizeAddress));
  for (const [bootstrap, cluster] of live) {
    if (bootstrap.split(',').some((a) => wanted.has(normalizeAddress(a)))) return cluster;
  }
  return undefined;
}

// KafkaAdmin (a lower layer, which must not import the mock) creates topics on a MockCluster
// of this process through the registry.
registerInProcessMocks(findMockCluster);
