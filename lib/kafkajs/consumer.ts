/**
 * KafkaJS's consumer over octokafka's {@link KafkaConsumer}: `subscribe`, `run` with
 * `eachMessage` / `eachBatch`, KafkaJS's offset resolution and auto-commit, `seek`,
 * `pause` / `resume`, retries and the `CRASH` / restart cycle, instrumentation events.
 */
import { KafkaAdmin } from '../admin/admin';
import { KafkaConsumer } from '../client/consumer';
import type { KafkaConfig as RawConfig } from '../config/client-config';
import type { Message as RawMessage, TopicPartitionOffset as RawTPO } from '../core/message';
import type { ClientBase } from './config-mapping';
import { fetchBuffers, handOffMark } from './consumer-buffers';
import { KafkaJSError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, toKafkaJSError } from './errors';
import { Instrumentation } from './events';
import { isRetriable, retryDelays } from './retry';
import type {
  Batch,
  Consumer,
  ConsumerConfig,
  ConsumerEvents,
  ConsumerRunConfig,
  ConsumerSubscribeTopic,
  ConsumerSubscribeTopics,
  GroupDescription,
  IHeaders,
  InstrumentationEvent,
  KafkaMessage,
  Logger,
  Offsets,
  OffsetsByTopicPartition,
  TopicOffsets,
  TopicPartitionOffset,
  TopicPartitionOffsetAndMetadata,
  TopicPartitions,
  ValueOf,
} from './types';

const EVENTS: ConsumerEvents = {
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH_START: 'consumer.fetch_start',
  FETCH: 'consumer.fetch',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
  REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size',
};

/**
 * KafkaJS's built-in partition assigners, for `kafka.consumer({ partitionAssigners })`. Only
 * `roundRobin` exists (as in KafkaJS), and it is the only assigner accepted: librdkafka assigns
 * partitions itself, so custom assigners are an error.
 */
export const PartitionAssigners = {
  /**
   * KafkaJS's round-robin assigner (the default), run as librdkafka's `roundrobin` strategy
   * (`partition.assignment.strategy`). Pass it as is; calling it only gives its name and version.
   */
  roundRobin: Object.assign(
    () => ({
      /** The protocol name KafkaJS announces to the group (`RoundRobinAssigner`), as in `GROUP_JOIN`'s `groupProtocol`. */
      name: 'RoundRobinAssigner',
      /** The assigner's protocol version. */
      version: 0,
    }),
    {
      /** The librdkafka assignment strategy this assigner maps onto. */
      librdkafka: 'roundrobin',
    },
  ),
};

const tpKey = (topic: string, partition: number): string => `${partition}/${topic}`;

/** Headers as KafkaJS gives them: `{ name: Buffer }`, `{ name: Buffer[] }` for a repeated name. */
function toHeaders(raw: RawMessage['headers']): IHeaders {
  const out: IHeaders = {};
  for (const [name, value] of raw) {
    const v = value ?? Buffer.alloc(0);
    const cur = out[name];
    if (cur === undefined) out[name] = v;
    else if (Array.isArray(cur)) cur.push(v);
    else out[name] = [cur, v];
  }
  return out;
}

// The messages of one produce batch share their timestamp: its string is made once per run
// of equal timestamps instead of once per message (a double's toString is ~4× the lookup).
let lastTimestamp = Number.NaN;
let lastTimestampString = '';

function toKafkaMessage(m: RawMessage): KafkaMessage {
  if (m.timestamp !== lastTimestamp) {
    lastTimestamp = m.timestamp;
    lastTimestampString = String(m.timestamp);
  }
  return {
    key: m.key,
    value: m.value,
    timestamp: lastTimestampString,
    attributes: 0,
    offset: String(m.offset),
    headers: m.headers.length === 0 ? {} : toHeaders(m.headers),
  };
}

/**
 * The messages of a fetch grouped by partition, in order of first appearance. A fetch hands
 * over runs of one partition: the group is looked up only where a run starts, and a fetch of
 * one partition is its own group, without a copy.
 */
function byPartition(batch: RawMessage[]): RawMessage[][] {
  const first = batch[0];
  if (first === undefined) return [];
  let single = true;
  for (let i = batch.length - 1; i > 0 && single; i--) single = batch[i]!.partition === first.partition && batch[i]!.topic === first.topic;
  if (single) return [batch];
  const groups: RawMessage[][] = [];
  const index = new Map<string, RawMessage[]>();
  let g: RawMessage[] | undefined;
  let last: RawMessage | undefined;
  for (const m of batch) {
    if (last === undefined || m.partition !== last.partition || m.topic !== last.topic) {
      const k = tpKey(m.topic, m.partition);
      g = index.get(k);
      if (!g) {
        g = [];
        index.set(k, g);
        groups.push(g);
      }
    }
    g!.push(m);
    last = m;
  }
  return groups;
}

/** The Kafka consumer-protocol encoding (version 0) of an assignment, as KafkaJS's `memberAssignment`. */
export function encodeAssignment(assignment: Array<{ topic: string; partition: number }>): Buffer {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of assignment) (byTopic.get(topic) ?? byTopic.set(topic, []).get(topic)!).push(partition);
  const parts: Buffer[] = [];
  const int16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
  const int32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  parts.push(int16(0), int32(byTopic.size));
  for (const [topic, partitions] of byTopic) {
    const name = Buffer.from(topic);
    parts.push(int16(name.length), name, int32(partitions.length), ...partitions.sort((a, b) => a - b).map(int32));
  }
  parts.push(int32(-1));
  return Buffer.concat(parts);
}

interface Subscription {
  topic: string | RegExp;
  fromBeginning: boolean;
}

/** State of one run of the consumer (one raw consumer; a restart after a crash makes a new one). */
interface Session {
  raw: KafkaConsumer;
  abort: AbortController;
  done: Promise<void>;
  /** Next offset to commit per partition (resolved offset + 1), and what was committed. */
  resolved: Map<string, { topic: string; partition: number; offset: bigint }>;
  committed: Map<string, bigint>;
  resolvedSinceCommit: number;
  lastCommit: number;
  assigned: Set<string>;
  /** Bumped by seek / revoke / pause: a batch started under an older epoch stops. */
  epoch: Map<string, number>;
  /** Next offset to hand to the application per partition (where a resume restarts). */
  next: Map<string, bigint>;
  watermarks: Map<string, { high: bigint; at: number; pending: boolean }>;
  /** The automatic commit in flight (at most one), whether another is due after it, and its failure. */
  committing?: Promise<void> | undefined;
  commitAgain?: boolean;
  commitError?: unknown;
  /** The after-batch commit put off until {@link AFTER_BATCH_COMMIT_SPACING_MS} after the last one. */
  commitTimer?: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The commits after each batch (no `autoCommitInterval` or `autoCommitThreshold`) start at
 * least this far apart: small batches otherwise commit back to back, one OffsetCommit per
 * round trip, which costs the client and the broker CPU (on shared cores, latency) and
 * protects nothing more (what a crash re-delivers grows by at most this much).
 */
export const AFTER_BATCH_COMMIT_SPACING_MS = 100;

/**
 * A KafkaJS consumer. Obtain one with `kafka.consumer({ groupId })`.
 */
export class KafkaJSConsumer implements Consumer {
  /** KafkaJS's consumer event names. */
  readonly events = EVENTS;
  private readonly instrumentation = new Instrumentation(new Set(Object.values(EVENTS)));
  private readonly log: Logger;
  private readonly groupId: string;
  private readonly subscriptions: Subscription[] = [];
  private servers: string | undefined;
  private connected = false;
  private session: Session | undefined;
  private runConfig: Required<Pick<ConsumerRunConfig, 'autoCommit' | 'eachBatchAutoResolve' | 'partitionsConsumedConcurrently'>> &
    Pick<ConsumerRunConfig, 'autoCommitInterval' | 'autoCommitThreshold' | 'eachBatch' | 'eachMessage'> | undefined;
  private running = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly pendingSeeks = new Map<string, { topic: string; partition: number; offset: bigint }>();
  private readonly pausedTopics = new Set<string>();
  private readonly pausedPartitions = new Set<string>();
  private readonly resumedPartitions = new Set<string>();
  private admin: KafkaAdmin | undefined;

  /** @internal Created by {@link Kafka.consumer}. */
  constructor(
    private readonly base: ClientBase,
    private readonly config: ConsumerConfig,
    private readonly registry: Set<KafkaJSConsumer>,
  ) {
    if (!config || typeof config.groupId !== 'string' || config.groupId === '') throw new KafkaJSNonRetriableError('Consumer groupId must be a non-empty string.');
    this.groupId = config.groupId;
    this.log = base.logger.namespace('Consumer');
    for (const a of config.partitionAssigners ?? []) {
      if (a !== PartitionAssigners.roundRobin) {
        throw new KafkaJSNonRetriableError('partitionAssigners: custom assigners are not supported (librdkafka assigns partitions itself); use PartitionAssigners.roundRobin or leave it unset');
      }
    }
    if (config.maxInFlightRequests !== undefined) this.log.warn('maxInFlightRequests is ignored by the consumer: librdkafka pipelines fetches itself');
  }

  /** @internal The raw consumer of a running session (for transactional offsets). */
  rawConsumer(): KafkaConsumer | undefined {
    return this.session?.raw;
  }

  /** @internal */
  get group(): string {
    return this.groupId;
  }

  /** KafkaJS's logger of this consumer. */
  logger(): Logger {
    return this.log;
  }

  /** Listens to an instrumentation event; returns the remover. */
  on(eventName: ValueOf<ConsumerEvents>, listener: (event: InstrumentationEvent<any>) => void): () => void {
    return this.instrumentation.on(eventName, listener);
  }

  /** Connects: resolves the brokers and waits for the cluster to answer. */
  async connect(): Promise<void> {
    if (this.connected) return;
    try {
      this.servers = await this.base.brokers();
      this.admin = new KafkaAdmin({ ...this.base.config, 'bootstrap.servers': this.servers }, this.base.options);
      this.admin.on('error', () => undefined);
      await this.admin.connect({ timeoutMs: Math.max(this.base.connectionTimeout, 10_000) });
    } catch (e) {
      await this.admin?.close().catch(() => undefined);
      this.admin = undefined;
      throw toKafkaJSError(e);
    }
    this.connected = true;
    this.registry.add(this);
    this.instrumentation.emit(EVENTS.CONNECT, null);
  }

  /** Stops consuming, commits what was resolved, leaves the group and closes the connections. */
  async disconnect(): Promise<void> {
    await this.stop();
    await this.admin?.close().catch(() => undefined);
    this.admin = undefined;
    this.connected = false;
    this.registry.delete(this);
    this.instrumentation.emit(EVENTS.DISCONNECT, null);
  }

  /** Adds topics (names or RegExps) to the subscription; call before `run`. */
  async subscribe(subscription: ConsumerSubscribeTopics | ConsumerSubscribeTopic): Promise<void> {
    if (this.running) throw new KafkaJSNonRetriableError('Cannot subscribe to topic while consumer is running');
    if (subscription === null || typeof subscription !== 'object') throw new KafkaJSNonRetriableError('Invalid subscription');
    const topics = 'topics' in subscription && subscription.topics !== undefined ? subscription.topics : [(subscription as ConsumerSubscribeTopic).topic];
    if (!Array.isArray(topics) || topics.length === 0) throw new KafkaJSNonRetriableError('Missing required argument "topics"');
    const fromBeginning = Boolean(subscription.fromBeginning);
    for (const topic of topics) {
      if (!(topic instanceof RegExp) && (typeof topic !== 'string' || topic === '')) {
        throw new KafkaJSNonRetriableError(`Invalid topic ${String(topic)}, the topic name has to be a String or a RegExp`);
      }
      const other = this.subscriptions.find((s) => s.fromBeginning !== fromBeginning);
      if (other) {
        throw new KafkaJSNonRetriableError(
          `subscribe: fromBeginning=${fromBeginning} for ${String(topic)} differs from fromBeginning=${other.fromBeginning} for ${String(other.topic)}: librdkafka's auto.offset.reset is one setting per consumer; use one consumer per setting`,
        );
      }
      this.subscriptions.push({ topic, fromBeginning });
    }
  }

  /**
   * Starts consuming in the background and resolves once started, as KafkaJS's `run` does.
   * Handler failures are retried (the failed message or batch is delivered again) per the
   * `retry` configuration; then the consumer crashes (`consumer.crash`) and restarts unless
   * `restartOnFailure` says otherwise.
   */
  async run(config: ConsumerRunConfig = {}): Promise<void> {
    if (!this.connected) throw new KafkaJSNonRetriableError('Consumer is not connected: call connect() first');
    if (this.running) throw new KafkaJSNonRetriableError('Consumer is already running');
    if (this.subscriptions.length === 0) throw new KafkaJSNonRetriableError('Consumer has no subscriptions: call subscribe() before run()');
    if (!config.eachMessage && !config.eachBatch) throw new KafkaJSNonRetriableError('Consumer run requires eachMessage or eachBatch');
    const concurrency = config.partitionsConsumedConcurrently ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new KafkaJSNonRetriableError('partitionsConsumedConcurrently must be a positive integer');
    this.runConfig = {
      autoCommit: config.autoCommit ?? true,
      autoCommitInterval: config.autoCommitInterval ?? null,
      autoCommitThreshold: config.autoCommitThreshold ?? null,
      eachBatchAutoResolve: config.eachBatchAutoResolve ?? true,
      partitionsConsumedConcurrently: concurrency,
      eachBatch: config.eachBatch,
      eachMessage: config.eachMessage,
    };
    this.running = true;
    await this.start();
  }

  private rawConfig(): RawConfig {
    const c = this.config;
    const out: RawConfig = {
      ...this.base.config,
      'bootstrap.servers': this.servers!,
      'group.id': this.groupId,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'auto.offset.reset': this.subscriptions[0]?.fromBeginning ? 'earliest' : 'latest',
      'partition.assignment.strategy': 'roundrobin',
      'session.timeout.ms': c.sessionTimeout ?? 30_000,
      'heartbeat.interval.ms': c.heartbeatInterval ?? 3000,
      'max.poll.interval.ms': Math.max(c.rebalanceTimeout ?? 60_000, c.sessionTimeout ?? 30_000),
      'isolation.level': c.readUncommitted ? 'read_uncommitted' : 'read_committed',
      // librdkafka's 500 ms unless set: KafkaJS's 5000 ms would hold a seek or resume of an idle partition up to 5 s (librdkafka waits for the fetch in flight).
      'fetch.wait.max.ms': c.maxWaitTimeInMs ?? 500,
      'allow.auto.create.topics': c.allowAutoTopicCreation ?? true,
    };
    // Fetch sizes: librdkafka's defaults unless set, but for maxBytes, which also bounds what
    // is buffered (see consumer-buffers.ts and docs/migrating-from-kafkajs.md).
    if (c.maxBytesPerPartition !== undefined) out['max.partition.fetch.bytes'] = c.maxBytesPerPartition;
    if (c.minBytes !== undefined) out['fetch.min.bytes'] = c.minBytes;
    Object.assign(out, fetchBuffers(c.maxBytes));
    if (c.metadataMaxAge !== undefined) out['topic.metadata.refresh.interval.ms'] = c.metadataMaxAge;
    if (c.rackId !== undefined) out['client.rack'] = c.rackId;
    return out;
  }

  private async start(): Promise<void> {
    const abort = new AbortController();
    const session: Session = {
      raw: undefined as unknown as KafkaConsumer,
      abort,
      done: Promise.resolve(),
      resolved: new Map(),
      committed: new Map(),
      resolvedSinceCommit: 0,
      lastCommit: Date.now(),
      assigned: new Set(),
      epoch: new Map(),
      next: new Map(),
      watermarks: new Map(),
    };
    const joinStarted = Date.now();
    session.raw = new KafkaConsumer(this.rawConfig(), {
      ...this.base.options,
      highWaterMark: handOffMark(this.config.maxBytes),
      // Not keepAliveWhileStalled: it cut consume throughput by about 3.5× (measured on the
      // mock). A handler may run up to rebalanceTimeout (max.poll.interval.ms) between
      // messages; KafkaJS's own limit is sessionTimeout without heartbeat().
      onAssign: (partitions) => {
        for (const p of partitions) session.assigned.add(tpKey(p.topic, p.partition));
        const memberAssignment: Record<string, number[]> = {};
        for (const k of session.assigned) {
          const [partition, topic] = [Number(k.slice(0, k.indexOf('/'))), k.slice(k.indexOf('/') + 1)];
          (memberAssignment[topic] ??= []).push(partition);
        }
        // Partitions paused by topic stay paused when (re)assigned.
        const pausedNow = partitions.filter((p) => this.isPaused(p.topic, p.partition));
        if (pausedNow.length > 0) session.raw.pause(pausedNow).catch(() => undefined);
        this.instrumentation.emit(EVENTS.GROUP_JOIN, {
          duration: Date.now() - joinStarted,
          groupId: this.groupId,
          isLeader: false,
          leaderId: '',
          groupProtocol: 'RoundRobinAssigner',
          memberId: session.raw.groupMetadata().memberId,
          memberAssignment,
        });
      },
      onRevoke: async (partitions) => {
        this.instrumentation.emit(EVENTS.REBALANCING, { groupId: this.groupId, memberId: session.raw.groupMetadata().memberId });
        const keys = partitions.map((p) => tpKey(p.topic, p.partition));
        // At once, before the commit below is awaited: batches being handled go stale now.
        for (const k of keys) {
          bump(session, k);
          session.assigned.delete(k);
        }
        if (this.runConfig?.autoCommit) await this.commitResolved(session, new Set(keys)).catch((e) => this.log.error(`commit on revoke failed: ${String(e)}`));
        this.forget(session, keys);
      },
      onLost: (partitions) => {
        const keys = partitions.map((p) => tpKey(p.topic, p.partition));
        for (const k of keys) bump(session, k);
        this.forget(session, keys);
      },
    });
    session.raw.on('error', (error) => {
      if (error.isFatal) void this.crash(session, toKafkaJSError(error));
      else this.log.debug(error.message, { groupId: this.groupId });
    });
    this.session = session;
    try {
      await session.raw.subscribe(this.subscriptions.map((s) => s.topic));
    } catch (e) {
      this.session = undefined;
      await session.raw.close().catch(() => undefined);
      this.running = false;
      throw toKafkaJSError(e);
    }
    session.done = this.loop(session);
  }

  private forget(session: Session, keys: string[]): void {
    for (const k of keys) {
      session.assigned.delete(k);
      session.resolved.delete(k);
      session.committed.delete(k);
      session.next.delete(k);
    }
  }

  private async loop(session: Session): Promise<void> {
    const config = this.runConfig!;
    const nextDelay = retryDelays({ ...this.base.retry, ...this.config.retry });
    let failures = 0;
    while (this.session === session && !session.abort.signal.aborted) {
      let batch: RawMessage[] = [];
      // An automatic commit that failed in the background is handled like a failure of the
      // batch it followed (retried, or crashed on), as when KafkaJS awaits it; checked before
      // fetching, so that no fetched message is skipped.
      const commitFailure = session.commitError;
      session.commitError = undefined;
      try {
        const waiting = this.pausedPartitions.size + this.pausedTopics.size + this.pendingSeeks.size > 0;
        if (commitFailure === undefined) batch = await session.raw.consumeBatch(10_000, { signal: session.abort.signal, timeoutMs: waiting ? 100 : 1000 });
      } catch (e) {
        if (session.abort.signal.aborted) break;
        this.log.error(`fetch failed: ${(e as Error).message}`, { groupId: this.groupId });
        await sleep(200);
        continue;
      }
      const moved = await this.applySeeks(session);
      await this.applyResumes(session, moved);
      // Messages fetched before a seek (or a resume's seek) of their partition are stale.
      if (moved.size > 0) batch = batch.filter((m) => !moved.has(tpKey(m.topic, m.partition)));
      if (batch.length === 0 && commitFailure === undefined) {
        this.autoCommitIfNecessary(session);
        continue;
      }
      try {
        if (commitFailure !== undefined) throw commitFailure;
        await this.process(session, batch, config);
        failures = 0;
      } catch (e) {
        if (session.abort.signal.aborted && !(e instanceof HandlerFailure)) break;
        const cause = e instanceof HandlerFailure ? e.cause : e;
        if (config.autoCommit) await this.commitResolved(session).catch(() => undefined);
        if (!isRetriable(cause)) {
          void this.crash(session, cause instanceof KafkaJSError && !cause.retriable ? cause : new KafkaJSNonRetriableError(cause as Error, { cause }));
          return;
        }
        const retries = this.config.retry?.retries ?? this.base.retry.retries;
        if (failures >= retries) {
          const delay = nextDelay();
          void this.crash(session, new KafkaJSNumberOfRetriesExceeded(cause as Error, { retryCount: failures, retryTime: delay }));
          return;
        }
        failures++;
        this.log.error(`Error when calling ${config.eachBatch ? 'eachBatch' : 'eachMessage'}: ${String((cause as Error)?.message ?? cause)}`, { groupId: this.groupId, retryCount: failures });
        await sleep(nextDelay());
      }
    }
  }

  /** Delivers one fetched batch: grouped by partition, `partitionsConsumedConcurrently` partitions at a time. */
  private async process(session: Session, batch: RawMessage[], config: NonNullable<KafkaJSConsumer['runConfig']>): Promise<void> {
    const groups = byPartition(batch);
    let failure: unknown;
    let failed = false;
    const work = async (group: RawMessage[]): Promise<void> => {
      if (failed) return this.rewind(session, group[0]!);
      try {
        await this.processPartition(session, group, config);
      } catch (e) {
        if (!failed) {
          failed = true;
          failure = e;
        }
      }
    };
    if (config.partitionsConsumedConcurrently <= 1 || groups.length === 1) {
      for (const g of groups) await work(g);
    } else {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < groups.length) await work(groups[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(config.partitionsConsumedConcurrently, groups.length) }, worker));
    }
    if (failed) throw failure;
    this.autoCommitIfNecessary(session);
  }

  /** Sends a partition's position back to `m` (its messages from `m` on come again). */
  private async rewind(session: Session, m: RawMessage): Promise<void> {
    const k = tpKey(m.topic, m.partition);
    const next = session.next.get(k);
    const offset = next !== undefined && next < m.offset ? next : m.offset;
    bump(session, k);
    await session.raw.seek([{ topic: m.topic, partition: m.partition, offset }]).catch(() => undefined);
  }

  private async processPartition(session: Session, group: RawMessage[], config: NonNullable<KafkaJSConsumer['runConfig']>): Promise<void> {
    const first = group[0]!;
    const { topic, partition } = first;
    const k = tpKey(topic, partition);
    const epoch = session.epoch.get(k) ?? 0;
    if (this.isPaused(topic, partition)) return;
    const pause = (): (() => void) => {
      this.pause([{ topic, partitions: [partition] }]);
      return () => this.resume([{ topic, partitions: [partition] }]);
    };
    const heartbeat = async (): Promise<void> => undefined;
    const stale = (): boolean => (session.epoch.get(k) ?? 0) !== epoch || !session.assigned.has(k) || session.abort.signal.aborted;
    if (config.eachMessage) {
      for (const m of group) {
        if (stale() || this.isPausedKey(k, topic)) return;
        session.next.set(k, m.offset);
        try {
          await config.eachMessage({ topic, partition, message: toKafkaMessage(m), heartbeat, pause });
        } catch (e) {
          if (!stale()) await this.rewind(session, m);
          throw new HandlerFailure(e);
        }
        session.next.set(k, m.offset + 1n);
        if (!stale()) this.resolveKey(session, k, topic, partition, m.offset);
        // With an interval or a threshold, KafkaJS commits at that message, before the next one.
        if (config.autoCommit && (config.autoCommitInterval != null || config.autoCommitThreshold != null) && this.commitDue(session)) await this.commitResolved(session);
      }
      return;
    }
    const last = group[group.length - 1]!;
    session.next.set(k, first.offset);
    const high = this.highWatermark(session, topic, partition, last.offset + 1n);
    const messages = group.map(toKafkaMessage);
    const batch: Batch = {
      topic,
      partition,
      highWatermark: String(high),
      messages,
      isEmpty: () => messages.length === 0,
      firstOffset: () => messages[0]?.offset ?? null,
      lastOffset: () => (messages.length > 0 ? messages[messages.length - 1]!.offset : String(high - 1n)),
      offsetLag: () => String(high - 1n - last.offset > 0n ? high - 1n - last.offset : 0n),
      offsetLagLow: () => String(high - 1n - first.offset > 0n ? high - 1n - first.offset : 0n),
    };
    const event = { topic, partition, highWatermark: batch.highWatermark, offsetLag: batch.offsetLag(), offsetLagLow: batch.offsetLagLow(), batchSize: messages.length, firstOffset: first.offset.toString(), lastOffset: last.offset.toString() };
    this.instrumentation.emit(EVENTS.START_BATCH_PROCESS, event);
    const started = Date.now();
    try {
      await config.eachBatch!({
        batch,
        resolveOffset: (offset: string) => {
          if (!stale()) {
            this.resolve(session, topic, partition, BigInt(offset));
            session.next.set(k, BigInt(offset) + 1n);
          }
        },
        heartbeat,
        pause,
        commitOffsetsIfNecessary: async (offsets?: Offsets) => {
          if (offsets) return this.commitOffsets(offsets.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset }))));
          if (config.autoCommit && this.commitDue(session)) await this.commitResolved(session);
        },
        uncommittedOffsets: () => this.uncommitted(session),
        isRunning: () => this.running && this.session === session,
        isStale: stale,
      });
    } catch (e) {
      if (!stale()) await this.rewind(session, group.find((m) => m.offset >= (session.next.get(k) ?? first.offset)) ?? first);
      throw new HandlerFailure(e);
    }
    if (config.eachBatchAutoResolve && !stale()) {
      this.resolve(session, topic, partition, last.offset);
      session.next.set(k, last.offset + 1n);
    } else if (!stale() && (session.next.get(k) ?? 0n) <= last.offset && !this.isPaused(topic, partition)) {
      // Messages the handler did not resolve come again, as in KafkaJS.
      await this.rewind(session, group.find((m) => m.offset >= session.next.get(k)!)!);
    }
    this.instrumentation.emit(EVENTS.END_BATCH_PROCESS, { ...event, duration: Date.now() - started });
  }

  /** The partition's high watermark: at least `atLeast`; refreshed from the broker in the background at most once a second. */
  private highWatermark(session: Session, topic: string, partition: number, atLeast: bigint): bigint {
    const k = tpKey(topic, partition);
    let w = session.watermarks.get(k);
    if (!w) {
      w = { high: atLeast, at: 0, pending: false };
      session.watermarks.set(k, w);
    }
    if (w.high < atLeast) w.high = atLeast;
    if (!w.pending && Date.now() - w.at > 1000) {
      w.pending = true;
      const entry = w;
      session.raw
        .queryWatermarkOffsets(topic, partition, { timeoutMs: 5000 })
        .then(({ high }) => {
          if (high > entry.high) entry.high = high;
        })
        .catch(() => undefined)
        .finally(() => {
          entry.pending = false;
          entry.at = Date.now();
        });
    }
    return w.high;
  }

  private resolve(session: Session, topic: string, partition: number, offset: bigint): void {
    this.resolveKey(session, tpKey(topic, partition), topic, partition, offset);
  }

  /** resolve() with the partition's key already made (the per-message path makes it once per batch). */
  private resolveKey(session: Session, k: string, topic: string, partition: number, offset: bigint): void {
    const next = offset + 1n;
    const cur = session.resolved.get(k);
    const before = cur?.offset ?? session.committed.get(k);
    session.resolvedSinceCommit += before === undefined ? 1 : Math.max(0, Number(next - before));
    if (cur) cur.offset = next;
    else session.resolved.set(k, { topic, partition, offset: next });
  }

  private uncommitted(session: Session): OffsetsByTopicPartition {
    const byTopic = new Map<string, TopicOffsets>();
    for (const [k, r] of session.resolved) {
      if (session.committed.get(k) === r.offset) continue;
      let t = byTopic.get(r.topic);
      if (!t) byTopic.set(r.topic, (t = { topic: r.topic, partitions: [] }));
      t.partitions.push({ partition: r.partition, offset: String(r.offset) });
    }
    return { topics: [...byTopic.values()] };
  }

  private commitDue(session: Session): boolean {
    const c = this.runConfig;
    if (!c?.autoCommit) return false;
    const interval = c.autoCommitInterval;
    const threshold = c.autoCommitThreshold;
    return (
      (interval == null && threshold == null) ||
      (interval != null && Date.now() >= session.lastCommit + interval) ||
      (threshold != null && session.resolvedSinceCommit >= threshold)
    );
  }

  /**
   * The automatic commit (after a batch, or at the interval or threshold): in the background,
   * one at a time, while the next batch is fetched and handled. KafkaJS awaits it before
   * fetching again, which puts a commit round trip between batches; what is committed is the
   * same (resolved offsets only), and stop, disconnect, revocations and seeks wait for it.
   * A failure is raised by the run loop before the next batch (see loop).
   */
  private autoCommitIfNecessary(session: Session): void {
    if (session.abort.signal.aborted || !this.commitDue(session)) return;
    if (session.committing) {
      session.commitAgain = true;
      return;
    }
    const c = this.runConfig!;
    if (c.autoCommitInterval == null && c.autoCommitThreshold == null) {
      const wait = session.lastCommit + AFTER_BATCH_COMMIT_SPACING_MS - Date.now();
      if (wait > 0) {
        session.commitTimer ??= setTimeout(() => {
          session.commitTimer = undefined;
          this.autoCommitIfNecessary(session);
        }, wait);
        return;
      }
    }
    session.committing = this.commitResolvedNow(session)
      .catch((e: unknown) => {
        session.commitError ??= e;
      })
      .finally(() => {
        session.committing = undefined;
        if (session.commitAgain) {
          session.commitAgain = false;
          this.autoCommitIfNecessary(session);
        }
      });
  }

  /** Commits the resolved offsets not committed yet (of `only` partitions, when given), after the automatic commit in flight. */
  private async commitResolved(session: Session, only?: Set<string>): Promise<void> {
    while (session.committing) await session.committing;
    await this.commitResolvedNow(session, only);
  }

  private async commitResolvedNow(session: Session, only?: Set<string>): Promise<void> {
    const list: RawTPO[] = [];
    for (const [k, r] of session.resolved) {
      if (only && !only.has(k)) continue;
      if (session.committed.get(k) !== r.offset) list.push({ topic: r.topic, partition: r.partition, offset: r.offset });
    }
    session.lastCommit = Date.now();
    if (list.length === 0) return;
    session.resolvedSinceCommit = 0;
    await session.raw.commit(list);
    for (const o of list) session.committed.set(tpKey(o.topic, o.partition), o.offset);
    this.emitCommit(list);
  }

  private emitCommit(list: RawTPO[]): void {
    if (!this.instrumentation.has(EVENTS.COMMIT_OFFSETS)) return;
    const byTopic = new Map<string, TopicOffsets>();
    for (const o of list) {
      let t = byTopic.get(o.topic);
      if (!t) byTopic.set(o.topic, (t = { topic: o.topic, partitions: [] }));
      t.partitions.push({ partition: o.partition, offset: String(o.offset) });
    }
    const member = this.session?.raw.groupMetadata() ?? { memberId: '', generationId: -1 };
    this.instrumentation.emit(EVENTS.COMMIT_OFFSETS, { groupId: this.groupId, memberId: member.memberId, groupGenerationId: member.generationId, topics: [...byTopic.values()] });
  }

  private async crash(session: Session, error: Error): Promise<void> {
    if (this.session !== session) return;
    this.log.error(`Crash: ${error.name}: ${error.message}`, { groupId: this.groupId });
    await this.closeSession(session);
    let root: unknown = error;
    while ((root as { cause?: unknown })?.cause) root = (root as { cause: unknown }).cause;
    const retriable = error.name === 'KafkaJSNumberOfRetriesExceeded' || (root as { retriable?: unknown })?.retriable === true;
    const restartOnFailure = this.config.retry?.restartOnFailure ?? this.base.retry.restartOnFailure;
    const restart = retriable && (!restartOnFailure || (await restartOnFailure(error).catch(() => true)));
    this.instrumentation.emit(EVENTS.CRASH, { error, groupId: this.groupId, restart });
    if (!restart) {
      this.running = false;
      return;
    }
    const retryTime = (error as { retryTime?: number }).retryTime || (this.config.retry?.initialRetryTime ?? this.base.retry.initialRetryTime);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.running) this.start().catch((e) => void this.crashBeforeStart(e));
    }, retryTime);
  }

  private crashBeforeStart(e: unknown): void {
    this.running = false;
    this.instrumentation.emit(EVENTS.CRASH, { error: toKafkaJSError(e), groupId: this.groupId, restart: false });
  }

  private async closeSession(session: Session): Promise<void> {
    if (this.session === session) this.session = undefined;
    session.abort.abort();
    clearTimeout(session.commitTimer);
    await session.done.catch(() => undefined);
    if (this.runConfig?.autoCommit) await this.commitResolved(session).catch(() => undefined);
    await session.raw.close().catch(() => undefined);
  }

  /** Stops consuming (commits what was resolved and leaves the group); `run` may be called again. */
  async stop(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const wasRunning = this.running;
    this.running = false;
    const session = this.session;
    if (session) await this.closeSession(session);
    if (wasRunning) this.instrumentation.emit(EVENTS.STOP, null);
  }

  /** Commits the given offsets (each the next offset to read) for this consumer's group. */
  async commitOffsets(topicPartitions: Array<TopicPartitionOffsetAndMetadata>): Promise<void> {
    const list: RawTPO[] = topicPartitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: BigInt(p.offset) }));
    const session = this.session;
    try {
      if (session) {
        await session.raw.commit(list);
        for (const o of list) {
          const k = tpKey(o.topic, o.partition);
          session.committed.set(k, o.offset);
          const r = session.resolved.get(k);
          if (r) r.offset = o.offset;
        }
      } else {
        await this.withGroupClient((c) => c.commit(list));
      }
    } catch (e) {
      throw toKafkaJSError(e);
    }
    this.emitCommit(list);
  }

  private async withGroupClient<T>(fn: (c: KafkaConsumer) => Promise<T>): Promise<T> {
    if (!this.servers) throw new KafkaJSNonRetriableError('Consumer is not connected');
    const c = new KafkaConsumer({ ...this.base.config, 'bootstrap.servers': this.servers, 'group.id': this.groupId, 'enable.auto.commit': false }, this.base.options);
    c.on('error', () => undefined);
    try {
      return await fn(c);
    } finally {
      await c.close().catch(() => undefined);
    }
  }

  /**
   * Moves a partition's position: the next message delivered is at `offset` (which may be
   * `-2`/`-1` for the earliest/latest). Before the partition is assigned, the seek waits for
   * the assignment. With auto-commit, the new position is committed as KafkaJS does.
   */
  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    if (typeof topic !== 'string' || !Number.isInteger(partition)) throw new KafkaJSNonRetriableError('seek: topic and partition are required');
    let value: bigint;
    try {
      value = BigInt(offset);
    } catch {
      throw new KafkaJSNonRetriableError(`Offset must not be a negative number, got ${String(offset)}`);
    }
    if (value < -2n) throw new KafkaJSNonRetriableError(`Offset must not be a negative number, got ${String(offset)}`);
    if (!this.running) throw new KafkaJSNonRetriableError('Consumer group was not initialized, consumer#run must be called first');
    const k = tpKey(topic, partition);
    this.pendingSeeks.set(k, { topic, partition, offset: value });
    if (this.session) bump(this.session, k);
  }

  private async applySeeks(session: Session): Promise<Set<string>> {
    const moved = new Set<string>();
    if (this.pendingSeeks.size === 0) return moved;
    for (const [k, s] of this.pendingSeeks) {
      if (!session.assigned.has(k)) continue;
      this.pendingSeeks.delete(k);
      moved.add(k);
      bump(session, k);
      try {
        await session.raw.seek([{ topic: s.topic, partition: s.partition, offset: s.offset }]);
        if (s.offset >= 0n) {
          session.next.set(k, s.offset);
          const r = session.resolved.get(k);
          if (r) r.offset = s.offset;
          else session.resolved.set(k, { topic: s.topic, partition: s.partition, offset: s.offset });
          if (this.runConfig?.autoCommit) await this.commitResolved(session, new Set([k])).catch(() => undefined);
        } else {
          session.next.delete(k);
          session.resolved.delete(k);
        }
      } catch (e) {
        this.log.error(`seek failed: ${String((e as Error).message)}`, { topic: s.topic, partition: s.partition });
      }
    }
    return moved;
  }

  private isPaused(topic: string, partition: number): boolean {
    return this.isPausedKey(tpKey(topic, partition), topic);
  }

  private isPausedKey(k: string, topic: string): boolean {
    return this.pausedPartitions.has(k) || (this.pausedTopics.has(topic) && !this.resumedPartitions.has(k));
  }

  /** Stops delivering the given topics (all their partitions, or the listed ones) until resumed. */
  pause(topics: Array<{ topic: string; partitions?: number[] }>): void {
    if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError('pause: topics must be an array');
    const session = this.session;
    const targets: Array<{ topic: string; partition: number }> = [];
    for (const { topic, partitions } of topics) {
      if (typeof topic !== 'string') throw new KafkaJSNonRetriableError(`Invalid topic ${String(topic)}`);
      if (partitions === undefined) {
        this.pausedTopics.add(topic);
        for (const k of [...this.resumedPartitions]) if (k.endsWith(`/${topic}`)) this.resumedPartitions.delete(k);
        if (session) for (const k of session.assigned) if (k.slice(k.indexOf('/') + 1) === topic) targets.push({ topic, partition: Number(k.slice(0, k.indexOf('/'))) });
      } else {
        for (const partition of partitions) {
          this.pausedPartitions.add(tpKey(topic, partition));
          this.resumedPartitions.delete(tpKey(topic, partition));
          targets.push({ topic, partition });
        }
      }
    }
    if (session && targets.length > 0) {
      for (const t of targets) bump(session, tpKey(t.topic, t.partition));
      const assigned = targets.filter((t) => session.assigned.has(tpKey(t.topic, t.partition)));
      if (assigned.length > 0) session.raw.pause(assigned).catch(() => undefined);
    }
  }

  private readonly toResume = new Set<string>();

  /** Delivers the given topics (or partitions) again, from the first message not yet delivered. */
  resume(topics: Array<{ topic: string; partitions?: number[] }>): void {
    if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError('resume: topics must be an array');
    const session = this.session;
    for (const { topic, partitions } of topics) {
      if (partitions === undefined) {
        this.pausedTopics.delete(topic);
        for (const k of [...this.pausedPartitions]) if (k.slice(k.indexOf('/') + 1) === topic) this.pausedPartitions.delete(k);
        if (session) for (const k of session.assigned) if (k.slice(k.indexOf('/') + 1) === topic) this.toResume.add(k);
      } else {
        for (const partition of partitions) {
          const k = tpKey(topic, partition);
          this.pausedPartitions.delete(k);
          if (this.pausedTopics.has(topic)) this.resumedPartitions.add(k);
          this.toResume.add(k);
        }
      }
    }
  }

  /** Seeks resumed partitions back to the first message not delivered (fetched messages of a paused partition were dropped), then resumes fetching. */
  private async applyResumes(session: Session, moved: Set<string>): Promise<void> {
    if (this.toResume.size === 0) return;
    const keys = [...this.toResume];
    this.toResume.clear();
    for (const k of keys) {
      if (!session.assigned.has(k) || this.pausedPartitions.has(k)) continue;
      const topic = k.slice(k.indexOf('/') + 1);
      const partition = Number(k.slice(0, k.indexOf('/')));
      bump(session, k);
      moved.add(k);
      const next = session.next.get(k) ?? session.resolved.get(k)?.offset;
      try {
        if (next !== undefined && !this.pendingSeeks.has(k)) await session.raw.seek([{ topic, partition, offset: next }]);
        await session.raw.resume([{ topic, partition }]);
      } catch (e) {
        this.log.error(`resume failed: ${String((e as Error).message)}`, { topic, partition });
      }
    }
  }

  /** The paused topic-partitions. */
  paused(): TopicPartitions[] {
    const byTopic = new Map<string, Set<number>>();
    const add = (topic: string, partition: number): void => {
      if (!byTopic.has(topic)) byTopic.set(topic, new Set());
      byTopic.get(topic)!.add(partition);
    };
    for (const k of this.pausedPartitions) add(k.slice(k.indexOf('/') + 1), Number(k.slice(0, k.indexOf('/'))));
    for (const topic of this.pausedTopics) {
      if (!byTopic.has(topic)) byTopic.set(topic, new Set());
      for (const k of this.session?.assigned ?? []) {
        if (k.slice(k.indexOf('/') + 1) === topic && !this.resumedPartitions.has(k)) add(topic, Number(k.slice(0, k.indexOf('/'))));
      }
    }
    return [...byTopic].map(([topic, set]) => ({ topic, partitions: [...set].sort((a, b) => a - b) }));
  }

  /** Describes this consumer's group (members with their assignments encoded as Kafka's consumer protocol does). */
  async describeGroup(): Promise<GroupDescription> {
    if (!this.admin) throw new KafkaJSNonRetriableError('Consumer is not connected');
    try {
      const [g] = await this.admin.describeConsumerGroups([this.groupId]);
      return {
        groupId: g!.groupId,
        protocol: g!.partitionAssignor === 'roundrobin' ? 'RoundRobinAssigner' : g!.partitionAssignor,
        protocolType: g!.isSimple ? '' : 'consumer',
        state: (g!.state.charAt(0).toUpperCase() + g!.state.slice(1)) as GroupDescription['state'],
        members: g!.members.map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          clientHost: m.host,
          memberMetadata: Buffer.alloc(0),
          memberAssignment: encodeAssignment(m.assignment),
        })),
      };
    } catch (e) {
      throw toKafkaJSError(e);
    }
  }
}

/** A handler threw (as opposed to the client failing). */
class HandlerFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('handler failed');
  }
}

function bump(session: Session, k: string): void {
  session.epoch.set(k, (session.epoch.get(k) ?? 0) + 1);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
