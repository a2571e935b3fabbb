/**
 * KafkaProducer: sends messages through librdkafka. Sending never blocks the event loop:
 * messages are enqueued in librdkafka by a native call, delivery reports come back in
 * batches through the event pump, and a full queue is back-pressure that `send` awaits.
 */
import { checkDurationOption, checkSignalArg, checkTimeoutArg } from '../config/checks';
import { ClientBase, type ClientOptions, type LogEntry } from '../core/client-base';
import { legacyTimeoutOf, timeoutOf, type BaseCloseReport, type TimeoutOptions } from '../core/call-options';
import { toConfigError } from '../config/client-config';
import type { ProducerConfig } from '../config/typed-config';
import { DEFAULTS, validateConfig } from '../config/config';
import { ClosedError, ErrorCode, KafkaError, type MessagePersistence } from '../util/errors';
import type { KafkaConsumer } from './consumer';
import { NATIVE } from '../native/symbols';
import { BatchDelivery } from '../core/batch-delivery';
import type { DeliveryReport, OutgoingMessage, TopicPartitionOffset } from '../core/message';
import { instrumentSends } from '../observability/tracing';
import { probeWithAdmin } from '../admin/cluster-probe';
import { callApplication, rethrowLater } from '../util/user-code';
import { waitForWake } from '../util/wait';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { native, nativeError, type NativeDeliveries, type NativeEvent, type NativeProducer } from '../native/binding';
import {
  BATCH_SPAN,
  MAX_BATCH,
  RELEASE_MAX_RUNS,
  deliveredBatch,
  releaseMessages,
  reportFields,
  sizeOf,
  topicOf,
  type Pending,
  type Single,
} from './producer-batches';
import { ArenaPool } from './arena-pool';
import { ARENA_MIN, checkMessage, packRun, SLICE_BYTES, type PackedRun } from './producer-packing';
import type { DeliveryCallback } from './types';

/** librdkafka's _FATAL: the producer hit a fatal error earlier (rd_kafka_fatal_error has the cause). */
const FATAL = -150;
/** How long a producer without topic auto-creation waits for an unknown topic to appear before failing its messages. */
const UNKNOWN_TOPIC_WAIT_MS = 5000;
/** rd_kafka_message_status() values, by number. */
const PERSISTENCE: readonly MessagePersistence[] = ['not-persisted', 'possibly-persisted', 'persisted'];

/** Options of {@link KafkaProducer} besides the librdkafka configuration. */
export interface ProducerOptions extends ClientOptions {
  /** How long `send` waits for room when librdkafka's queue is full (default 30 000 ms). */
  sendTimeoutMs?: number;
}

/** Options of one `send` / `sendBatch` call. */
export interface SendOptions {
  /** Gives up waiting for room in a full queue (the message is then not sent). */
  signal?: AbortSignal;
  /** Overrides {@link ProducerOptions.sendTimeoutMs} for this call. */
  timeoutMs?: number;
}

/** Options of one `sendBatch` call. */
export interface BatchSendOptions extends SendOptions {
  /**
   * How the reports come back: `'objects'` (default), an array with one
   * {@link DeliveryReport} per message; `'columns'`, a {@link BatchDelivery} (typed arrays,
   * objects only on demand).
   */
  reports?: 'objects' | 'columns';
}

/** Whether a sendBatch call asked for column reports (throws on a bad `reports` option). */
function reportsOption(options: BatchSendOptions): boolean {
  const reports = (options as { reports?: unknown } | null | undefined)?.reports;
  if (reports === undefined || reports === 'objects') return false;
  if (reports === 'columns') return true;
  throw new TypeError(`sendBatch: options.reports must be 'objects' or 'columns', got ${JSON.stringify(reports) ?? String(reports)}`);
}

function emptyDelivery(): BatchDelivery {
  return new BatchDelivery(new Int32Array(0), new BigInt64Array(0), new Float64Array(0), []);
}

/** What {@link KafkaProducer.close} (and a topic producer's close) reports. */
export interface CloseReport extends BaseCloseReport {
  /**
   * True when what was queued was not all delivered by the deadline (`undelivered` says how
   * many messages were failed then).
   */
  timedOut: boolean;
  /** Messages that were not delivered (failed with a purge error when the deadline passed). */
  undelivered: number;
}

/** Internal: enqueues messages the caller packed itself (topic layer); settlers as in {@link Pending}. */
export const SEND_PACKED_FOR_OFFSETS: unique symbol = Symbol('octokafka.sendPackedForOffsets');

/**
 * librdkafka defaults octokafka changes for producers (each overridable): idempotence
 * with acks=all, linger.ms pinned at 5, and Java-compatible murmur2 partitioning for
 * keyed messages (random for messages without a key).
 */
export const PRODUCER_DEFAULTS: Readonly<Record<string, string>> = DEFAULTS.producer;

/**
 * A Kafka producer.
 *
 * @example
 * ```ts
 * const producer = new KafkaProducer({ 'bootstrap.servers': 'localhost:9092' });
 * const report = await producer.send({ topic: 'events', key: 'user-1', value: 'hello' });
 * console.log(report.partition, report.offset);
 * await producer.close();
 * ```
 */
export class KafkaProducer extends ClientBase {
  private readonly handle: NativeProducer;
  private readonly pending = new Map<number, Pending>();
  /** Arenas of completed batches, reused by the next ones (see arena-pool.ts). */
  private readonly arenaPool = new ArenaPool();
  private readonly takeArena = (size: number): Buffer => this.arenaPool.take(size);
  private readonly singles = new Map<number, Single>();
  private nextBatch = 1;
  private inFlight = 0;
  private lastSeq = 0;
  private lastPending: Pending | undefined;
  /** The first fatal error librdkafka reported (the producer is unusable from then on). */
  private fatal: KafkaError | undefined;
  private readonly roomWaiters: Array<() => void> = [];
  private readonly sendTimeoutMs: number;
  private purged = 0;
  /**
   * The refusal the queued messages were purged for: their `_PURGE_QUEUE` reports fail the
   * sends with it (librdkafka purges only when asked: by this, or by close()).
   */
  private purgedFor: KafkaError | undefined;
  /**
   * send() calls of the current tick, enqueued together at its end (one native call for
   * all of them): per-message promises at batch cost.
   */
  private coalesced: Pending | undefined;
  /** Set while a batch waits for room: later batches queue behind it, keeping send order. */
  private blocked: Promise<void> | undefined;

  constructor(config: ProducerConfig, options: ProducerOptions = {}) {
    super('producer', options);
    options ??= {};
    checkDurationOption('sendTimeoutMs', options.sendTimeoutMs);
    this.sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
    const auth = this.withAuth(config, options);
    const props = validateConfig('producer', auth.config, { onWarning: (w) => this.configWarning(w.property, w.message) });
    this.rememberServers(props);
    // With auto-creation turned off, a topic the cluster does not know is an error the
    // application wants to hear about: librdkafka fails its messages only after waiting
    // topic.metadata.propagation.max.ms (30 s) for the topic to appear. A topic created a
    // moment ago reaches every broker well within UNKNOWN_TOPIC_WAIT_MS.
    if (props['allow.auto.create.topics'] === 'false' && props['topic.metadata.propagation.max.ms'] === undefined) {
      props['topic.metadata.propagation.max.ms'] = String(UNKNOWN_TOPIC_WAIT_MS);
    }
    try {
      this.handle = new (native().Producer)(props, (d, _m, e) => this.onBatch(d, e), auth.native);
    } catch (e) {
      throw toConfigError(e, props);
    }
    this.startTokens(this.handle);
  }

  /** librdkafka's name for this client instance (e.g. `rdkafka#producer-1`). */
  get name(): string | undefined {
    return this.handle.name();
  }

  /** Messages enqueued or in flight, not yet acknowledged. */
  get pendingCount(): number {
    return this.inFlight + (this.coalesced?.messages.length ?? 0);
  }

  /**
   * Sends one message; resolves once the broker acknowledged it (with acks=all: all in-sync
   * replicas have it), rejects with a {@link KafkaError} otherwise.
   *
   * librdkafka retries a message until `message.timeout.ms` (alias `delivery.timeout.ms`)
   * passes: 300 000 ms (5 minutes) by default, so against a cluster that cannot be reached
   * the promise rejects (`_MSG_TIMED_OUT`, naming the bootstrap servers) only then. Lower it
   * in the configuration to fail sooner, and check the cluster at start-up with
   * {@link KafkaProducer.connect}, which fails within seconds.
   *
   * A cluster that refuses the client (a wrong SASL password or token, a certificate that
   * fails verification, a plaintext client on a TLS port: on every bootstrap server) fails
   * the sends waiting in the queue and every later one at once with that error (`_AUTHENTICATION`,
   * `_SSL`, ...), each message with exactly one outcome; see {@link ClientBase.connect}.
   */
  send(message: OutgoingMessage, options: SendOptions = {}): Promise<DeliveryReport> {
    if (this.closing) return Promise.reject(this.closedError('send'));
    try {
      checkMessage(message, -1);
    } catch (e) {
      return Promise.reject(e);
    }
    if (options.signal === undefined && options.timeoutMs === undefined) {
      return new Promise<DeliveryReport>((resolve, reject) => this.coalesce(message, resolve, reject));
    }
    // Own wait options for a full queue: a batch of its own, after this tick's others.
    this.drainCoalesced();
    return new Promise<DeliveryReport>((resolve, reject) => {
      const p: Pending = { messages: [message], remaining: 1, error: null, resolve: undefined, reject: undefined, callback: undefined, settlers: [resolve, reject], done: 0 };
      this.enqueue(p, options).catch((error: Error) => this.failRest(p, error));
    });
  }

  /**
   * @internal The topic layer's batch of pushes, already packed (no key, headers or
   * timestamps): `settlers[2i]` resolves event i with its offset, `settlers[2i + 1]` rejects it.
   */
  [SEND_PACKED_FOR_OFFSETS](run: PackedRun, settlers: Array<(value: never) => void>): void {
    const p: Pending = { messages: [], remaining: run.count, error: null, resolve: undefined, reject: undefined, callback: undefined, settlers, offsetsOnly: true, done: 0, packed: run };
    if (this.closing) {
      this.failRest(p, this.closedError('push'));
      return;
    }
    this.drainCoalesced();
    this.enqueue(p, {}).catch((error: Error) => this.failRest(p, error));
  }

  private coalesce(message: OutgoingMessage, resolve: (report: DeliveryReport) => void, reject: (error: KafkaError) => void): void {
    let p = this.coalesced;
    if (!p) {
      p = { messages: [], remaining: 0, error: null, resolve: undefined, reject: undefined, callback: undefined, settlers: [], done: 0 };
      this.coalesced = p;
      queueMicrotask(this.flushCoalesced);
    }
    p.messages.push(message);
    p.settlers!.push(resolve as (value: never) => void, reject as (value: never) => void);
    p.remaining++;
  }

  private readonly flushCoalesced = (): void => {
    const p = this.coalesced;
    this.coalesced = undefined;
    if (p) this.enqueue(p, {}).catch((error: Error) => this.failRest(p, error));
  };

  /**
   * Enqueues this tick's send()s now: whatever comes next (another send path, flush,
   * a transaction step, close) must see them in librdkafka, in call order.
   */
  private drainCoalesced(): void {
    if (this.coalesced) this.flushCoalesced();
  }

  /**
   * Sends several messages in as few native calls as possible. Resolves with one report
   * per message, in order, once all are acknowledged; rejects with the first error (the
   * other messages are still delivered or failed on their own).
   *
   * With `reports: 'columns'` it resolves with a {@link BatchDelivery} instead: the same
   * reports in typed arrays, without an object per message (the fast way at high rates:
   * report objects are most of the garbage collector's work there).
   */
  sendBatch(messages: OutgoingMessage[], options?: BatchSendOptions & { reports?: 'objects' }): Promise<DeliveryReport[]>;
  sendBatch(messages: OutgoingMessage[], options: BatchSendOptions & { reports: 'columns' }): Promise<BatchDelivery>;
  sendBatch(messages: OutgoingMessage[], options?: BatchSendOptions): Promise<DeliveryReport[] | BatchDelivery>;
  sendBatch(messages: OutgoingMessage[], options: BatchSendOptions = {}): Promise<DeliveryReport[] | BatchDelivery> {
    let columns: boolean;
    try {
      this.assertOpen('send');
      if (!Array.isArray(messages)) throw new TypeError('sendBatch(messages): messages must be an array');
      if (messages.length > MAX_BATCH) throw new RangeError(`sendBatch takes at most ${MAX_BATCH} messages, got ${messages.length}`);
      columns = reportsOption(options);
    } catch (e) {
      return Promise.reject(e);
    }
    if (messages.length === 0) return Promise.resolve(columns ? emptyDelivery() : []);
    this.drainCoalesced();
    return new Promise<DeliveryReport[] | BatchDelivery>((resolve, reject) => {
      const p: Pending = { messages, remaining: messages.length, fields: reportFields(messages.length), columns, error: null, resolve, reject, callback: undefined };
      this.enqueue(p, options).catch((error: Error) => this.failRest(p, error));
    });
  }

  /**
   * Fire-and-forget: enqueues one message and returns at once. The callback (if any)
   * gets the delivery report or error; without one, failures are emitted as `error`
   * events. Throws a {@link KafkaError} with code QUEUE_FULL when librdkafka's queue is
   * full: await {@link waitForRoom} and retry; and the refusal (`_AUTHENTICATION`, `_SSL`, ...)
   * while every bootstrap server refuses this client (see {@link send}).
   *
   * A callback that throws does not disturb the other messages: they are settled first
   * (with their own reports), then the exception is rethrown on a later tick as an
   * uncaught exception, as from any Node callback.
   */
  produce(message: OutgoingMessage, callback?: DeliveryCallback): void {
    this.assertOpen('produce');
    this.drainCoalesced();
    const refusal = this.refusal;
    if (refusal) throw this.refusedError(`cannot send to ${JSON.stringify(message?.topic ?? '')}`, refusal);
    const seq = this.nextBatch++;
    const err = this.produceSingle(message, seq);
    if (err !== 0) throw this.produceError(err, message?.topic ?? '');
    this.singles.set(seq, { message, resolve: undefined, reject: undefined, callback: callback ?? this.orphanCallback });
    this.inFlight++;
  }

  private produceSingle(m: OutgoingMessage, seq: number): number {
    if (m === null || typeof m !== 'object') throw new TypeError('message must be an object with topic and value');
    const headers = m.headers === undefined || m.headers === null || Array.isArray(m.headers) ? m.headers : Object.entries(m.headers);
    return this.handle.produce(m.topic, m.partition, m.key, m.value, headers, m.timestamp, seq * BATCH_SPAN);
  }

  /** Resolves when librdkafka's queue has room again (after the next delivery reports). */
  async waitForRoom(options: SendOptions = {}): Promise<void> {
    options ??= {};
    checkTimeoutArg('waitForRoom: options.timeoutMs', options.timeoutMs);
    checkSignalArg('waitForRoom: options.signal', options.signal);
    // After close no delivery report will ever make room: say so instead of timing out.
    if (this.closing) throw this.closedError('waitForRoom');
    const timeoutMs = options.timeoutMs ?? this.sendTimeoutMs;
    const outcome = await waitForWake(this.roomWaiters, { timeoutMs, signal: options.signal });
    if (this.closing) throw this.closedError('waitForRoom');
    if (outcome === 'aborted') {
      throw new KafkaError({ message: 'send aborted while waiting for room in the queue', code: ErrorCode.QUEUE_FULL, cause: options.signal?.reason });
    }
    if (outcome === 'timeout') {
      throw new KafkaError({ message: `queue still full after ${timeoutMs} ms (queue.buffering.max.messages / kbytes)`, code: ErrorCode.QUEUE_FULL, retriable: true });
    }
  }

  /**
   * Waits until every enqueued message is acknowledged or failed. Rejects with a
   * TIMED_OUT error that says how many are left when the timeout passes first.
   *
   * @param options - `timeoutMs`: how long to wait (default 30 000 ms).
   */
  flush(options?: TimeoutOptions): Promise<void>;
  /** @deprecated Pass `{ timeoutMs }`: `flush({ timeoutMs: 5000 })`. */
  flush(timeoutMs: number): Promise<void>;
  async flush(options?: TimeoutOptions | number): Promise<void> {
    this.assertOpen('flush');
    const timeoutMs = legacyTimeoutOf('flush', options, 30_000);
    this.drainCoalesced();
    const { remaining, timedOut } = await this.handle.flush(timeoutMs);
    if (timedOut) {
      throw this.withServers(
        new KafkaError({ message: `flush timed out after ${timeoutMs} ms with ${remaining} messages undelivered`, code: ErrorCode.TIMED_OUT, retriable: true }),
      );
    }
  }

  /**
   * Transactions (needs `transactional.id` in the configuration): call once before the
   * first transaction; fences older producers with the same id.
   *
   * @param options - `timeoutMs`: how long to wait for the transaction coordinator (default 30 000 ms).
   */
  initTransactions(options?: TimeoutOptions): Promise<void>;
  /** @deprecated Pass `{ timeoutMs }`: `initTransactions({ timeoutMs: 5000 })`. */
  initTransactions(timeoutMs: number): Promise<void>;
  async initTransactions(options?: TimeoutOptions | number): Promise<void> {
    this.assertOpen('initTransactions');
    const timeoutMs = legacyTimeoutOf('initTransactions', options, 30_000);
    await this.txn(this.handle.initTransactions(timeoutMs), 'initTransactions');
  }

  /** Begins a transaction (after {@link KafkaProducer.initTransactions}); prefer {@link KafkaProducer.transaction}. */
  async beginTransaction(): Promise<void> {
    this.assertOpen('beginTransaction');
    await this.txn(this.handle.beginTransaction(), 'beginTransaction');
  }

  /**
   * Adds a consumer's offsets to the current transaction: they commit if and only if the
   * transaction commits (consume-transform-produce, exactly once).
   *
   * @param options - `timeoutMs`: how long to wait for the group coordinator (default 30 000 ms).
   */
  sendOffsetsToTransaction(offsets: TopicPartitionOffset[], consumer: KafkaConsumer, options?: TimeoutOptions): Promise<void>;
  /** @deprecated Pass `{ timeoutMs }`: `sendOffsetsToTransaction(offsets, consumer, { timeoutMs: 5000 })`. */
  sendOffsetsToTransaction(offsets: TopicPartitionOffset[], consumer: KafkaConsumer, timeoutMs: number): Promise<void>;
  async sendOffsetsToTransaction(offsets: TopicPartitionOffset[], consumer: KafkaConsumer, options?: TimeoutOptions | number): Promise<void> {
    this.assertOpen('sendOffsetsToTransaction');
    const timeoutMs = legacyTimeoutOf('sendOffsetsToTransaction', options, 30_000);
    this.drainCoalesced();
    const list = offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: BigInt(offset) }));
    await this.txn(this.handle.sendOffsetsToTransaction(list, consumer[NATIVE], timeoutMs), 'sendOffsetsToTransaction');
  }

  /**
   * Flushes and commits the transaction. On an error with `txnRequiresAbort`, call abortTransaction.
   *
   * @param options - `timeoutMs`: how long to wait for the flush and the commit (default 30 000 ms).
   */
  commitTransaction(options?: TimeoutOptions): Promise<void>;
  /** @deprecated Pass `{ timeoutMs }`: `commitTransaction({ timeoutMs: 5000 })`. */
  commitTransaction(timeoutMs: number): Promise<void>;
  async commitTransaction(options?: TimeoutOptions | number): Promise<void> {
    this.assertOpen('commitTransaction');
    const timeoutMs = legacyTimeoutOf('commitTransaction', options, 30_000);
    this.drainCoalesced();
    await this.txn(this.handle.commitTransaction(timeoutMs), 'commitTransaction');
  }

  /**
   * Aborts the transaction: its messages are never seen by read_committed consumers.
   *
   * @param options - `timeoutMs`: how long to wait for the abort (default 30 000 ms).
   */
  abortTransaction(options?: TimeoutOptions): Promise<void>;
  /** @deprecated Pass `{ timeoutMs }`: `abortTransaction({ timeoutMs: 5000 })`. */
  abortTransaction(timeoutMs: number): Promise<void>;
  async abortTransaction(options?: TimeoutOptions | number): Promise<void> {
    this.assertOpen('abortTransaction');
    const timeoutMs = legacyTimeoutOf('abortTransaction', options, 30_000);
    this.drainCoalesced();
    await this.txn(this.handle.abortTransaction(timeoutMs), 'abortTransaction');
  }

  /**
   * Runs `work` in a transaction: begin, work, commit — or abort when `work` throws or the
   * commit needs an abort (the error is rethrown).
   *
   * @param options - `timeoutMs`: the commit's (and the abort's) timeout (default 30 000 ms).
   */
  transaction<T>(work: () => Promise<T>, options?: TimeoutOptions): Promise<T>;
  /** @deprecated Pass `{ timeoutMs }`: `transaction(work, { timeoutMs: 5000 })`. */
  transaction<T>(work: () => Promise<T>, timeoutMs: number): Promise<T>;
  async transaction<T>(work: () => Promise<T>, options?: TimeoutOptions | number): Promise<T> {
    // Checked before the transaction begins: a bad argument must not leave one open.
    const timeoutMs = legacyTimeoutOf('transaction', options, 30_000);
    await this.beginTransaction();
    try {
      const result = await work();
      await this.commitTransaction({ timeoutMs });
      return result;
    } catch (e) {
      if (!(e instanceof KafkaError) || e.txnRequiresAbort || e.code !== ErrorCode.STATE) {
        await this.abortTransaction({ timeoutMs }).catch(() => undefined);
      }
      throw e;
    }
  }

  private async txn(promise: Promise<void>, what: string): Promise<void> {
    try {
      await promise;
    } catch (e) {
      throw nativeError(e as never, `${what} failed`);
    }
  }

  /**
   * Flushes for up to `timeoutMs` (default 30 000), fails whatever is still undelivered
   * (each of those sends rejects), and releases the client; resolves with how many
   * messages the deadline left undelivered. Idempotent and safe at any moment: a second
   * call while the first runs shares its outcome (and its deadline).
   *
   * @param options - `timeoutMs`: how long to deliver what is queued (default 30 000 ms).
   */
  close(options: TimeoutOptions = {}): Promise<CloseReport> {
    let timeoutMs: number;
    try {
      timeoutMs = timeoutOf('close', options, 30_000);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    this.closePromise ??= this.closeOnce(timeoutMs);
    return this.closePromise;
  }

  private closePromise: Promise<CloseReport> | undefined;

  private async closeOnce(timeoutMs: number): Promise<CloseReport> {
    this.drainCoalesced();
    this.closing = true;
    this.stopTokens();
    this.purged = 0;
    // Deliver what is queued first, up to the deadline; the native close then fails just
    // what the deadline left.
    let timedOut = false;
    if (this.inFlight > 0) {
      const flushed = await this.handle.flush(Math.max(0, timeoutMs)).catch(() => undefined);
      timedOut = flushed?.timedOut ?? false;
    }
    await this.handle.close(0);
    this.closed = true;
    this.arenaPool.clear();
    // Every message got its report before the handle went away; nothing should be
    // left, but never leave a promise hanging.
    for (const [seq, p] of this.pending) {
      for (let i = 0; p.remaining > 0 && i < sizeOf(p); i++) this.settleDestroyed(seq * BATCH_SPAN + i);
    }
    for (const seq of [...this.singles.keys()]) this.settleDestroyed(seq * BATCH_SPAN);
    for (const wake of this.roomWaiters.splice(0)) wake();
    return { timedOut: timedOut || this.purged > 0, undelivered: this.purged };
  }


  protected refHandle(ref: boolean): void {
    this.handle.ref(ref);
  }

  protected probeCluster(timeoutMs: number, onError: (error: KafkaError) => void): Promise<void> {
    return probeWithAdmin(this.probeSource(), timeoutMs, onError);
  }

  /**
   * Enqueues a batch in as few native calls as librdkafka's queue allows: each run of
   * messages to one topic is packed into one arena (the only copy of the payloads) and
   * enqueued by one native call.
   */
  private async enqueue(p: Pending, options: SendOptions): Promise<void> {
    const seq = this.nextBatch++;
    this.pending.set(seq, p);
    p.done = 0;
    // Behind a batch that waits for room: wait our turn (continuations run in call order).
    while (this.blocked) await this.blocked;
    let release: (() => void) | undefined;
    try {
      await this.enqueueRuns(p, seq, options, (wait) => {
        if (!release) this.blocked = new Promise<void>((r) => (release = r));
        return wait;
      });
    } finally {
      if (release) {
        this.blocked = undefined;
        release();
      }
    }
  }

  private async enqueueRuns(p: Pending, seq: number, options: SendOptions, blocking: (wait: Promise<void>) => Promise<void>): Promise<void> {
    const total = sizeOf(p);
    let from = 0;
    let packedBytes = 0;
    let checked = 0; // messages before this index were validated

    while (from < total) {
      p.done = from;
      if (this.closing) {
        p.remaining -= total - from;
        throw this.closedError('sendBatch');
      }
      // Every broker refuses this client: nothing enqueued now could be sent.
      const refusal = this.refusal;
      if (refusal) {
        p.remaining -= total - from;
        throw this.refusedError(`cannot send to ${JSON.stringify(topicOf(p, from))}`, refusal);
      }
      let n: number;
      let err: number;
      try {
        if (p.packed) {
          const r = p.packed;
          [n, err] = this.handle.produceArena(r.topic, r.arena, from === 0 ? r.layout : r.layout.subarray(5 * from), total - from, seq * BATCH_SPAN + from, null, null, null);
        } else if (total - from < ARENA_MIN) {
          // A few messages: copying each into librdkafka costs less than an arena.
          if (p.runTopics) for (let i = from; i < total; i++) p.runTopics.push(i, p.messages[i]?.topic ?? '');
          [n, err] = this.handle.produceBatch(p.messages, from, total, seq * BATCH_SPAN + from);
        } else {
          const run = packRun(p.messages, from, SLICE_BYTES, checked, this.takeArena);
          // A malformed message anywhere fails the batch before any slice is enqueued.
          for (let i = Math.max(checked, from + run.count); i < total; i++) checkMessage(p.messages[i], i);
          checked = total;
          packedBytes += run.arena.length;
          (p.runTopics ??= []).push(from, run.topic);
          [n, err] = this.handle.produceArena(run.topic, run.arena, run.layout, run.count, seq * BATCH_SPAN + from, run.timestamps, run.headerRows, run.headerSpans);
          (p.arenas ??= []).push(run.arena);
        }
      } catch (e) {
        // A malformed message: none of the run was enqueued (packRun checks first), or with
        // produceBatch, the ones before it were and will settle.
        const enqueued = (e as { enqueuedBeforeError?: number }).enqueuedBeforeError ?? 0;
        this.inFlight += enqueued;
        p.done = from + enqueued;
        p.remaining -= total - (from + enqueued);
        throw e;
      }
      this.inFlight += n;
      from += n;
      if (err === 0) {
        if (packedBytes >= SLICE_BYTES && from < total) {
          // Copying a large batch is split: let the event loop run between slices (later
          // send/sendBatch calls still wait their turn behind this batch).
          packedBytes = 0;
          await blocking(yieldToLoop());
        }
        continue;
      }
      if (err !== ErrorCode.QUEUE_FULL) {
        if (p.settlers) {
          // Coalesced sends: this message's error is its own; the others go on.
          p.remaining--;
          p.settlers[2 * from + 1]!(this.produceError(err, topicOf(p, from)) as never);
          from++;
          continue;
        }
        p.remaining -= total - from;
        throw this.produceError(err, topicOf(p, from));
      }
      // Back-pressure: wait for delivery reports to make room, then go on.
      try {
        await blocking(this.waitForRoom(options));
      } catch (e) {
        p.done = from;
        p.remaining -= total - from;
        throw e;
      }
    }
    p.done = total;
    if (p.remaining <= 0) this.forget(p);
    else if (p.runTopics && p.runTopics.length <= 2 * RELEASE_MAX_RUNS) releaseMessages(p, total);
  }

  /**
   * Drops a settled batch from the pending map (`seq`: its key, when the caller knows it).
   * With no message of it left in librdkafka (each enqueued one reported), its arenas go
   * back for reuse; not once closing: then messages may be failed without a report (the
   * close gave up waiting) while librdkafka could still read them.
   */
  private forget(p: Pending, seq?: number): void {
    if (seq !== undefined) this.pending.delete(seq);
    else for (const [key, q] of this.pending) if (q === p) this.pending.delete(key);
    this.lastPending = undefined;
    const arenas = p.arenas;
    p.arenas = undefined;
    if (arenas && !this.closing) for (const arena of arenas) this.arenaPool.give(arena);
  }

  /** The batch failed before all of it was enqueued: reject now; enqueued messages still settle. */
  private failRest(p: Pending, error: Error): void {
    if (p.settlers) {
      // Coalesced sends: reject each message that never reached librdkafka.
      const total = sizeOf(p);
      for (let i = p.done ?? 0; i < total; i++) p.settlers[2 * i + 1]!(error as never);
      p.done = total;
      if (p.remaining <= 0) this.forget(p);
      return;
    }
    if (!p.error) p.error = error as KafkaError;
    p.reject?.(p.error);
    p.resolve = undefined;
    p.reject = undefined;
    if (p.remaining <= 0) this.forget(p);
  }

  private produceError(code: number, topic: string): KafkaError {
    if (code === ErrorCode.STATE) return this.closedError('produce');
    // After a fatal error librdkafka refuses every message with a bare _FATAL: the cause
    // (e.g. _FENCED) is what the application must see.
    if (code === FATAL) return this.fatalError(code, `cannot send to ${JSON.stringify(topic)}`);
    return this.withServers(nativeError(code, `cannot send to ${JSON.stringify(topic)}`));
  }

  /**
   * The error of a failed delivery: once the producer hit a fatal error, that error (typed,
   * fatal); a message purged because the cluster refused this client, the refusal.
   */
  private deliveryError(err: number, topic: string, status: number): KafkaError {
    const context = `delivery to ${JSON.stringify(topic)} failed`;
    let error: KafkaError;
    if (err === ErrorCode.PURGE_QUEUE && this.purgedFor && !this.closing) error = this.refusedError(context, this.purgedFor);
    else if (this.fatal && err !== ErrorCode.PURGE_QUEUE && err !== ErrorCode.DESTROY) error = this.fatalError(err, context);
    else error = this.withServers(nativeError(err, context));
    // Each of these is a new error object: the message's own persistence status goes on it.
    Object.defineProperty(error, 'persistence', { value: PERSISTENCE[status] ?? 'not-persisted', enumerable: true });
    return error;
  }

  /** The producer's fatal error (the cause librdkafka reported) for a call or a message that failed because of it. */
  private fatalError(code: number, context: string): KafkaError {
    const cause = this.fatal;
    const init = cause ? { code: cause.code, name: cause.codeName, message: cause.message } : { code, name: native().errorName(code), message: native().errorString(code) };
    return this.withServers(nativeError({ ...init, fatal: true, retriable: false }, context));
  }

  private closedError(what: string): KafkaError {
    return new ClosedError(`producer (${what} after close)`);
  }

  private readonly orphanCallback: DeliveryCallback = (error) => {
    if (error) this.reportError(error);
  };

  private onBatch(deliveries: NativeDeliveries | null, events: NativeEvent[] | null): void {
    // A fatal error (e.g. fenced by a newer producer with the same transactional.id) comes
    // with the deliveries it failed: known first, it types their rejections.
    if (events && !this.fatal) {
      for (const event of events) if (event.type === 'error' && event.error.fatal) this.fatal ??= nativeError(event.error);
    }
    if (deliveries) {
      const offsets = deliveries.offsets;
      const offsetWords = new Int32Array(offsets.buffer, offsets.byteOffset, 2 * offsets.length);
      for (let i = 0; i < deliveries.ids.length; i++) this.settle(deliveries, offsetWords, i);
      // A message the broker acknowledged: the cluster accepts this client.
      if (deliveries.errors.includes(0)) this.noteAccepted();
      for (const wake of this.roomWaiters.splice(0)) wake();
    }
    if (events) {
      for (const event of events) {
        try {
          this.handleCommonEvent(event);
        } catch (e) {
          rethrowLater(e);
        }
      }
    }
  }


  /** True for the error of a message purged because the cluster refused this client (not close()'s undelivered). */
  private purgedForRefusal(error: KafkaError): boolean {
    return this.purgedFor !== undefined && error.cause === this.purgedFor;
  }

  /**
   * Every bootstrap broker refused this client: the messages waiting in librdkafka's queue
   * (none can have been sent) are purged, and each of their sends rejects with the refusal
   * through its one delivery report, instead of at `message.timeout.ms`.
   */
  protected override onRefused(error: KafkaError): void {
    if (this.closing) return;
    this.purgedFor = error;
    if (this.inFlight > 0) this.handle.purgeQueued();
  }

  private settleSingle(single: Single, err: number, partition: number, offset: bigint, timestamp: number, status: number): void {
    this.inFlight--;
    const topic = single.message.topic;
    if (err === 0) {
      const report = { topic, partition, offset, timestamp };
      if (single.callback) callApplication(single.callback, null, report);
      else single.resolve?.(report);
      return;
    }
    const error = this.deliveryError(err, topic, status);
    if (!this.purgedForRefusal(error) && (err === ErrorCode.PURGE_QUEUE || err === ErrorCode.DESTROY)) this.purged++;
    if (single.callback) callApplication(single.callback, error, null);
    else single.reject?.(error);
  }

  /** Fails message `id` as destroyed with its client. */
  private settleDestroyed(id: number): void {
    const offsets = BigInt64Array.of(-1n);
    const d: NativeDeliveries = { ids: Float64Array.of(id), partitions: Int32Array.of(-1), errors: Int32Array.of(ErrorCode.DESTROY), offsets, timestamps: Float64Array.of(0), statuses: Uint8Array.of(0) };
    this.settle(d, new Int32Array(offsets.buffer), 0);
  }

  /** Settles delivery `i` of a native batch (`offsetWords`: its offsets as int32 pairs). */
  private settle(d: NativeDeliveries, offsetWords: Int32Array, i: number): void {
    const id = d.ids[i]!;
    const err = d.errors[i]!;
    const seq = Math.floor(id / BATCH_SPAN);
    let p = this.lastPending;
    if (seq !== this.lastSeq || !p) {
      const single = this.singles.get(seq);
      if (single) {
        this.singles.delete(seq);
        this.settleSingle(single, err, d.partitions[i]!, d.offsets[i]!, d.timestamps[i]!, d.statuses[i]!);
        return;
      }
      p = this.pending.get(seq);
      if (!p) return;
      this.lastSeq = seq;
      this.lastPending = p;
    }
    const index = id - seq * BATCH_SPAN;
    this.inFlight--;
    const fields = p.fields;
    if (fields && err === 0) {
      // sendBatch: the report is built with the others when the batch completes.
      fields.partitions[index] = d.partitions[i]!;
      fields.offsetWords[2 * index] = offsetWords[2 * i]!;
      fields.offsetWords[2 * index + 1] = offsetWords[2 * i + 1]!;
      fields.timestamps[index] = d.timestamps[i]!;
    } else {
      const topic = topicOf(p, index);
      const error = err === 0 ? null : this.deliveryError(err, topic, d.statuses[i]!);
      if (error && !this.purgedForRefusal(error) && (err === ErrorCode.PURGE_QUEUE || err === ErrorCode.DESTROY)) this.purged++;
      if (p.settlers) {
        const offset = d.offsets[i]!;
        if (error) p.settlers[2 * index + 1]!(error as never);
        else p.settlers[2 * index]!((p.offsetsOnly ? offset : { topic, partition: d.partitions[i]!, offset, timestamp: d.timestamps[i]! }) as never);
      } else if (p.callback) {
        callApplication(p.callback, error, error ? null : { topic, partition: d.partitions[i]!, offset: d.offsets[i]!, timestamp: d.timestamps[i]! });
      } else if (error && !p.error) {
        p.error = error;
      }
    }
    if (--p.remaining <= 0) {
      this.forget(p, seq);
      if (p.error) p.reject?.(p.error);
      else if (p.resolve) p.resolve(fields ? deliveredBatch(p, fields) : []);
    }
  }
}

export interface KafkaProducer {
  /** librdkafka's log lines (and the client's own), rate-limited per {@link ClientOptions.repeatWindowMs}. */
  on(event: 'log', listener: (entry: LogEntry) => void): this;
  /** Errors not tied to one call (all brokers down, a fatal error); calls reject their own promises. */
  on(event: 'error', listener: (error: KafkaError) => void): this;
  /** librdkafka's statistics, parsed, every `statistics.interval.ms`. */
  on(event: 'stats', listener: (stats: Record<string, unknown>) => void): this;
}

// Tracing: the produce channel and trace-context headers wrap send and sendBatch (see
// lib/observability/tracing.ts); with no subscriber and no propagator that costs one check per call.
instrumentSends(KafkaProducer.prototype);
