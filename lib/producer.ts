/**
 * KafkaProducer: sends messages through librdkafka. Sending never blocks the event loop:
 * messages are enqueued in librdkafka by a native call, delivery reports come back in
 * batches through the event pump, and a full queue is back-pressure that `send` awaits.
 */
import { checkDurationOption, checkSignalArg, checkTimeoutArg } from './checks';
import { ClientBase, type ClientOptions, type LogEntry } from './client-base';
import { toConfigError, type KafkaConfig } from './client-config';
import { DEFAULTS, validateConfig } from './config';
import { ClosedError, ErrorCode, KafkaError } from './errors';
import { NATIVE, type KafkaConsumer } from './consumer';
import type { DeliveryReport, OutgoingMessage, TopicPartitionOffset } from './message';
import { waitForWake } from './wait';
import { native, nativeError, type NativeDeliveries, type NativeEvent, type NativeProducer } from './native';

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

/** What close() reports. */
export interface CloseReport {
  /** Messages that were not delivered (failed with a purge error when the deadline passed). */
  undelivered: number;
}

type DeliveryCallback = (error: KafkaError | null, report: DeliveryReport | null) => void;

/**
 * Message ids carry their batch and their index in it: id = batch * BATCH_SPAN + index.
 * One pending entry per batch (not per message) keeps the hot path free of map churn.
 */
const BATCH_SPAN = 2 ** 21;
/** The largest batch one sendBatch call takes (ids stay exact doubles). */
export const MAX_BATCH = BATCH_SPAN;

/** One message sent on its own (send / produce): the lightest record of it. */
interface Single {
  message: OutgoingMessage;
  resolve: ((report: DeliveryReport) => void) | undefined;
  reject: ((error: KafkaError) => void) | undefined;
  callback: DeliveryCallback | undefined;
}

/** One batch of messages in flight: settles one promise, or one callback per message. */
interface Pending {
  messages: OutgoingMessage[];
  remaining: number;
  reports: DeliveryReport[];
  error: KafkaError | null;
  resolve: ((reports: DeliveryReport[]) => void) | undefined;
  reject: ((error: KafkaError) => void) | undefined;
  /** Fire-and-forget: called per message instead of settling a promise. */
  callback: DeliveryCallback | undefined;
}

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
  private readonly singles = new Map<number, Single>();
  private nextBatch = 1;
  private inFlight = 0;
  private lastSeq = 0;
  private lastPending: Pending | undefined;
  private readonly roomWaiters: Array<() => void> = [];
  private readonly sendTimeoutMs: number;
  private purged = 0;

  constructor(config: KafkaConfig, options: ProducerOptions = {}) {
    super('producer', options);
    options ??= {};
    checkDurationOption('sendTimeoutMs', options.sendTimeoutMs);
    this.sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
    const auth = this.withAuth(config, options);
    const props = validateConfig('producer', auth.config, { onWarning: (w) => this.configWarning(w.property, w.message) });
    try {
      this.handle = new (native().Producer)(props, (d, _m, e) => this.onBatch(d, e), auth.native);
    } catch (e) {
      throw toConfigError(e);
    }
    this.startTokens(this.handle);
  }

  /** librdkafka's name for this client instance (e.g. `rdkafka#producer-1`). */
  get name(): string | undefined {
    return this.handle.name();
  }

  /** Messages enqueued or in flight, not yet acknowledged. */
  get pendingCount(): number {
    return this.inFlight;
  }

  /**
   * Sends one message; resolves once the broker acknowledged it (with acks=all: all in-sync
   * replicas have it), rejects with a {@link KafkaError} otherwise.
   */
  send(message: OutgoingMessage, options: SendOptions = {}): Promise<DeliveryReport> {
    if (this.closing) return Promise.reject(this.closedError('send'));
    return new Promise<DeliveryReport>((resolve, reject) => {
      const seq = this.nextBatch++;
      let err: number;
      try {
        err = this.produceSingle(message, seq);
      } catch (e) {
        reject(e as KafkaError);
        return;
      }
      if (err === 0) {
        this.singles.set(seq, { message, resolve, reject, callback: undefined });
        this.inFlight++;
      } else if (err === ErrorCode.QUEUE_FULL) {
        // Back-pressure: the general path waits for room.
        const p: Pending = { messages: [message], remaining: 1, reports: [], error: null, resolve: (r) => resolve(r[0]!), reject, callback: undefined };
        this.enqueue(p, options).catch((error: Error) => this.failRest(p, error));
      } else {
        reject(this.produceError(err, message.topic));
      }
    });
  }

  /**
   * Sends several messages in as few native calls as possible. Resolves with one report
   * per message, in order, once all are acknowledged; rejects with the first error (the
   * other messages are still delivered or failed on their own).
   */
  sendBatch(messages: OutgoingMessage[], options: SendOptions = {}): Promise<DeliveryReport[]> {
    try {
      this.assertOpen('send');
      if (!Array.isArray(messages)) throw new TypeError('sendBatch(messages): messages must be an array');
      if (messages.length > MAX_BATCH) throw new RangeError(`sendBatch takes at most ${MAX_BATCH} messages, got ${messages.length}`);
    } catch (e) {
      return Promise.reject(e);
    }
    if (messages.length === 0) return Promise.resolve([]);
    return new Promise<DeliveryReport[]>((resolve, reject) => {
      const p: Pending = { messages, remaining: messages.length, reports: new Array(messages.length), error: null, resolve, reject, callback: undefined };
      this.enqueue(p, options).catch((error: Error) => this.failRest(p, error));
    });
  }

  /**
   * Fire-and-forget: enqueues one message and returns at once. The callback (if any)
   * gets the delivery report or error; without one, failures are emitted as `error`
   * events. Throws a {@link KafkaError} with code QUEUE_FULL when librdkafka's queue is
   * full: await {@link waitForRoom} and retry.
   */
  produce(message: OutgoingMessage, callback?: DeliveryCallback): void {
    this.assertOpen('produce');
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
   */
  async flush(timeoutMs = 30_000): Promise<void> {
    this.assertOpen('flush');
    checkTimeoutArg('flush(timeoutMs)', timeoutMs);
    const { remaining, timedOut } = await this.handle.flush(timeoutMs);
    if (timedOut) {
      throw new KafkaError({ message: `flush timed out after ${timeoutMs} ms with ${remaining} messages undelivered`, code: ErrorCode.TIMED_OUT, retriable: true });
    }
  }

  /**
   * Transactions (needs `transactional.id` in the configuration): call once before the
   * first transaction; fences older producers with the same id.
   */
  async initTransactions(timeoutMs = 30_000): Promise<void> {
    this.assertOpen('initTransactions');
    await this.txn(this.handle.initTransactions(timeoutMs), 'initTransactions');
  }

  async beginTransaction(): Promise<void> {
    this.assertOpen('beginTransaction');
    await this.txn(this.handle.beginTransaction(), 'beginTransaction');
  }

  /**
   * Adds a consumer's offsets to the current transaction: they commit if and only if the
   * transaction commits (consume-transform-produce, exactly once).
   */
  async sendOffsetsToTransaction(offsets: TopicPartitionOffset[], consumer: KafkaConsumer, timeoutMs = 30_000): Promise<void> {
    this.assertOpen('sendOffsetsToTransaction');
    const list = offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: BigInt(offset) }));
    await this.txn(this.handle.sendOffsetsToTransaction(list, consumer[NATIVE], timeoutMs), 'sendOffsetsToTransaction');
  }

  /** Flushes and commits the transaction. On an error with `txnRequiresAbort`, call abortTransaction. */
  async commitTransaction(timeoutMs = 30_000): Promise<void> {
    this.assertOpen('commitTransaction');
    await this.txn(this.handle.commitTransaction(timeoutMs), 'commitTransaction');
  }

  /** Aborts the transaction: its messages are never seen by read_committed consumers. */
  async abortTransaction(timeoutMs = 30_000): Promise<void> {
    this.assertOpen('abortTransaction');
    await this.txn(this.handle.abortTransaction(timeoutMs), 'abortTransaction');
  }

  /**
   * Runs `work` in a transaction: begin, work, commit — or abort when `work` throws or the
   * commit needs an abort (the error is rethrown).
   */
  async transaction<T>(work: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
    await this.beginTransaction();
    try {
      const result = await work();
      await this.commitTransaction(timeoutMs);
      return result;
    } catch (e) {
      if (!(e instanceof KafkaError) || e.txnRequiresAbort || e.code !== ErrorCode.STATE) {
        await this.abortTransaction(timeoutMs).catch(() => undefined);
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
   * Flushes for up to `timeoutMs`, fails whatever is still undelivered (each of those
   * sends rejects), and releases the client. Idempotent; safe at any moment.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<CloseReport> {
    if (!this.closing) {
      this.closing = true;
      this.stopTokens();
      this.purged = 0;
      await this.handle.close(options.timeoutMs ?? 30_000);
      this.closed = true;
      // Every message got its report before the handle went away; nothing should be
      // left, but never leave a promise hanging.
      for (const [seq, p] of this.pending) {
        for (let i = 0; p.remaining > 0 && i < p.messages.length; i++) this.settle(seq * BATCH_SPAN + i, ErrorCode.DESTROY, -1, -1n, 0);
      }
      for (const seq of [...this.singles.keys()]) this.settle(seq * BATCH_SPAN, ErrorCode.DESTROY, -1, -1n, 0);
      for (const wake of this.roomWaiters.splice(0)) wake();
      this.closeReport = { undelivered: this.purged };
    } else {
      await this.handle.close(0);
    }
    return this.closeReport ?? { undelivered: 0 };
  }

  private closeReport: CloseReport | undefined;

  protected refHandle(ref: boolean): void {
    this.handle.ref(ref);
  }

  /**
   * Enqueues a batch in as few native calls as librdkafka's queue allows: each run of
   * messages to one topic is packed into one arena (the only copy of the payloads) and
   * enqueued by one native call.
   */
  private async enqueue(p: Pending, options: SendOptions): Promise<void> {
    const seq = this.nextBatch++;
    this.pending.set(seq, p);
    const total = p.messages.length;
    let from = 0;
    while (from < total) {
      if (this.closing) {
        p.remaining -= total - from;
        throw this.closedError('sendBatch');
      }
      let n: number;
      let err: number;
      try {
        if (total - from < ARENA_MIN) {
          // A few messages: copying each into librdkafka costs less than an arena.
          [n, err] = this.handle.produceBatch(p.messages, from, total, seq * BATCH_SPAN + from);
        } else {
          const run = packRun(p.messages, from);
          [n, err] = this.handle.produceArena(run.topic, run.arena, run.layout, run.count, seq * BATCH_SPAN + from, run.timestamps, run.headers);
        }
      } catch (e) {
        // A malformed message: none of the run was enqueued (packRun checks first), or with
        // produceBatch, the ones before it were and will settle.
        const enqueued = (e as { enqueuedBeforeError?: number }).enqueuedBeforeError ?? 0;
        this.inFlight += enqueued;
        p.remaining -= total - (from + enqueued);
        throw e;
      }
      this.inFlight += n;
      from += n;
      if (err === 0) continue;
      if (err !== ErrorCode.QUEUE_FULL) {
        p.remaining -= total - from;
        throw this.produceError(err, p.messages[from]?.topic ?? '');
      }
      // Back-pressure: wait for delivery reports to make room, then go on.
      try {
        await this.waitForRoom(options);
      } catch (e) {
        p.remaining -= total - from;
        throw e;
      }
    }
  }

  /** The batch failed before all of it was enqueued: reject now; enqueued messages still settle. */
  private failRest(p: Pending, error: Error): void {
    if (!p.error) p.error = error as KafkaError;
    p.reject?.(p.error);
    p.resolve = undefined;
    p.reject = undefined;
    if (p.remaining <= 0) {
      for (const [seq, q] of this.pending) if (q === p) this.pending.delete(seq);
      this.lastPending = undefined;
    }
  }

  private produceError(code: number, topic: string): KafkaError {
    if (code === ErrorCode.STATE) return this.closedError('produce');
    return nativeError(code, `cannot send to ${JSON.stringify(topic)}`);
  }

  private closedError(what: string): KafkaError {
    return new ClosedError(`producer (${what} after close)`);
  }

  private readonly orphanCallback: DeliveryCallback = (error) => {
    if (error) this.reportError(error);
  };

  private onBatch(deliveries: NativeDeliveries | null, events: NativeEvent[] | null): void {
    if (deliveries) {
      const { ids, partitions, errors, offsets, timestamps } = deliveries;
      for (let i = 0; i < ids.length; i++) this.settle(ids[i]!, errors[i]!, partitions[i]!, offsets[i]!, timestamps[i]!);
      for (const wake of this.roomWaiters.splice(0)) wake();
    }
    if (events) for (const event of events) this.handleCommonEvent(event);
  }

  private settleSingle(single: Single, err: number, partition: number, offset: bigint, timestamp: number): void {
    this.inFlight--;
    const topic = single.message.topic;
    if (err === 0) {
      const report = { topic, partition, offset, timestamp };
      if (single.callback) single.callback(null, report);
      else single.resolve?.(report);
      return;
    }
    const error = nativeError(err, `delivery to ${JSON.stringify(topic)} failed`);
    if (err === ErrorCode.PURGE_QUEUE || err === ErrorCode.DESTROY) this.purged++;
    if (single.callback) single.callback(error, null);
    else single.reject?.(error);
  }

  private settle(id: number, err: number, partition: number, offset: bigint, timestamp: number): void {
    const seq = Math.floor(id / BATCH_SPAN);
    let p = this.lastPending;
    if (seq !== this.lastSeq || !p) {
      const single = this.singles.get(seq);
      if (single) {
        this.singles.delete(seq);
        this.settleSingle(single, err, partition, offset, timestamp);
        return;
      }
      p = this.pending.get(seq);
      if (!p) return;
      this.lastSeq = seq;
      this.lastPending = p;
    }
    const index = id - seq * BATCH_SPAN;
    const message = p.messages[index]!;
    this.inFlight--;
    const error = err === 0 ? null : nativeError(err, `delivery to ${JSON.stringify(message.topic)} failed`);
    if (error && (err === ErrorCode.PURGE_QUEUE || err === ErrorCode.DESTROY)) this.purged++;
    if (p.callback) {
      p.callback(error, error ? null : { topic: message.topic, partition, offset, timestamp });
    } else if (error) {
      if (!p.error) p.error = error;
    } else {
      p.reports[index] = { topic: message.topic, partition, offset, timestamp };
    }
    if (--p.remaining <= 0) {
      this.pending.delete(seq);
      this.lastPending = undefined;
      if (p.error) p.reject?.(p.error);
      else p.resolve?.(p.reports);
    }
  }
}

export interface KafkaProducer {
  on(event: 'log', listener: (entry: LogEntry) => void): this;
  on(event: 'error', listener: (error: KafkaError) => void): this;
  on(event: 'stats', listener: (stats: Record<string, unknown>) => void): this;
}

/** A run of messages to one topic, packed for produceArena. */
interface PackedRun {
  topic: string;
  count: number;
  arena: Buffer;
  layout: Int32Array;
  timestamps: Float64Array | null;
  headers: Array<Array<[string, Uint8Array | string | null]> | undefined> | null;
}

/** Batches smaller than this are copied message by message instead of packed. */
const ARENA_MIN = 8;

/** Runs stay below this many payload bytes (layout offsets are int32). */
const MAX_ARENA = 1 << 30;

function payloadLength(v: unknown, index: number, field: 'key' | 'value'): number {
  if (v === null || v === undefined) return -1;
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (v instanceof Uint8Array) return v.byteLength;
  throw new TypeError(`messages[${index}].${field} must be a Buffer, Uint8Array, string or null`);
}

/**
 * Validates messages[from..] up to the first one of another topic and packs their keys
 * and values into one Buffer.
 */
function packRun(messages: OutgoingMessage[], from: number): PackedRun {
  const first = messages[from];
  if (first === null || typeof first !== 'object') throw new TypeError(`messages[${from}] must be an object with topic and value`);
  const topic = first.topic;
  if (typeof topic !== 'string' || topic.length === 0) throw new TypeError(`messages[${from}].topic must be a non-empty string`);
  let end = from;
  let size = 0;
  let hasTimestamps = false;
  let hasHeaders = false;
  const lengths: number[] = [];
  for (; end < messages.length; end++) {
    const m = messages[end];
    if (m === null || typeof m !== 'object') throw new TypeError(`messages[${end}] must be an object with topic and value`);
    if (m.topic !== topic) {
      if (typeof m.topic !== 'string' || m.topic.length === 0) throw new TypeError(`messages[${end}].topic must be a non-empty string`);
      break;
    }
    const keyLen = payloadLength(m.key, end, 'key');
    const valueLen = payloadLength(m.value, end, 'value');
    if (size + Math.max(0, keyLen) + Math.max(0, valueLen) > MAX_ARENA && end > from) break;
    lengths.push(keyLen, valueLen);
    size += Math.max(0, keyLen) + Math.max(0, valueLen);
    const partition = m.partition;
    if (partition !== undefined && partition !== null && (!Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff)) {
      throw new TypeError(`messages[${end}].partition must be a non-negative integer`);
    }
    if (m.timestamp !== undefined && m.timestamp !== null) {
      if (typeof m.timestamp !== 'number' || !Number.isFinite(m.timestamp)) throw new TypeError(`messages[${end}].timestamp must be a number (ms since the epoch)`);
      hasTimestamps = true;
    }
    if (m.headers !== undefined && m.headers !== null) {
      checkHeaders(m.headers, end);
      hasHeaders = true;
    }
  }
  const count = end - from;
  const arena = Buffer.allocUnsafeSlow(size);
  const layout = new Int32Array(count * 5);
  const timestamps = hasTimestamps ? new Float64Array(count) : null;
  const headers = hasHeaders ? new Array<Array<[string, Uint8Array | string | null]> | undefined>(count) : null;
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const m = messages[from + i]!;
    const o = i * 5;
    layout[o] = m.partition ?? -1;
    const keyLen = lengths[2 * i]!;
    layout[o + 1] = pos;
    layout[o + 2] = keyLen;
    if (keyLen > 0) pos += copyInto(arena, m.key!, pos);
    const valueLen = lengths[2 * i + 1]!;
    layout[o + 3] = pos;
    layout[o + 4] = valueLen;
    if (valueLen > 0) pos += copyInto(arena, m.value!, pos);
    if (timestamps) timestamps[i] = m.timestamp ?? 0;
    if (headers && m.headers) headers[i] = Array.isArray(m.headers) ? m.headers : Object.entries(m.headers);
  }
  return { topic, count, arena, layout, timestamps, headers };
}

function copyInto(arena: Buffer, v: Buffer | Uint8Array | string, pos: number): number {
  if (typeof v === 'string') return arena.write(v, pos);
  arena.set(v, pos);
  return v.byteLength;
}

function checkHeaders(headers: unknown, index: number): void {
  const ok = (v: unknown): boolean => v === null || typeof v === 'string' || v instanceof Uint8Array;
  if (Array.isArray(headers)) {
    for (const pair of headers) {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string' || !ok(pair[1])) {
        throw new TypeError(`messages[${index}].headers must be [name, Buffer | Uint8Array | string | null] pairs`);
      }
    }
  } else if (typeof headers === 'object') {
    for (const v of Object.values(headers as object)) {
      if (!ok(v)) throw new TypeError(`messages[${index}].headers values must be Buffer, Uint8Array, string or null`);
    }
  } else {
    throw new TypeError(`messages[${index}].headers must be an array of [name, value] pairs or an object`);
  }
}
