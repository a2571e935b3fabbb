/**
 * TopicProducer: pushes events to a topic. Per push: validate → serialize → the selector picks
 * the partition (the event goes to that partition, unlike Octopus) → encode → raw producer.
 */
import { configForRole } from '../config/config';
import { checkDurationOption, checkOptions } from '../config/checks';
import { ConfigError, ErrorCode, KafkaError } from '../util/errors';
import { KafkaProducer, SEND_PACKED_FOR_OFFSETS, type CloseReport } from '../client/producer';
import { legacyTimeoutOf, timeoutOf, type TimeoutOptions } from '../core/call-options';
import { EventBatch, MAX_BATCH_BYTES, dataLength } from './event-batch';
import type { DriverContext, TopicParts } from './types';
import { encodeEvent, HEADER_SIZE } from './wire';

/** Options of a topic producer. */
export interface TopicProducerOptions {
  /** `adaptive` (librdkafka's default) or a number of events per batch (`batch.num.messages`). */
  batchSize?: 'adaptive' | number;
  /** Events in flight at most; beyond, `push` waits for room (default: unbounded). */
  maxPending?: number;
  /**
   * `strict` (default): idempotent producer, per-partition order kept under retries.
   * `loose`: no idempotence, more requests in flight; retries may reorder.
   */
  ordering?: 'strict' | 'loose';
  /** How long `push` waits for room (default 30 000 ms). */
  pushTimeoutMs?: number;
}

/** Options of one push. */
export interface PushOptions {
  /** Partition hint, given to the topic's partition selector. */
  partition?: number;
  /** Gives up waiting for room (maxPending) when aborted. */
  signal?: AbortSignal;
  /** Overrides {@link TopicProducerOptions.pushTimeoutMs}. */
  timeoutMs?: number;
}

/** Event data: one buffer or several segments (sent end to end). */
export type EventData = Uint8Array | readonly Uint8Array[];

function rawConfig(kafka: DriverContext['kafka'], options: TopicProducerOptions): DriverContext['kafka'] {
  const config = { ...kafka };
  const batch = options.batchSize ?? 'adaptive';
  if (batch !== 'adaptive') {
    if (!Number.isSafeInteger(batch) || batch < 1) throw new ConfigError('batchSize', `must be "adaptive" or a positive integer, got ${String(batch)}`);
    config['batch.num.messages'] = Math.min(1_000_000, batch);
  }
  const ordering = options.ordering ?? 'strict';
  if (ordering === 'loose') {
    config['enable.idempotence'] = false;
    config['max.in.flight.requests.per.connection'] = 20;
  } else if (ordering === 'strict') config['enable.idempotence'] = true;
  else throw new ConfigError('ordering', `must be "strict" or "loose", got ${JSON.stringify(ordering)}`);
  return config;
}

/** The data of a push as segments; anything but bytes is a ConfigError naming `data`. */
function toSegments(data: unknown): readonly Uint8Array[] {
  if (data === undefined || data === null) return [];
  if (data instanceof Uint8Array) return [data];
  if (Array.isArray(data)) {
    data.forEach((s: unknown, i) => {
      if (!(s instanceof Uint8Array)) throw new ConfigError(`data[${i}]`, `each data segment must be a Buffer or Uint8Array, got ${describeValue(s)}`);
    });
    return data as Uint8Array[];
  }
  throw new ConfigError('data', `must be a Buffer, a Uint8Array or an array of them, got ${describeValue(data)}`);
}

function describeValue(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** Pushes events to one topic. */
export class TopicProducer {
  private readonly raw: KafkaProducer;
  private readonly maxPending: number;
  private readonly pushTimeoutMs: number;
  private readonly untrack: () => void;
  /** This tick's pushes, not yet handed to the raw producer. */
  private batch: EventBatch | undefined;
  private nextCapacity = 16 * 1024;
  /** Pushes waiting for room: later pushes queue behind them. */
  private waiting = 0;
  /** The options it was made with. */
  readonly options: TopicProducerOptions;

  /** @internal */
  constructor(
    context: DriverContext,
    private readonly topic: TopicParts,
    options: TopicProducerOptions,
  ) {
    checkOptions(options);
    this.options = options ??= {};
    checkDurationOption('pushTimeoutMs', options.pushTimeoutMs);
    const max = options.maxPending ?? Infinity;
    if (max !== Infinity && (!Number.isSafeInteger(max) || max < 1)) throw new ConfigError('maxPending', `must be a positive integer, got ${String(max)}`);
    this.maxPending = max;
    this.pushTimeoutMs = options.pushTimeoutMs ?? 30_000;
    const config = rawConfig(configForRole('producer', context.kafka), options);
    // Registered first: a closed driver refuses before a native client exists that nobody
    // would close (it would keep the process alive).
    this.untrack = context.track(this);
    try {
      this.raw = new KafkaProducer(config, { ...context.clientOptions, sendTimeoutMs: this.pushTimeoutMs });
    } catch (e) {
      this.untrack();
      throw e;
    }
  }

  /** Events pushed and not yet acknowledged by Kafka. */
  get pendingCount(): number {
    return this.raw.pendingCount + (this.batch?.count ?? 0);
  }

  /**
   * Pushes one event. Resolves with the event id: its Kafka offset in the partition it went
   * to, a `bigint` (exact for all 64 bits). Validation, serialization and delivery errors
   * reject the returned promise; they never throw from the call or affect other events.
   */
  push(metadata: unknown, data?: EventData, options: PushOptions = {}): Promise<bigint> {
    let segments: readonly Uint8Array[];
    try {
      segments = toSegments(data);
      checkOptions(options, 'push options');
      options ??= {};
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.waiting > 0 || options.signal !== undefined || options.timeoutMs !== undefined || this.pendingCount >= this.maxPending) {
      return this.pushWaiting(metadata, segments, options);
    }
    const topic = this.topic;
    let batch: EventBatch;
    try {
      topic.validator.validate(metadata, segments);
      const text = topic.serializer.serializeText?.(metadata);
      const metadataBytes = text === undefined ? topic.serializer.serialize(metadata) : undefined;
      const index = this.selectPartition(metadata, options);
      const dataLen = dataLength(segments);
      const bound = text === undefined ? HEADER_SIZE + metadataBytes!.length + dataLen : EventBatch.textEventBound(text, dataLen);
      // Beyond what one batch holds: its own path (librdkafka then judges its size).
      if (bound > MAX_BATCH_BYTES) return this.pushWaiting(metadata, segments, options);
      batch = this.batch && this.batch.fits(bound) ? this.batch : this.startBatch();
      if (text !== undefined) batch.addText(index, text, segments, dataLen);
      else batch.addBytes(index, metadataBytes!, segments, dataLen);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<bigint>((resolve, reject) => batch.settlers.push(resolve as (value: never) => void, reject));
  }

  /** The partition index the topic's selector chose, checked. */
  private selectPartition(metadata: unknown, options: PushOptions): number {
    const index = this.topic.selector.selectPartitionFor(metadata, options.partition);
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.topic.partitions) {
      throw new KafkaError({ message: `the partition selector chose partition ${String(index)} of ${this.topic.partitions}`, code: ErrorCode.UNKNOWN_PARTITION });
    }
    return index;
  }

  /** A new batch for this tick's pushes, sent at the end of the tick (or when the next one starts). */
  private startBatch(): EventBatch {
    this.flushBatch();
    const batch = new EventBatch(this.nextCapacity);
    this.batch = batch;
    queueMicrotask(this.flushBatch);
    return batch;
  }

  /** Hands the current batch to the raw producer. */
  private readonly flushBatch = (): void => {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    // Size the next tick's buffer like this one: no growing on a steady stream.
    this.nextCapacity = Math.min(MAX_BATCH_BYTES, Math.max(4096, batch.size));
    this.raw[SEND_PACKED_FOR_OFFSETS](batch.toRun(this.topic.kafkaTopic), batch.settlers);
  };

  /**
   * A push that may wait: for room under maxPending, or with its own timeout / signal. Pushes
   * made meanwhile queue behind it, so events keep their order.
   */
  private async pushWaiting(metadata: unknown, segments: readonly Uint8Array[], options: PushOptions): Promise<bigint> {
    this.topic.validator.validate(metadata, segments);
    const value = encodeEvent(this.topic.serializer.serialize(metadata), segments);
    const partition = this.selectPartition(metadata, options);
    this.flushBatch();
    this.waiting++;
    try {
      if (this.pendingCount >= this.maxPending) await this.waitForRoom(options);
      const sent = this.raw.send({ topic: this.topic.kafkaTopic, partition, value }, { signal: options.signal, timeoutMs: options.timeoutMs ?? this.pushTimeoutMs });
      this.waiting--;
      return (await sent).offset;
    } catch (e) {
      this.waiting--;
      throw e;
    }
  }

  /** Waits until fewer than `maxPending` events are in flight, or the timeout / abort. */
  private async waitForRoom(options: PushOptions): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.pushTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    // Every batch of delivery reports wakes the raw producer's room waiters; another push
    // may have taken the room meanwhile, hence the loop.
    while (this.raw.pendingCount >= this.maxPending) {
      try {
        await this.raw.waitForRoom({ signal: options.signal, timeoutMs: Math.max(0, deadline - Date.now()) });
      } catch (e) {
        if (options.signal?.aborted) {
          throw new KafkaError({ message: 'push aborted while waiting for room (maxPending)', code: ErrorCode.QUEUE_FULL, cause: options.signal.reason });
        }
        if (e instanceof KafkaError && e.code === ErrorCode.QUEUE_FULL) {
          throw new KafkaError({ message: `still ${this.raw.pendingCount} events in flight after ${timeoutMs} ms (maxPending)`, code: ErrorCode.QUEUE_FULL, retriable: true });
        }
        throw e;
      }
    }
  }

  /**
   * Waits until every pushed event is acknowledged or failed.
   *
   * @param options - `timeoutMs`: how long to wait (default 30 000 ms); rejects with
   *   TIMED_OUT when it passes first.
   */
  flush(options?: TimeoutOptions): Promise<void>;
  /** @deprecated Pass `{ timeoutMs }`: `flush({ timeoutMs: 5000 })`. */
  flush(timeoutMs: number): Promise<void>;
  async flush(options?: TimeoutOptions | number): Promise<void> {
    const timeoutMs = legacyTimeoutOf('flush', options, 30_000);
    this.flushBatch();
    await this.raw.flush({ timeoutMs });
  }

  /**
   * Delivers what is pending for up to `timeoutMs` (default 30 000), fails what is left
   * (those pushes reject), then closes; resolves with how many events were left undelivered.
   */
  async close(options: TimeoutOptions = {}): Promise<CloseReport> {
    // Checked before anything closes: a bad argument leaves the producer as it was.
    timeoutOf('close', options, 30_000);
    this.untrack();
    this.flushBatch();
    return this.raw.close(options);
  }
}
