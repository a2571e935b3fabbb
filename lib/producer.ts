/**
 * KafkaProducer: sends messages through librdkafka. Sending never blocks the event loop:
 * messages are enqueued in librdkafka by a native call, delivery reports come back in
 * batches through the event pump, and a full queue is back-pressure that `send` awaits.
 */
import { ClientBase, type ClientOptions, type LogEntry } from './client-base';
import type { KafkaConfig } from './client-config';
import { DEFAULTS, isSensitive, validateConfig } from './config';
import { ConfigError, ErrorCode, KafkaError } from './errors';
import type { DeliveryReport, OutgoingMessage } from './message';
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

interface BatchState {
  remaining: number;
  reports: DeliveryReport[];
  error: KafkaError | null;
  resolve: (reports: DeliveryReport[]) => void;
  reject: (error: KafkaError) => void;
}

/** One in-flight message: settles a promise, a batch slot or a callback. */
interface Pending {
  topic: string;
  callback: DeliveryCallback | undefined;
  batch: BatchState | undefined;
  index: number;
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
  private nextId = 1;
  private roomWaiters: Array<() => void> = [];
  private readonly sendTimeoutMs: number;
  private purged = 0;

  constructor(config: KafkaConfig, options: ProducerOptions = {}) {
    super('producer', options);
    this.sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
    const props = validateConfig('producer', config, { onWarning: (w) => this.configWarning(w.property, w.message) });
    try {
      this.handle = new (native().Producer)(props, (d, _m, e) => this.onBatch(d, e));
    } catch (e) {
      throw toConfigError(e);
    }
  }

  /** librdkafka's name for this client instance (e.g. `rdkafka#producer-1`). */
  get name(): string | undefined {
    return this.handle.name();
  }

  /** Messages enqueued or in flight, not yet acknowledged. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Sends one message; resolves once the broker acknowledged it (with acks=all: all in-sync
   * replicas have it), rejects with a {@link KafkaError} otherwise.
   */
  send(message: OutgoingMessage, options: SendOptions = {}): Promise<DeliveryReport> {
    return this.sendBatch([message], options).then((reports) => reports[0]!);
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
    } catch (e) {
      return Promise.reject(e);
    }
    if (messages.length === 0) return Promise.resolve([]);
    return new Promise<DeliveryReport[]>((resolve, reject) => {
      const batch: BatchState = { remaining: messages.length, reports: new Array(messages.length), error: null, resolve, reject };
      this.enqueue(messages, batch, options).catch((error: KafkaError) => {
        // Messages from the failed one on were never enqueued: the batch fails as a whole.
        if (!batch.error) batch.error = error;
        batch.reject(batch.error);
      });
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
    const id = this.nextId++;
    const err = this.produceOne(message, id);
    if (err !== 0) throw this.produceError(err, message.topic);
    this.pending.set(id, { topic: message.topic, callback: callback ?? this.orphanCallback, batch: undefined, index: 0 });
  }

  /** Resolves when librdkafka's queue has room again (after the next delivery reports). */
  waitForRoom(options: SendOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.sendTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (error?: KafkaError): void => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.roomWaiters = this.roomWaiters.filter((w) => w !== wake);
        if (error) reject(error);
        else resolve();
      };
      const wake = (): void => done();
      const onAbort = (): void =>
        done(new KafkaError({ message: 'send aborted while waiting for room in the queue', code: ErrorCode.QUEUE_FULL, cause: options.signal?.reason }));
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(
        () => done(new KafkaError({ message: `queue still full after ${timeoutMs} ms (queue.buffering.max.messages / kbytes)`, code: ErrorCode.QUEUE_FULL, retriable: true })),
        timeoutMs,
      );
      this.roomWaiters.push(wake);
    });
  }

  /**
   * Waits until every enqueued message is acknowledged or failed. Rejects with a
   * TIMED_OUT error that says how many are left when the timeout passes first.
   */
  async flush(timeoutMs = 30_000): Promise<void> {
    this.assertOpen('flush');
    const { remaining, timedOut } = await this.handle.flush(timeoutMs);
    if (timedOut) {
      throw new KafkaError({ message: `flush timed out after ${timeoutMs} ms with ${remaining} messages undelivered`, code: ErrorCode.TIMED_OUT, retriable: true });
    }
  }

  /**
   * Flushes for up to `timeoutMs`, fails whatever is still undelivered (each of those
   * sends rejects), and releases the client. Idempotent; safe at any moment.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<CloseReport> {
    if (!this.closing) {
      this.closing = true;
      this.purged = 0;
      await this.handle.close(options.timeoutMs ?? 30_000);
      this.closed = true;
      // Every message got its report before the handle went away; nothing should be
      // left, but never leave a promise hanging.
      for (const [id] of this.pending) this.settle(id, ErrorCode.DESTROY, -1, -1n, 0);
      for (const wake of this.roomWaiters.splice(0)) wake();
      this.closeReport = { undelivered: this.purged };
    } else {
      await this.handle.close(0);
    }
    return this.closeReport ?? { undelivered: 0 };
  }

  private closeReport: CloseReport | undefined;

  /** Lets the process exit while this producer is open (like `socket.unref()`). */
  unref(): this {
    if (!this.closed) this.handle.ref(false);
    return this;
  }

  /** Undoes {@link unref}. */
  ref(): this {
    if (!this.closed) this.handle.ref(true);
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async enqueue(messages: OutgoingMessage[], batch: BatchState, options: SendOptions): Promise<void> {
    let i = 0;
    while (i < messages.length) {
      if (this.closing) throw this.closedError();
      const message = messages[i]!;
      const id = this.nextId++;
      const err = this.produceOne(message, id);
      if (err === 0) {
        this.pending.set(id, { topic: message.topic, callback: undefined, batch, index: i });
        i++;
        continue;
      }
      if (err !== ErrorCode.QUEUE_FULL) throw this.produceError(err, message.topic);
      // Back-pressure: wait for delivery reports to make room, then go on.
      await this.waitForRoom(options);
    }
  }

  private produceOne(message: OutgoingMessage, id: number): number {
    if (message === null || typeof message !== 'object') throw new TypeError('a message must be an object with topic and value');
    if (typeof message.topic !== 'string' || message.topic.length === 0) {
      throw new TypeError('message.topic must be a non-empty string');
    }
    if (message.partition !== undefined && (!Number.isInteger(message.partition) || message.partition < 0)) {
      throw new TypeError(`message.partition must be a non-negative integer, got ${String(message.partition)}`);
    }
    return this.handle.produce(
      message.topic,
      message.partition ?? null,
      message.key ?? null,
      message.value ?? null,
      normalizeHeaders(message.headers),
      message.timestamp ?? null,
      id,
    );
  }

  private produceError(code: number, topic: string): KafkaError {
    if (code === ErrorCode.STATE) return this.closedError();
    return nativeError(code, `cannot send to ${JSON.stringify(topic)}`);
  }

  private closedError(): KafkaError {
    return new KafkaError({ message: 'producer is closed', code: ErrorCode.STATE });
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

  private settle(id: number, err: number, partition: number, offset: bigint, timestamp: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    const error = err === 0 ? null : nativeError(err, `delivery to ${JSON.stringify(p.topic)} failed`);
    if (error && (err === ErrorCode.PURGE_QUEUE || err === ErrorCode.DESTROY)) this.purged++;
    const report = error ? null : { topic: p.topic, partition, offset, timestamp };
    if (p.batch) {
      const b = p.batch;
      if (report) b.reports[p.index] = report;
      else if (!b.error) b.error = error;
      if (--b.remaining === 0) {
        if (b.error) b.reject(b.error);
        else b.resolve(b.reports);
      }
    } else if (p.callback) {
      p.callback(error, report);
    }
  }
}

export interface KafkaProducer {
  on(event: 'log', listener: (entry: LogEntry) => void): this;
  on(event: 'error', listener: (error: KafkaError) => void): this;
  on(event: 'stats', listener: (stats: Record<string, unknown>) => void): this;
}

function normalizeHeaders(headers: OutgoingMessage['headers']): Array<[string, Uint8Array | string | null]> | null {
  if (headers === undefined || headers === null) return null;
  if (Array.isArray(headers)) return headers;
  if (typeof headers === 'object') return Object.entries(headers);
  throw new TypeError('message.headers must be an array of [name, value] pairs or an object');
}

/**
 * librdkafka refuses a configuration with a plain error: make it a ConfigError (whose
 * message never carries the value of a sensitive property).
 */
export function toConfigError(e: unknown): unknown {
  if (e instanceof Error && /invalid configuration "([^"]+)": (.*)/s.test(e.message)) {
    const [, property, reason] = /invalid configuration "([^"]+)": (.*)/s.exec(e.message)!;
    return new ConfigError(property!, isSensitive(property!) ? 'librdkafka refused the value (value redacted)' : reason!);
  }
  if (e instanceof Error && typeof (e as { code?: unknown }).code === 'number') {
    return new ConfigError('config', e.message);
  }
  return e;
}
