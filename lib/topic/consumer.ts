/**
 * TopicConsumer: reads events of a topic as a named consumer group. Auto-commit is off:
 * only `event.acknowledge()` commits (offset + 1 of its partition), so a consumer that
 * restarts under the same name resumes after the last acknowledged event.
 */
import { configForRole } from '../config/config';
import { KafkaConsumer, checkConsumeOptions, type ConsumerCloseReport } from '../client/consumer';
import { checkDurationOption, checkOptions, checkTimeoutArg } from '../config/checks';
import { ConfigError, DecodeError, HandlerError } from '../util/errors';
import type { Message } from '../core/message';
import { DataDescriptor, materializeInto, viewSlices } from './descriptor';
import { Event } from './event';
import type { DriverContext, TopicParts } from './types';
import { eventDataStart, HEADER_SIZE } from './wire';

/** Messages taken from the raw consumer at once: few enough that a rebalance drops little. */
const LOCAL_BATCH = 1000;
/** How long process() may go without returning to the event loop. */
const YIELD_MS = 10;

/** Chooses the part of an event's data to materialize; `null` = none. */
export type DataSelector = (metadata: unknown, descriptor: DataDescriptor) => DataDescriptor | null;
/** Gives the memory the selected data is copied into (at least `descriptor.size` bytes). */
export type DataAllocator = (metadata: unknown, descriptor: DataDescriptor) => Uint8Array | Uint8Array[];

/** Options of a topic consumer. */
export interface TopicConsumerOptions {
  /** Partition indices to read (assigned, no rebalancing); default: all, through the group. */
  targets?: number[];
  /** Default: all the data. */
  dataSelector?: DataSelector;
  /** Default: views of the Kafka message (no copy). */
  dataAllocator?: DataAllocator;
}

/** Options of {@link TopicConsumer.pull}. */
export interface PullOptions {
  /** How long to wait for an event (default: until one comes or the consumer closes). */
  timeoutMs?: number;
  /** Stops waiting when aborted: the pull resolves with null. */
  signal?: AbortSignal;
}

/** Options of {@link TopicConsumer.process}. */
export interface ProcessOptions {
  /** Stop when no event comes for this long (default: wait forever). */
  timeoutMs?: number;
  /** Stop after this many events. */
  maxEvents?: number;
  /** Handlers running at once (default 1: in order). */
  concurrency?: number;
  /** Stops processing when aborted, after the running handlers returned. */
  signal?: AbortSignal;
}

/** A handler of {@link TopicConsumer.process}; returning `false` stops processing. */
export type EventHandler = (event: Event) => unknown;

/** Reads events of one topic. */
export class TopicConsumer {
  private readonly raw: KafkaConsumer;
  private readonly ready: Promise<void>;
  /** Per partition: the offset the broker stored for this consumer's acknowledgements. */
  private readonly acked = new Map<number, bigint>();
  /** Per partition: the highest offset acknowledged (committed or about to be). */
  private readonly wanted = new Map<number, bigint>();
  /** The commit queue: one commit at a time. */
  private commits: Promise<void> = Promise.resolve();
  private readonly ended = new Set<number>();
  private readonly readCount: number;
  private readonly untrack: () => void;
  /** Messages taken from the raw consumer in one go and not yet turned into events. */
  private local: Message[] = [];
  private localNext = 0;
  /** Shared by every event (instead of a closure each). */
  private readonly ackFn = (event: Event): Promise<void> => this.acknowledge(event);
  private readonly partitionRefs: Array<{ readonly partition_id: number }> = [];

  /** @internal */
  constructor(
    context: DriverContext,
    private readonly topic: TopicParts,
    /** The consumer group. */
    readonly name: string,
    private options: TopicConsumerOptions,
  ) {
    if (typeof name !== 'string' || name === '') throw new ConfigError('name', 'a consumer needs a non-empty name (its group)');
    checkOptions(options);
    this.options = options ??= {};
    const targets = options.targets;
    if (targets !== undefined && !Array.isArray(targets)) throw new ConfigError('targets', `must be an array of partition indices, got ${typeof targets}`);
    for (const key of ['dataSelector', 'dataAllocator'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'function') throw new ConfigError(key, `must be a function, got ${typeof options[key]}`);
    }
    for (const t of targets ?? []) {
      if (!Number.isSafeInteger(t) || t < 0 || t >= topic.partitions) throw new ConfigError('targets', `partition ${String(t)} is not one of the ${topic.partitions} partitions`);
    }
    this.readCount = targets === undefined ? topic.partitions : new Set(targets).size;
    // Partitions taken away: their messages taken but not yet pulled must not be pulled
    // (another consumer now owns them), as the raw consumer does for its own buffer.
    const drop = (partitions: Array<{ partition: number }>): void => this.dropLocal(new Set(partitions.map((p) => p.partition)));
    // Registered first: a closed driver refuses before a native client exists that nobody
    // would close (it would keep the process alive).
    this.untrack = context.track(this);
    try {
      this.raw = new KafkaConsumer(
        { ...configForRole('consumer', context.kafka), 'group.id': context.groupPrefix + name, 'enable.auto.commit': false, 'auto.offset.reset': 'earliest' },
        { ...context.clientOptions, onRevoke: drop, onLost: drop },
      );
    } catch (e) {
      this.untrack();
      throw e;
    }
    // Assigned partitions without an offset start at the group's committed offset.
    this.ready = targets === undefined
      ? this.raw.subscribe([topic.kafkaTopic])
      : this.raw.assign([...new Set(targets)].map((partition) => ({ topic: topic.kafkaTopic, partition })));
    this.ready.catch(() => undefined); // surfaced by the first pull
  }

  /**
   * The next event, or `null` when `timeoutMs` passes first (or the consumer closes). An
   * end-of-stream marker comes as an event with `isEndOfStream`; an undecodable message as an
   * event with `error` set (see {@link Event}); consumption goes on after both.
   */
  pull(options: PullOptions = {}): Promise<Event | null> {
    try {
      checkConsumeOptions('pull', options);
    } catch (e) {
      return Promise.reject(e);
    }
    const message = this.takeLocal();
    if (message === undefined) return this.pullFromRaw(options);
    try {
      return Promise.resolve(this.toEvent(message));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The next message already taken from the raw consumer, if any. */
  private takeLocal(): Message | undefined {
    return this.localNext < this.local.length ? this.local[this.localNext++] : undefined;
  }

  /** Takes the messages the raw consumer has (waiting for one), and returns the first as an event. */
  private async pullFromRaw(options: PullOptions): Promise<Event | null> {
    await this.ready;
    const batch = await this.raw.consumeBatch(LOCAL_BATCH, options);
    if (batch.length === 0) return null;
    this.local = batch;
    this.localNext = 1;
    return this.toEvent(batch[0]!);
  }

  private dropLocal(partitions: Set<number>): void {
    const rest = this.local.slice(this.localNext).filter((m) => !partitions.has(m.partition));
    this.local = rest;
    this.localNext = 0;
  }

  /** True once every partition this consumer reads delivered its end-of-stream marker. */
  get complete(): boolean {
    return this.ended.size >= this.readCount;
  }

  /**
   * Iterates the events (undecodable ones included, with `error` set; end-of-stream markers
   * not); ends once every partition read has ended, or the consumer closes.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Event> {
    while (!this.complete) {
      const event = await this.pull();
      if (event === null) return;
      if (!event.isEndOfStream) yield event;
    }
  }

  /**
   * Runs `handler` on each event (as the iterator yields them) until a handler returns (or
   * resolves to) `false`, `maxEvents` were handled, no event came for `timeoutMs`, the
   * signal aborts, or every partition ended. A handler that throws stops processing (the
   * handlers still running are waited for) and the returned promise rejects with a
   * {@link HandlerError} whose `cause` is what it threw; that event is not acknowledged,
   * and the next pull or process goes on after it. Resolves with the number of events handled.
   */
  async process(handler: EventHandler, options: ProcessOptions = {}): Promise<number> {
    if (typeof handler !== 'function') throw new ConfigError('handler', `process(handler) needs a function, got ${handler === null ? 'null' : typeof handler}`);
    checkOptions(options, 'process options');
    options ??= {};
    const concurrency = options.concurrency ?? 1;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new ConfigError('concurrency', `must be a positive integer, got ${String(concurrency)}`);
    const max = options.maxEvents ?? Infinity;
    if (max !== Infinity && (!Number.isSafeInteger(max) || max < 1)) throw new ConfigError('maxEvents', `must be a positive integer, got ${String(max)}`);
    checkDurationOption('timeoutMs', options.timeoutMs);
    if (concurrency === 1) return this.processInOrder(handler, options, max);
    let started = 0;
    let stop = false;
    let failure: unknown;
    const running = new Set<Promise<void>>();
    while (!stop && started < max && !this.complete && !options.signal?.aborted) {
      const event = await this.nextForProcess(options);
      if (event === null) break;
      if (event.isEndOfStream) continue;
      started++;
      const run = (async () => {
        try {
          if ((await handler(event)) === false) stop = true;
        } catch (e) {
          failure ??= new HandlerError(`process(): the handler on event ${event.id} of partition ${event.partition.partition_id}`, e);
          stop = true;
        }
      })();
      running.add(run);
      void run.finally(() => running.delete(run));
      if (running.size >= concurrency) await Promise.race(running);
    }
    await Promise.all(running);
    if (failure !== undefined) throw failure;
    return started;
  }

  /**
   * process() with one handler at a time: events already taken are handled without a
   * promise each (a synchronous handler costs a call), returning to the event loop every
   * 10 ms so that a long run does not starve timers and I/O.
   */
  private async processInOrder(handler: EventHandler, options: ProcessOptions, max: number): Promise<number> {
    let handled = 0;
    let lastYield = performance.now();
    while (handled < max && !this.complete && !options.signal?.aborted) {
      const message = this.takeLocal();
      let event: Event | null;
      if (message !== undefined) {
        event = this.toEvent(message);
      } else {
        event = await this.nextForProcess(options);
        lastYield = performance.now();
        if (event === null) break;
      }
      if (event.isEndOfStream) continue;
      handled++;
      let result: unknown;
      try {
        result = handler(event);
        if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') result = await result;
      } catch (e) {
        throw new HandlerError(`process(): the handler on event ${event.id} of partition ${event.partition.partition_id}`, e);
      }
      if (result === false) break;
      if ((handled & 127) === 0 && performance.now() - lastYield > YIELD_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    return handled;
  }

  /** The next event for process(): null on timeout, close or abort. */
  private nextForProcess(options: ProcessOptions): Promise<Event | null> {
    return this.pull({ timeoutMs: options.timeoutMs, signal: options.signal }).catch((e: unknown) => {
      if (options.signal?.aborted) return null;
      throw e;
    });
  }

  private toEvent(message: Message): Event {
    const partition = (this.partitionRefs[message.partition] ??= Object.freeze({ partition_id: message.partition }));
    const ack = this.ackFn;
    const value = message.value;
    let dataStart: number;
    let metadata: unknown;
    try {
      dataStart = eventDataStart(value);
      if (dataStart < 0) {
        this.ended.add(message.partition);
        return new Event(null, [], partition, message.offset, ack, true);
      }
      const serializer = this.topic.serializer;
      metadata = serializer.deserializeRange
        ? serializer.deserializeRange(value!, HEADER_SIZE, dataStart)
        : serializer.deserialize(value!.subarray(HEADER_SIZE, dataStart));
    } catch (e) {
      const error = e instanceof DecodeError ? e : new DecodeError(`event ${message.offset} of partition ${message.partition}: ${(e as Error).message}`);
      return new Event(undefined, [], partition, message.offset, ack, false, error);
    }
    // The common case: all the data, as a view of the message.
    if (!this.options.dataSelector && !this.options.dataAllocator) {
      return new Event(metadata, dataStart === value!.length ? [] : [value!.subarray(dataStart)], partition, message.offset, ack);
    }
    return new Event(metadata, this.selectData(metadata, value!.subarray(dataStart)), partition, message.offset, ack);
  }

  private selectData(metadata: unknown, data: Buffer): Buffer[] {
    const full = DataDescriptor.of(data.length);
    const selected = this.options.dataSelector ? this.options.dataSelector(metadata, full) : full;
    if (selected === null || selected.isEmpty) return [];
    if (this.options.dataAllocator) {
      const target = this.options.dataAllocator(metadata, selected);
      materializeInto(selected, data, target);
      return (target instanceof Uint8Array ? [target] : target).map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength));
    }
    if (selected === full) return data.length === 0 ? [] : [data];
    return viewSlices(selected, data).map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength));
  }

  /**
   * Commits `event.id + 1` for its partition. Commits run one at a time, each for the
   * highest offset acknowledged so far in its partition (acknowledgements that arrive while
   * one commit is in flight share the next one), so the committed offset never goes back.
   * An offset counts as committed only once the broker stored it: an acknowledge whose commit
   * failed rejects, and acknowledging again retries it.
   */
  private acknowledge(event: Event): Promise<void> {
    const p = event.partition.partition_id;
    const next = event.id + 1n;
    if ((this.acked.get(p) ?? -1n) >= next) return Promise.resolve();
    if ((this.wanted.get(p) ?? -1n) < next) this.wanted.set(p, next);
    const run = this.commits.then(async () => {
      if ((this.acked.get(p) ?? -1n) >= next) return; // a later acknowledge's commit covered it
      const target = this.wanted.get(p)!;
      await this.raw.commit([{ topic: this.topic.kafkaTopic, partition: p, offset: target }]);
      if ((this.acked.get(p) ?? -1n) < target) this.acked.set(p, target);
    });
    this.commits = run.catch(() => undefined);
    return run;
  }

  /**
   * Waits for the commits of acknowledgements already made, then leaves the group; nothing
   * is committed beyond what was acknowledged. `timeoutMs` bounds leaving the group as in
   * {@link KafkaConsumer.close}, which reports whether it timed out.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<ConsumerCloseReport> {
    checkTimeoutArg('close: options.timeoutMs', options?.timeoutMs);
    const timeoutMs = options?.timeoutMs ?? 30_000;
    const started = Date.now();
    this.untrack();
    this.local = [];
    this.localNext = 0;
    // The acknowledgements' commits count against the same deadline.
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      this.commits.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    const report = await this.raw.close({ timeoutMs: Math.max(0, timeoutMs - (Date.now() - started)) });
    return { timedOut: report.timedOut || !inTime };
  }
}

