/**
 * TopicConsumer: reads events of a topic as a named consumer group. Only
 * `event.acknowledge()` commits (offset + 1 of its partition), so a consumer that restarts
 * under the same name resumes after the last acknowledged event.
 *
 * Acknowledging records the offset and returns: commits run in the background, one at a time
 * and at most one per `commitIntervalMs`, each carrying the highest acknowledged offset of every
 * partition; before partitions are revoked and at close the acknowledged offsets are committed
 * and waited for. A crash loses at most the acknowledgements of the last interval, which the
 * group then delivers again (at-least-once). `acknowledge({ durable: true })` waits for the
 * broker to store it.
 */
import { configForRole } from '../config/config';
import { KafkaConsumer, checkConsumeOptions, type ConsumerCloseReport } from '../client/consumer';
import { timeoutOf, type TimeoutOptions } from '../core/call-options';
import { checkDurationOption, checkOptions, checkTimeoutArg } from '../config/checks';
import { ClosedError, ConfigError, DecodeError, ErrorCode, HandlerError, KafkaError } from '../util/errors';
import { laterTurn, turnOverBudget } from '../util/turn-budget';
import type { Message } from '../core/message';
import { withTopicFetchSize } from './consumer-fetch';
import { DataDescriptor, materializeInto, viewSlices } from './descriptor';
import { Event, type AcknowledgeOptions } from './event';
import type { DriverContext, TopicParts } from './types';
import { eventDataStart, HEADER_SIZE } from './wire';

/** Messages taken from the raw consumer at once: few enough that a rebalance drops little. */
const LOCAL_BATCH = 1000;
/** The default of {@link TopicConsumerOptions.commitIntervalMs}. */
const COMMIT_INTERVAL_MS = 100;
/** How long a revoke waits for the revoked partitions' acknowledgements to be committed. */
const REVOKE_COMMIT_MS = 30_000;
/** The wait before the commit that follows `failures` failed ones: 100 ms, doubling up to the second. */
const commitRetryMs = (failures: number): number => Math.min(100 * 2 ** (failures - 1), 1000);

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
  /**
   * The least time between the starts of two background commits of acknowledgements
   * (default 100 ms; 0: a commit as soon as the previous one ends). A longer interval makes
   * fewer commit requests; a crash then delivers up to that much acknowledged work again.
   */
  commitIntervalMs?: number;
}

/** An acknowledged offset whose commit was not confirmed. */
export interface UncommittedOffset {
  /** The topic's name (as the driver opened it). */
  topic: string;
  /** The partition. */
  partition: number;
  /** The offset that should have been committed: the last acknowledged event's id + 1. */
  offset: bigint;
}

/** What {@link TopicConsumer.close} reports. */
export interface TopicConsumerCloseReport extends ConsumerCloseReport {
  /**
   * Acknowledged offsets whose commit was not confirmed (the broker was unreachable or the
   * deadline passed): the group will deliver their events again. Empty when every
   * acknowledgement was committed.
   */
  uncommitted: UncommittedOffset[];
  /** Why the last commit of acknowledgements failed, when `uncommitted` is not empty. */
  commitError?: KafkaError;
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
  /** The background commit in flight (one at a time), if any. */
  private committing: Promise<void> | undefined;
  /** Cancels the next background commit, if one is scheduled. */
  private commitTimer: (() => void) | undefined;
  private lastCommitStart = -Infinity;
  /** The failure of the last commit, until one succeeds; `failures` counts them in a row. */
  private commitError: KafkaError | undefined;
  private failures = 0;
  /** acknowledge({ durable: true }) calls waiting for their offset's commit. */
  private durable: Array<{ partition: number; offset: bigint; resolve: () => void; reject: (e: unknown) => void }> = [];
  private closing = false;
  private readonly commitIntervalMs: number;
  private readonly notes: DriverContext['notes'];
  private readonly ended = new Set<number>();
  private readonly readCount: number;
  private readonly untrack: () => void;
  /** Messages taken from the raw consumer in one go and not yet turned into events. */
  private local: Message[] = [];
  private localNext = 0;
  /** Shared by every event (instead of a closure each). */
  private readonly ackFn = (event: Event, options?: AcknowledgeOptions): Promise<void> => this.acknowledge(event, options);
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
    checkDurationOption('commitIntervalMs', options.commitIntervalMs);
    this.commitIntervalMs = options.commitIntervalMs ?? COMMIT_INTERVAL_MS;
    this.notes = context.notes;
    this.readCount = targets === undefined ? topic.partitions : new Set(targets).size;
    // Partitions taken away: their messages taken but not yet pulled must not be pulled
    // (another consumer now owns them), as the raw consumer does for its own buffer.
    const drop = (partitions: Array<{ partition: number }>): void => this.dropLocal(new Set(partitions.map((p) => p.partition)));
    // Revoked: their acknowledgements are committed before the group moves them (the hook is
    // awaited, and may commit); lost: another member owns them already, nothing to commit.
    const revoke = async (partitions: Array<{ partition: number }>): Promise<void> => {
      drop(partitions);
      // (The raw consumer gives up on a hook after the rebalance timeout; so does this.)
      await this.commitPartitions(new Set(partitions.map((p) => p.partition)), performance.now() + REVOKE_COMMIT_MS);
    };
    const lose = (partitions: Array<{ partition: number }>): void => {
      drop(partitions);
      this.forget(new Set(partitions.map((p) => p.partition)), new KafkaError({ message: 'the partition was lost to another group member before its acknowledgement was committed', code: ErrorCode.STATE }));
    };
    // Registered first: a closed driver refuses before a native client exists that nobody
    // would close (it would keep the process alive).
    this.untrack = context.track(this);
    try {
      this.raw = new KafkaConsumer(
        { ...configForRole('consumer', withTopicFetchSize(context.kafka)), 'group.id': context.groupPrefix + name, 'enable.auto.commit': false, 'auto.offset.reset': 'earliest' },
        { ...context.clientOptions, onRevoke: revoke, onLost: lose },
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
   * promise each (a synchronous handler costs a call), returning to the event loop once the
   * turn's budget is spent (see turn-budget.ts) so that a long run does not starve timers and I/O.
   */
  private async processInOrder(handler: EventHandler, options: ProcessOptions, max: number): Promise<number> {
    let handled = 0;
    while (handled < max && !this.complete && !options.signal?.aborted) {
      const message = this.takeLocal();
      let event: Event | null;
      if (message !== undefined) {
        event = this.toEvent(message);
      } else {
        event = await this.nextForProcess(options);
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
      if ((handled & 127) === 0 && turnOverBudget()) await laterTurn();
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
   * Records `event.id + 1` as its partition's offset to commit (the committed offset never
   * goes back: an older event's acknowledgement does nothing) and starts a background commit
   * if none is due. `durable`: waits for a commit that carries it, and rejects if that fails.
   */
  private acknowledge(event: Event, options?: AcknowledgeOptions): Promise<void> {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      return Promise.reject(new ConfigError('acknowledge options', `must be an object, got ${options === null ? 'null' : typeof options}`));
    }
    if (options?.durable !== undefined && typeof options.durable !== 'boolean') {
      return Promise.reject(new ConfigError('durable', `must be a boolean, got ${typeof options.durable}`));
    }
    if (this.closing) return Promise.reject(new ClosedError('consumer (commit after close)'));
    const p = event.partition.partition_id;
    const next = event.id + 1n;
    if ((this.acked.get(p) ?? -1n) >= next) return Promise.resolve();
    if ((this.wanted.get(p) ?? -1n) < next) this.wanted.set(p, next);
    if (!options?.durable) {
      this.scheduleCommit(false);
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve, reject) => this.durable.push({ partition: p, offset: next, resolve, reject }));
    this.scheduleCommit(true);
    return done;
  }

  /** The partitions whose acknowledged offset is ahead of the committed one. */
  private pending(only?: Set<number>): Array<{ partition: number; offset: bigint }> {
    const out: Array<{ partition: number; offset: bigint }> = [];
    for (const [partition, offset] of this.wanted) {
      if ((only === undefined || only.has(partition)) && offset > (this.acked.get(partition) ?? -1n)) out.push({ partition, offset });
    }
    return out;
  }

  /**
   * Starts the next background commit when it is due: right away when the last one started
   * `commitIntervalMs` ago (or `now`, for a durable acknowledgement), else at that time;
   * after failures, after a growing wait.
   */
  private scheduleCommit(now: boolean): void {
    if (this.committing || this.closing) return;
    const retryWait = this.failures === 0 ? 0 : commitRetryMs(this.failures);
    const wait = Math.max(now ? 0 : this.lastCommitStart + this.commitIntervalMs - performance.now(), retryWait);
    if (this.commitTimer !== undefined) {
      if (!now || wait > 0) return;
      this.clearCommitTimer();
    }
    // On the next turn at the soonest: acknowledgements made in the same turn share it.
    const start = (): void => {
      this.commitTimer = undefined;
      if (!this.closing) void this.commitOnce().catch(() => undefined); // (kept in commitError, warned about)
    };
    if (wait > 0) {
      const timer = setTimeout(start, wait).unref();
      this.commitTimer = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(start).unref();
      this.commitTimer = () => clearImmediate(immediate);
    }
  }

  private clearCommitTimer(): void {
    this.commitTimer?.();
    this.commitTimer = undefined;
  }

  /**
   * One commit of every pending acknowledgement (or those of `only`), after the one in
   * flight. Settles the durable acknowledgements it carried; a failure is kept (and warned
   * about once per run of failures) and retried by the next commit.
   */
  private commitOnce(only?: Set<number>): Promise<void> {
    const run = (this.committing ?? Promise.resolve()).then(async () => {
      const offsets = this.pending(only);
      if (offsets.length === 0) return;
      this.lastCommitStart = performance.now();
      try {
        await this.raw.commit(offsets.map(({ partition, offset }) => ({ topic: this.topic.kafkaTopic, partition, offset })));
      } catch (e) {
        const error = e instanceof KafkaError ? e : new KafkaError({ message: String((e as Error)?.message ?? e), code: ErrorCode.FAIL, cause: e });
        if (this.failures++ === 0) {
          this.notes.warn(
            { topic: this.topic.name, group: this.name, code: error.code },
            `topic consumer '${this.name}' of '${this.topic.name}': committing acknowledgements failed (${error.message}); retrying in the background`,
          );
        }
        this.commitError = error;
        this.settleDurable(new Set(offsets.map((o) => o.partition)), error);
        throw error;
      }
      for (const { partition, offset } of offsets) if ((this.acked.get(partition) ?? -1n) < offset) this.acked.set(partition, offset);
      if (this.failures > 0) this.notes.warn({ topic: this.topic.name, group: this.name }, `topic consumer '${this.name}' of '${this.topic.name}': acknowledgements committed again`);
      this.failures = 0;
      this.commitError = undefined;
      this.settleDurable(new Set(offsets.map((o) => o.partition)));
    });
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.committing = settled;
    void settled.then(() => {
      if (this.committing !== settled) return;
      this.committing = undefined;
      // Acknowledged while this one ran (or it failed): the next one.
      if (this.pending().length > 0) this.scheduleCommit(this.durable.length > 0 && this.failures === 0);
    });
    return run;
  }

  /** Settles the durable acknowledgements of `partitions`: committed ones resolve; with `error`, the rest reject. */
  private settleDurable(partitions: Set<number>, error?: unknown): void {
    this.durable = this.durable.filter((d) => {
      if (!partitions.has(d.partition)) return true;
      if ((this.acked.get(d.partition) ?? -1n) >= d.offset) d.resolve();
      else if (error !== undefined) d.reject(error);
      else return true;
      return false;
    });
  }

  /**
   * Commits the pending acknowledgements of `partitions` (all when undefined), retrying until
   * they are committed or `deadline` (a performance.now() time) passes. Resolves either way.
   */
  private async commitPartitions(partitions: Set<number> | undefined, deadline: number): Promise<void> {
    this.clearCommitTimer();
    for (let attempt = 0; this.pending(partitions).length > 0 && performance.now() < deadline; attempt++) {
      let timer: NodeJS.Timeout | undefined;
      const ok = await Promise.race([
        this.commitOnce(partitions).then(
          () => true,
          () => false,
        ),
        // (A commit in flight may wait for an unreachable coordinator longer than the deadline.)
        new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), Math.max(0, Math.min(deadline - performance.now(), 0x7fff_ffff))))),
      ]);
      clearTimeout(timer);
      if (ok === 'late') return;
      // The raw consumer closed under us: no commit can succeed any more.
      if (!ok && this.commitError instanceof ClosedError) return;
      if (!ok) {
        const wait = Math.min(commitRetryMs(attempt + 1), deadline - performance.now());
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Drops what is known of `partitions` (no longer ours); their durable waiters reject with `error`. */
  private forget(partitions: Set<number>, error: KafkaError): void {
    for (const p of partitions) {
      this.wanted.delete(p);
      this.acked.delete(p);
    }
    this.settleDurable(partitions, error); // (nothing of them counts as committed now: all reject)
  }

  /**
   * Commits the acknowledgements made so far (waiting for them: a failed commit is retried
   * within the deadline), then leaves the group; nothing is committed beyond what was
   * acknowledged. `timeoutMs` (default 30 000) bounds both: the report says whether the
   * deadline passed and which acknowledged offsets were not committed.
   */
  async close(options: TimeoutOptions = {}): Promise<TopicConsumerCloseReport> {
    const timeoutMs = timeoutOf('close', options, 30_000);
    const started = performance.now();
    this.untrack();
    this.local = [];
    this.localNext = 0;
    const wasClosing = this.closing;
    let uncommitted: TopicConsumerCloseReport['uncommitted'] = [];
    if (!wasClosing) {
      // The acknowledgements' commits count against the same deadline.
      await this.commitPartitions(undefined, started + timeoutMs);
      this.closing = true;
      this.clearCommitTimer();
      uncommitted = this.pending().map(({ partition, offset }) => ({ topic: this.topic.name, partition, offset }));
      const error = this.commitError ?? new KafkaError({ message: `the acknowledgements' commit did not complete within ${timeoutMs} ms`, code: ErrorCode.TIMED_OUT });
      for (const d of this.durable.splice(0)) d.reject(error);
    }
    const report = await this.raw.close({ timeoutMs: Math.max(0, timeoutMs - (performance.now() - started)) });
    const timedOut = report.timedOut || (uncommitted.length > 0 && performance.now() - started >= timeoutMs);
    return uncommitted.length > 0 ? { timedOut, uncommitted, commitError: this.commitError } : { timedOut, uncommitted };
  }
}

