/**
 * TopicProducer: pushes events to a topic. Per push: validate → serialize → the selector picks
 * the partition (the event goes to that partition, unlike Octopus) → encode → raw producer.
 */
import { checkDurationOption, checkOptions } from '../checks';
import { ConfigError, ErrorCode, KafkaError } from '../errors';
import type { OutgoingMessage } from '../message';
import { KafkaProducer } from '../producer';
import type { DriverContext, TopicParts } from './topic-handle';
import { waitForWake } from '../wait';
import { encodeEvent } from './wire';

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
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly untrack: () => void;
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
    const config = rawConfig(context.kafka, options);
    // Registered first: a closed driver refuses before a native client exists that nobody
    // would close (it would keep the process alive).
    this.untrack = context.track(this);
    try {
      this.raw = new KafkaProducer(config, context.clientOptions);
    } catch (e) {
      this.untrack();
      throw e;
    }
  }

  /** Events pushed and not yet acknowledged by Kafka. */
  get pendingCount(): number {
    return this.inFlight;
  }

  /**
   * Pushes one event. Resolves with the event id: its Kafka offset in the partition it went
   * to, a `bigint` (exact for all 64 bits). Validation, serialization and delivery errors
   * reject the returned promise; they never throw from the call or affect other events.
   */
  async push(metadata: unknown, data?: EventData, options: PushOptions = {}): Promise<bigint> {
    const segments = toSegments(data);
    checkOptions(options, 'push options');
    options ??= {};
    this.topic.validator.validate(metadata, segments);
    const metadataBytes = this.topic.serializer.serialize(metadata);
    const index = this.topic.selector.selectPartitionFor(metadata, options.partition);
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.topic.partitions) {
      throw new KafkaError({ message: `the partition selector chose partition ${String(index)} of ${this.topic.partitions}`, code: ErrorCode.UNKNOWN_PARTITION });
    }
    const value = encodeEvent(metadataBytes, segments);
    if (this.inFlight >= this.maxPending) await this.waitForRoom(options);
    this.inFlight++;
    return new Promise<bigint>((resolve, reject) => {
      // The raw fire-and-forget path: one native call and one callback per event, no
      // promise of its own; the delivery report settles this push's promise.
      const settle = (error: KafkaError | null, report: { offset: bigint } | null): void => {
        this.inFlight--;
        this.waiters.shift()?.();
        if (error) reject(error);
        else resolve(report!.offset);
      };
      this.produce({ topic: this.topic.kafkaTopic, partition: index, value }, settle, options).catch((e: unknown) => settle(e as KafkaError, null));
    });
  }

  /** Enqueues one message; a full librdkafka queue is waited out (bounded by the push's timeout / signal). */
  private async produce(message: OutgoingMessage, settle: (error: KafkaError | null, report: { offset: bigint } | null) => void, options: PushOptions): Promise<void> {
    for (;;) {
      try {
        this.raw.produce(message, settle);
        return;
      } catch (e) {
        if (!(e instanceof KafkaError) || e.code !== ErrorCode.QUEUE_FULL) throw e;
      }
      await this.raw.waitForRoom({ signal: options.signal, timeoutMs: options.timeoutMs ?? this.pushTimeoutMs });
    }
  }

  /** Waits until fewer than `maxPending` events are in flight, or the timeout / abort. */
  private async waitForRoom(options: PushOptions): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.pushTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    // A settled push wakes one waiter; another push may have taken the room meanwhile.
    while (this.inFlight >= this.maxPending) {
      const outcome = await waitForWake(this.waiters, { timeoutMs: Math.max(0, deadline - Date.now()), signal: options.signal });
      if (outcome === 'aborted') {
        throw new KafkaError({ message: 'push aborted while waiting for room (maxPending)', code: ErrorCode.QUEUE_FULL, cause: options.signal?.reason });
      }
      if (outcome === 'timeout') {
        throw new KafkaError({ message: `still ${this.inFlight} events in flight after ${timeoutMs} ms (maxPending)`, code: ErrorCode.QUEUE_FULL, retriable: true });
      }
    }
  }

  /** Waits until every pushed event is acknowledged or failed. */
  async flush(timeoutMs = 30_000): Promise<void> {
    await this.raw.flush(timeoutMs);
  }

  /** Delivers what is pending (up to the raw producer's close deadline), then closes. */
  async close(): Promise<void> {
    this.untrack();
    await this.raw.close();
  }
}
