/**
 * KafkaJS's producer over octokafka's {@link KafkaProducer}: `send`/`sendBatch` with KafkaJS
 * record metadata, KafkaJS partitioners, idempotence and transactions.
 */
import { KafkaAdmin } from '../admin/admin';
import { KafkaConsumer } from '../client/consumer';
import type { DeliveryReport, OutgoingMessage } from '../core/message';
import { KafkaProducer } from '../client/producer';
import type { KafkaConfig as RawConfig } from '../config/client-config';
import { toPartitionMetadata } from './admin';
import type { ClientBase } from './config-mapping';
import { CompressionTypes } from './enums';
import { KafkaJSError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, protocolError, toKafkaJSError } from './errors';
import { Instrumentation } from './events';
import { Partitioners } from './partitioners';
import type {
  ICustomPartitioner,
  IHeaders,
  InstrumentationEvent,
  Logger,
  Message,
  Offsets,
  PartitionMetadata,
  Producer,
  ProducerBatch,
  ProducerConfig,
  ProducerEvents,
  ProducerRecord,
  RecordMetadata,
  Transaction,
  ValueOf,
} from './types';

const EVENTS: ProducerEvents = {
  CONNECT: 'producer.connect',
  DISCONNECT: 'producer.disconnect',
  REQUEST: 'producer.network.request',
  REQUEST_TIMEOUT: 'producer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'producer.network.request_queue_size',
};

const CODECS: Record<number, string> = {
  [CompressionTypes.None]: 'none',
  [CompressionTypes.GZIP]: 'gzip',
  [CompressionTypes.Snappy]: 'snappy',
  [CompressionTypes.LZ4]: 'lz4',
  [CompressionTypes.ZSTD]: 'zstd',
};

/** What the consumer side of the same `Kafka` provides to transactions (a running consumer of a group). */
export interface GroupConsumers {
  rawConsumerOf(groupId: string): KafkaConsumer | undefined;
}

/** Headers in KafkaJS's shape (`{ name: value | value[] }`) as octokafka's list of pairs. */
export function toRawHeaders(headers: IHeaders | undefined): Array<[string, Buffer | string]> | undefined {
  if (!headers) return undefined;
  const out: Array<[string, Buffer | string]> = [];
  for (const name of Object.keys(headers)) {
    const v = headers[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const one of v) out.push([name, one]);
    else out.push([name, v]);
  }
  return out;
}

function checkRecord(topic: unknown, messages: unknown): void {
  if (typeof topic !== 'string' || topic === '') throw new KafkaJSNonRetriableError(`Invalid topic`);
  if (!Array.isArray(messages)) throw new KafkaJSNonRetriableError(`Invalid messages array [${String(messages)}] for topic "${topic}"`);
  for (const m of messages as Message[]) {
    if (m === null || typeof m !== 'object' || m.value === undefined) {
      throw new KafkaJSNonRetriableError(`Invalid message without value for topic "${topic}": ${JSON.stringify(m)}`);
    }
  }
}

/** Sends of up to this many messages join the other sends of the same tick in one native call. */
const COALESCED_SEND_MAX = 8;

/** Settings that librdkafka fixes per producer: sends that differ go through another raw producer. */
interface Lane {
  acks: number;
  compression: number;
  timeout: number;
}

/**
 * A KafkaJS producer. Obtain one with `kafka.producer(config)`.
 */
export class KafkaJSProducer implements Producer {
  /** KafkaJS's producer event names. */
  readonly events = EVENTS;
  private readonly instrumentation = new Instrumentation(new Set(Object.values(EVENTS)));
  private readonly partitioner: ReturnType<ICustomPartitioner>;
  private readonly lanes = new Map<string, KafkaProducer>();
  private main: KafkaProducer | undefined;
  private admin: KafkaAdmin | undefined;
  private servers: string | undefined;
  private connecting: Promise<void> | undefined;
  private readonly metadata = new Map<string, { at: number; partitions: PartitionMetadata[] }>();
  private readonly metadataMaxAge: number;
  private readonly idempotent: boolean;
  private readonly transactionalId: string | undefined;
  private txnInitialised = false;
  private activeTxn: KafkaJSTransaction | undefined;
  private readonly offsetConsumers = new Map<string, KafkaConsumer>();
  private readonly log: Logger;

  /** @internal Created by {@link Kafka.producer}. */
  constructor(
    private readonly base: ClientBase,
    private readonly config: ProducerConfig,
    private readonly groups: GroupConsumers,
  ) {
    this.log = base.logger.namespace('Producer');
    const retry = config.retry as Record<string, unknown> | undefined;
    for (const name of ['factor', 'multiplier', 'maxRetryTime', 'initialRetryTime', 'restartOnFailure']) {
      if (retry?.[name] !== undefined) this.log.warn(`producer({ retry: { ${name} } }) is ignored: librdkafka retries produce requests itself (retries maps onto message.send.max.retries; the client's initialRetryTime/maxRetryTime onto retry.backoff.ms/retry.backoff.max.ms)`);
    }
    this.partitioner = (config.createPartitioner ?? Partitioners.DefaultPartitioner)();
    this.metadataMaxAge = config.metadataMaxAge ?? 300_000;
    this.transactionalId = config.transactionalId;
    this.idempotent = Boolean(config.idempotent) || this.transactionalId !== undefined;
    if (config.transactionalId !== undefined && config.idempotent === false) {
      throw new KafkaJSNonRetriableError('Transactional producer must be idempotent: transactionalId needs idempotent true (or unset)');
    }
    if (this.idempotent && config.maxInFlightRequests !== undefined && config.maxInFlightRequests > 5) {
      throw new KafkaJSNonRetriableError('maxInFlightRequests must be at most 5 with idempotent: librdkafka guarantees ordering only up to 5');
    }
  }

  private rawConfig(lane: Lane): RawConfig {
    const c: RawConfig = {
      ...this.base.config,
      'bootstrap.servers': this.servers!,
      acks: lane.acks,
      'compression.codec': CODECS[lane.compression]!,
      'request.timeout.ms': lane.timeout,
      // KafkaJS sends each send() as its own requests: no waiting for more messages.
      'linger.ms': 0,
      partitioner: 'murmur2_random',
    };
    if (this.config.retry?.retries !== undefined || this.base.retry.retries !== undefined) c['message.send.max.retries'] = this.config.retry?.retries ?? this.base.retry.retries;
    if (this.config.maxInFlightRequests !== undefined) c['max.in.flight.requests.per.connection'] = this.config.maxInFlightRequests;
    // Explicitly: octokafka's raw producer is idempotent by default, KafkaJS's is not.
    c['enable.idempotence'] = this.idempotent;
    if (this.transactionalId !== undefined) {
      c['transactional.id'] = this.transactionalId;
      c['transaction.timeout.ms'] = this.config.transactionTimeout ?? 60_000;
    }
    return c;
  }

  private laneKey(lane: Lane): string {
    return `${lane.acks}/${lane.compression}/${lane.timeout}`;
  }

  /** Connects: resolves the brokers and waits for the cluster to answer. */
  async connect(): Promise<void> {
    if (this.main && !this.main.isClosed) return;
    this.connecting ??= (async () => {
      try {
        this.servers = await this.base.brokers();
        const lane: Lane = { acks: -1, compression: CompressionTypes.None, timeout: 30_000 };
        const raw = new KafkaProducer(this.rawConfig(lane), this.base.options);
        raw.on('error', () => undefined);
        this.lanes.set(this.laneKey(lane), raw);
        this.main = raw;
        await raw.connect({ timeoutMs: Math.max(this.base.connectionTimeout, 10_000) });
        this.instrumentation.emit(EVENTS.CONNECT, null);
      } catch (e) {
        await this.closeAll();
        throw toKafkaJSError(e);
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  /** Flushes what is in flight and closes the producer. */
  async disconnect(): Promise<void> {
    await this.closeAll();
    this.instrumentation.emit(EVENTS.DISCONNECT, null);
  }

  private async closeAll(): Promise<void> {
    const all: Array<Promise<unknown>> = [...this.lanes.values()].map((p) => p.close());
    if (this.admin) all.push(this.admin.close());
    for (const c of this.offsetConsumers.values()) all.push(c.close());
    this.lanes.clear();
    this.offsetConsumers.clear();
    this.admin = undefined;
    this.main = undefined;
    this.txnInitialised = false;
    await Promise.allSettled(all);
  }

  /** True when the producer is idempotent (`idempotent: true` or a `transactionalId`). */
  isIdempotent(): boolean {
    return this.idempotent;
  }

  /** KafkaJS's logger of this producer. */
  logger(): Logger {
    return this.log;
  }

  /** Listens to an instrumentation event; returns the remover. */
  on(eventName: ValueOf<ProducerEvents>, listener: (event: InstrumentationEvent<any>) => void): () => void {
    return this.instrumentation.on(eventName, listener);
  }

  /** Sends messages to one topic; resolves with one {@link RecordMetadata} per partition written. */
  /**
   * Sends messages to one topic within the transaction; they become visible to `read_committed`
   * consumers when the transaction commits. Same settings as {@link KafkaJSProducer.send}, except
   * that a transactional producer sends with one set of `acks`/`compression`/`timeout` (others
   * are an error naming them).
   */
  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    if (record === null || typeof record !== 'object') throw new KafkaJSNonRetriableError('send(record): record must be an object');
    checkRecord(record.topic, record.messages);
    return this.sendBatch({ acks: record.acks, timeout: record.timeout, compression: record.compression, topicMessages: [{ topic: record.topic, messages: record.messages }] });
  }

  /** Sends messages to several topics in one call. */
  /** Sends messages to several topics within the transaction (see {@link send}). */
  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    if (this.activeTxn === undefined && this.transactionalId !== undefined) {
      throw new KafkaJSNonRetriableError('Cannot send messages outside a transaction with a transactional producer: use producer.transaction()');
    }
    return this.produce(batch);
  }

  /** @internal Sends (also for a transaction). */
  async produce(batch: ProducerBatch): Promise<RecordMetadata[]> {
    if (batch === null || typeof batch !== 'object') throw new KafkaJSNonRetriableError('sendBatch(batch): batch must be an object');
    const topicMessages = batch.topicMessages ?? [];
    for (const tm of topicMessages) checkRecord(tm?.topic, tm?.messages);
    if (!this.main) throw new KafkaJSError('The producer is disconnected', { retriable: false });
    const acks = batch.acks ?? -1;
    if (![-1, 0, 1].includes(acks)) throw new KafkaJSNonRetriableError(`Invalid acks: ${acks} (-1, 0 or 1)`);
    const compression = batch.compression ?? CompressionTypes.None;
    if (CODECS[compression] === undefined) throw new KafkaJSNonRetriableError(`Unsupported compression codec ${String(compression)}`);
    if (this.idempotent && acks !== -1) throw new KafkaJSNonRetriableError("Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees");
    const lane: Lane = { acks, compression, timeout: batch.timeout ?? 30_000 };
    // Cached partitions are looked up without an await: a send() of one message is mostly
    // this bookkeeping, and every await is a trip through the microtask queue.
    const raw = this.lane(lane);
    const out: OutgoingMessage[] = [];
    for (const { topic, messages } of topicMessages) {
      if (messages.length === 0) continue;
      const meta = this.cachedPartitions(topic) ?? (await this.fetchPartitions(topic));
      for (const m of messages) {
        const partition = meta ? this.partitioner({ topic, partitionMetadata: meta, message: m }) : m.partition;
        out.push({
          topic,
          value: m.value,
          key: m.key ?? null,
          ...(partition !== undefined && partition !== null ? { partition } : {}),
          ...(m.headers ? { headers: toRawHeaders(m.headers) } : {}),
          ...(m.timestamp !== undefined && m.timestamp !== null ? { timestamp: Number(m.timestamp) } : {}),
        });
      }
    }
    if (out.length === 0) return [];
    let reports: DeliveryReport[];
    try {
      // A few messages go through the raw send(), which packs all the sends of one tick
      // together: many concurrent send()s of one message become one native call, where a
      // sendBatch each would pack and enqueue them one by one.
      reports = out.length <= COALESCED_SEND_MAX ? await Promise.all(out.map((m) => raw.send(m))) : await raw.sendBatch(out);
    } catch (e) {
      throw this.sendError(e);
    }
    return recordMetadata(reports);
  }

  private sendError(e: unknown): Error {
    const error = toKafkaJSError(e);
    if (error instanceof KafkaJSError && error.retriable) {
      // librdkafka retried it (message.send.max.retries, within message.timeout.ms) already.
      return new KafkaJSNumberOfRetriesExceeded(error, { retryCount: this.config.retry?.retries ?? this.base.retry.retries, retryTime: 0 });
    }
    return error;
  }

  private lane(lane: Lane): KafkaProducer {
    const key = this.laneKey(lane);
    let raw = this.lanes.get(key);
    if (raw) return raw;
    if (this.transactionalId !== undefined) {
      throw new KafkaJSNonRetriableError(`A transactional producer sends with one set of acks/compression/timeout (-1/None/30000 unless configured): got acks=${lane.acks}, compression=${lane.compression}, timeout=${lane.timeout}`);
    }
    raw = new KafkaProducer(this.rawConfig(lane), this.base.options);
    raw.on('error', () => undefined);
    this.lanes.set(key, raw);
    return raw;
  }

  /** The topic's partitions for the partitioner while cached (for metadataMaxAge). */
  private cachedPartitions(topic: string): PartitionMetadata[] | undefined {
    const cached = this.metadata.get(topic);
    return cached && Date.now() - cached.at < this.metadataMaxAge ? cached.partitions : undefined;
  }

  /** The topic's partitions from the cluster, cached; undefined when the topic is unknown (librdkafka partitions then). */
  private async fetchPartitions(topic: string): Promise<PartitionMetadata[] | undefined> {
    this.admin ??= new KafkaAdmin({ ...this.base.config, 'bootstrap.servers': this.servers! }, this.base.options);
    try {
      const [t] = await this.admin.describeTopics([topic]);
      const partitions = t!.partitions.map(toPartitionMetadata);
      this.metadata.set(topic, { at: Date.now(), partitions });
      return partitions;
    } catch (e) {
      const error = toKafkaJSError(e);
      if ((error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') {
        if (this.config.allowAutoTopicCreation === false) throw protocolError(3, `This server does not host this topic-partition: ${topic}`);
        return undefined;
      }
      throw error;
    }
  }

  /** Starts a transaction (the producer needs a `transactionalId`). */
  async transaction(): Promise<Transaction> {
    if (this.transactionalId === undefined) throw new KafkaJSNonRetriableError('Must provide transactional id for transactional producer');
    // KafkaJS's transaction example calls transaction() without connect(): connect on demand.
    if (!this.main) await this.connect();
    const main = this.main as KafkaProducer | undefined;
    if (!main) throw new KafkaJSError('The producer is disconnected', { retriable: false });
    if (this.activeTxn?.isActive()) throw new KafkaJSNonRetriableError('There is already an ongoing transaction for this producer. Please end the transaction before beginning another.');
    try {
      if (!this.txnInitialised) {
        await main.initTransactions({ timeoutMs: this.config.transactionTimeout ?? 30_000 });
        this.txnInitialised = true;
      }
      await main.beginTransaction();
    } catch (e) {
      throw toKafkaJSError(e);
    }
    this.activeTxn = new KafkaJSTransaction(this, main);
    return this.activeTxn;
  }

  /** @internal The ended transaction lets the producer start another. */
  endTransaction(t: KafkaJSTransaction): void {
    if (this.activeTxn === t) this.activeTxn = undefined;
  }

  /** @internal A consumer whose group metadata goes with transactional offsets. */
  groupConsumer(groupId: string): KafkaConsumer {
    const running = this.groups.rawConsumerOf(groupId);
    if (running) return running;
    let c = this.offsetConsumers.get(groupId);
    if (!c) {
      c = new KafkaConsumer({ ...this.base.config, 'bootstrap.servers': this.servers!, 'group.id': groupId }, this.base.options);
      c.on('error', () => undefined);
      this.offsetConsumers.set(groupId, c);
    }
    return c;
  }
}

/** A KafkaJS transaction: `send`, `sendBatch`, `sendOffsets`, then `commit` or `abort`. */
export class KafkaJSTransaction implements Transaction {
  private active = true;
  constructor(
    private readonly producer: KafkaJSProducer,
    private readonly raw: KafkaProducer,
  ) {}

  private assertActive(what: string): void {
    if (!this.active) throw new KafkaJSNonRetriableError(`Transaction state exception: Cannot call "${what}" in state "READY"`);
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    this.assertActive('send');
    checkRecord(record?.topic, record?.messages);
    return this.producer.produce({ acks: record.acks, timeout: record.timeout, compression: record.compression, topicMessages: [{ topic: record.topic, messages: record.messages }] });
  }

  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    this.assertActive('sendBatch');
    return this.producer.produce(batch);
  }

  /** Adds a consumer group's offsets (each the next offset to read) to the transaction. */
  async sendOffsets({ consumerGroupId, topics }: Offsets & { consumerGroupId: string }): Promise<void> {
    this.assertActive('sendOffsets');
    if (typeof consumerGroupId !== 'string' || consumerGroupId === '') throw new KafkaJSNonRetriableError('sendOffsets: consumerGroupId is required');
    const offsets = topics.flatMap(({ topic, partitions }) => partitions.map((p) => ({ topic, partition: p.partition, offset: BigInt(p.offset) })));
    try {
      await this.raw.sendOffsetsToTransaction(offsets, this.producer.groupConsumer(consumerGroupId));
    } catch (e) {
      throw toKafkaJSError(e);
    }
  }

  /**
   * Commits the transaction (librdkafka flushes the messages sent first); the producer can then
   * start another. Rejects when the transaction is no longer active.
   */
  async commit(): Promise<void> {
    this.assertActive('commit');
    try {
      await this.raw.commitTransaction();
    } catch (e) {
      throw toKafkaJSError(e);
    }
    this.end();
  }

  /**
   * Aborts the transaction: its messages are never delivered to `read_committed` consumers and its
   * offsets are not committed.
   */
  async abort(): Promise<void> {
    this.assertActive('abort');
    try {
      await this.raw.abortTransaction();
    } catch (e) {
      throw toKafkaJSError(e);
    }
    this.end();
  }

  private end(): void {
    this.active = false;
    this.producer.endTransaction(this);
  }

  /** True until {@link commit} or {@link abort} succeeded; afterwards every call but `isActive` rejects. */
  isActive(): boolean {
    return this.active;
  }
}

/** Delivery reports → KafkaJS record metadata: one entry per topic-partition, `baseOffset` the first offset written. */
function recordMetadata(reports: DeliveryReport[]): RecordMetadata[] {
  const byPartition = new Map<string, { topicName: string; partition: number; base: bigint }>();
  for (const r of reports) {
    const k = `${r.partition}/${r.topic}`;
    const cur = byPartition.get(k);
    if (!cur) byPartition.set(k, { topicName: r.topic, partition: r.partition, base: r.offset });
    else if (r.offset < cur.base) cur.base = r.offset;
  }
  return [...byPartition.values()].map(({ topicName, partition, base }) => ({
    topicName,
    partition,
    errorCode: 0,
    baseOffset: String(base),
    logAppendTime: '-1',
    logStartOffset: '-1',
  }));
}
