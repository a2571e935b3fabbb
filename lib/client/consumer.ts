/**
 * KafkaConsumer: messages arrive from the native pump in batches into a bounded buffer;
 * the async iterator, `consume()` and `run()` all read that one buffer. When the buffer
 * is full the native side stops taking messages from librdkafka until the application
 * catches up. A poll, for `max.poll.interval.ms`, is the application taking messages: an
 * application that stops reading for longer leaves the group, as in every Kafka client
 * (see {@link ConsumerOptions.keepAliveWhileStalled} for the opposite).
 *
 * Offsets: librdkafka stores an offset only when octokafka marks the message processed
 * (the iterator moved past it, or the `run()` handler resolved), and auto-commit (or an
 * explicit `commit()`) commits what is stored: at-least-once by default.
 *
 * This file is the class and its API; the buffer and its flow control are in
 * consumer-handoff.ts, the processed-offset bookkeeping in consumer-offsets.ts, the decoding
 * of native batches in consumer-decode.ts and the partition arguments in consumer-partitions.ts.
 */
import { checkCountArg, checkCountOption, checkFunctionOption, checkOptions, checkSignalArg, checkTimeoutArg } from '../config/checks';
import { ClientBase, type ClientOptions, type LogEntry } from '../core/client-base';
import { legacyTimeoutOf, timeoutOf, type BaseCloseReport, type TimeoutOptions } from '../core/call-options';
import { toConfigError } from '../config/client-config';
import type { ConsumerConfig } from '../config/typed-config';
import { probeWithAdmin } from '../admin/cluster-probe';
import { emitSafely, rethrowLater } from '../util/user-code';
import { DEFAULTS, validateConfig } from '../config/config';
import { ConfigError, ErrorCode, HandlerError, KafkaError } from '../util/errors';
import type { Message, TopicPartition, TopicPartitionOffset } from '../core/message';
import { native, nativeError, type NativeConsumer, type NativeEvent, type NativeMessages } from '../native/binding';
import { NATIVE } from '../native/symbols';
import { laterTurn, turnOverBudget } from '../util/turn-budget';
import { decodeMessages } from './consumer-decode';
import { HandOff } from './consumer-handoff';
import { OffsetStore } from './consumer-offsets';
import { checkPosition, fromNative, partitionKey as key, toNative } from './consumer-partitions';

/** A rebalance hook; librdkafka waits for its promise before the rebalance goes on. */
export type RebalanceHook = (partitions: TopicPartitionOffset[]) => void | Promise<void>;

/** Options of {@link KafkaConsumer} besides the librdkafka configuration. */
export interface ConsumerOptions extends ClientOptions {
  /** Partitions were assigned; runs before any of their messages is fetched. */
  onAssign?: RebalanceHook;
  /** Partitions are being taken away; after it resolves no message of them reaches the application. Commit here. */
  onRevoke?: RebalanceHook;
  /** Partitions were lost (session timeout, fatal group error): do not commit for them. */
  onLost?: RebalanceHook;
  /**
   * The bound of messages fetched but not yet taken by the application (default 20 000
   * messages, 32 MiB). What is buffered stays within 1.5 × these figures.
   */
  highWaterMark?: {
    /** Messages buffered at most (default 20 000). */
    messages?: number;
    /** Bytes of keys and values buffered at most (default 32 MiB). */
    bytes?: number;
  };
  /**
   * How long librdkafka waits for the rebalance hooks above (default: the group's
   * rebalance timeout, `max.poll.interval.ms`). A hook that has not settled by then is
   * given up on: the rebalance goes on, and a `TIMED_OUT` {@link KafkaError} naming the
   * hook is reported (an `error` event); the hook's late result is ignored.
   */
  rebalanceTimeoutMs?: number;
  /**
   * Keep the group membership while the application is not taking messages (default
   * false). By default a poll, for `max.poll.interval.ms`, is the application taking
   * messages from the consumer: one that stops for longer than that leaves the group, its
   * partitions go to other members, and it rejoins when it reads again, as Kafka's own
   * clients do. With `true`, the consumer keeps polling librdkafka while its buffer is full
   * (rebalances and commit results are served, fetching pauses after a second), so a hung
   * handler keeps its partitions for ever: use it only for applications that process one
   * message for longer than `max.poll.interval.ms` on purpose.
   */
  keepAliveWhileStalled?: boolean;
}

/**
 * librdkafka defaults octokafka changes for consumers (each overridable):
 * `enable.auto.offset.store=false` (offsets are stored once the application processed a
 * message: at-least-once with auto-commit), `fetch.queue.backoff.ms=10` (librdkafka's
 * 1000 ms idles a batch consumer for a second each time its local queue fills), and
 * `auto.offset.reset=earliest` (a new group misses nothing).
 */
export const CONSUMER_DEFAULTS: Readonly<Record<string, string>> = DEFAULTS.consumer;

/** Options of {@link KafkaConsumer.consume} and {@link KafkaConsumer.consumeBatch}. */
export interface ConsumeOptions extends TimeoutOptions {
  /**
   * How long to wait for a message.
   * @defaultValue none: until one arrives or the consumer closes
   */
  timeoutMs?: number;
  /** Stops waiting when aborted: the call resolves with null (or an empty batch). */
  signal?: AbortSignal;
}

/** Options of {@link KafkaConsumer.commit}. */
export interface CommitOptions extends TimeoutOptions {
  /**
   * Resolve once the commit is sent; its outcome arrives as a `commit` event.
   * @defaultValue false
   */
  async?: boolean;
  /**
   * How long a synchronous commit waits for the group coordinator before it rejects with
   * TIMED_OUT (librdkafka itself would wait forever for an unreachable one).
   * @defaultValue 30 000
   */
  timeoutMs?: number;
}

/** Options of {@link KafkaConsumer.run}: one of `eachMessage` or `eachBatch`. */
export interface RunOptions {
  /** Called for each message, in order per partition; the next one waits for it. */
  eachMessage?: (message: Message) => void | Promise<void>;
  /** Called with each batch (all messages available, up to `maxBatchSize`). */
  eachBatch?: (messages: Message[]) => void | Promise<void>;
  /** The most messages `eachBatch` gets at once (default 10 000). */
  maxBatchSize?: number;
  /** Ends the run when aborted: no further batch is taken (the one being handled is finished). */
  signal?: AbortSignal;
}

/** Broker: the member epoch is stale (KIP-848 OffsetCommit). */
const STALE_MEMBER_EPOCH = 113;


/**
 * A Kafka consumer (a member of a consumer group, or a standalone reader with `assign`).
 *
 * @example
 * ```ts
 * const consumer = new KafkaConsumer({ 'bootstrap.servers': 'localhost:9092', 'group.id': 'billing' });
 * await consumer.subscribe(['events']);
 * for await (const message of consumer) {
 *   console.log(message.offset, message.value?.toString());
 * }
 * ```
 */
export class KafkaConsumer extends ClientBase {
  private readonly handle: NativeConsumer;
  private readonly hooks: Pick<ConsumerOptions, 'onAssign' | 'onRevoke' | 'onLost'>;
  /** `group.protocol=consumer` (KIP-848): a group-level UNSUPPORTED_FEATURE then means the broker lacks it. */
  private readonly kip848: boolean;
  private readonly groupId: string;
  /** The buffer between native batches and the readers, with its flow control. */
  private readonly handOff: HandOff;
  /** What the application processed, not yet in librdkafka's offset store. */
  private readonly offsets: OffsetStore;
  private rebalanceChain: Promise<void> = Promise.resolve();
  /** Per rebalance token: gives up waiting for its hook (the native side went on). */
  private readonly abandonHook = new Map<number, () => void>();
  private running = false;

  constructor(config: ConsumerConfig, options: ConsumerOptions = {}) {
    super('consumer', options);
    options ??= {};
    for (const hook of ['onAssign', 'onRevoke', 'onLost'] as const) checkFunctionOption(hook, options[hook]);
    checkOptions(options.highWaterMark, 'highWaterMark');
    checkCountOption('highWaterMark.messages', options.highWaterMark?.messages);
    checkCountOption('highWaterMark.bytes', options.highWaterMark?.bytes);
    checkCountOption('rebalanceTimeoutMs', options.rebalanceTimeoutMs);
    if (options.keepAliveWhileStalled !== undefined && typeof options.keepAliveWhileStalled !== 'boolean') {
      throw new ConfigError('keepAliveWhileStalled', `must be a boolean, got ${typeof options.keepAliveWhileStalled}`);
    }
    this.hooks = { onAssign: options.onAssign, onRevoke: options.onRevoke, onLost: options.onLost };
    const hwm = { messages: options.highWaterMark?.messages ?? 20_000, bytes: options.highWaterMark?.bytes ?? 32 << 20 };
    const auth = this.withAuth(config, options);
    const props = validateConfig('consumer', auth.config, { onWarning: (w) => this.configWarning(w.property, w.message) });
    if (!props['group.id']) {
      // librdkafka's consumer API (subscribe, assign, commits, the consumer queue) exists only
      // within a group; without one there is no consumer queue to serve.
      throw new ConfigError(
        'group.id',
        'a consumer needs a group id: librdkafka consumes only as a member of a group (to read partitions without joining a group, give any group id and use assign())',
      );
    }
    this.rememberServers(props);
    this.groupId = String(props['group.id']);
    this.kip848 = String(props['group.protocol'] ?? '').toLowerCase() === 'consumer';
    try {
      this.handle = new (native().Consumer)(props, (_d, m, e) => this.onBatch(m, e), {
        ...auth.native,
        keepAlive: options.keepAliveWhileStalled === true,
        ...(options.rebalanceTimeoutMs !== undefined ? { rebalanceTimeoutMs: options.rebalanceTimeoutMs } : {}),
      });
    } catch (e) {
      throw toConfigError(e, props);
    }
    this.startTokens(this.handle);
    // The native hand-off holds at most a quarter of the mark, so that what is buffered
    // on both sides stays within 1.5 × the high-water mark (one hand-off may land on a full
    // buffer before the flow stops, one more may be on its way). In the steady state it is
    // half: a hand-off goes only once the previous one was taken (askForMore).
    this.handle.setLimits(Math.max(1, Math.floor(hwm.messages / 4)), Math.max(1, Math.floor(hwm.bytes / 4)));
    this.handOff = new HandOff(this.handle, hwm, () => this.closed);
    this.offsets = new OffsetStore(this.handle, (e) => this.reportError(e), () => this.closed);
  }

  /** librdkafka's name for this client instance. */
  get name(): string | undefined {
    return this.handle.name();
  }

  /**
   * This consumer's group membership as the group coordinator last gave it (read locally,
   * nothing is sent): its group id, member id and generation id (the member epoch in a
   * KIP-848 group). Before the first join, after leaving and once closed: member id `''`,
   * generation `-1`.
   */
  groupMetadata(): ConsumerGroupMetadata {
    const { memberId, generationId } = this.closed ? { memberId: '', generationId: -1 } : this.handle.groupMetadata();
    return { groupId: this.groupId, memberId, generationId };
  }

  /** Messages fetched and buffered, not yet taken by the application. */
  get bufferedCount(): number {
    return this.handOff.count;
  }

  /** Subscribes to topics; a RegExp (or a string starting with `^`) matches topic names. */
  async subscribe(topics: Array<string | RegExp>): Promise<void> {
    this.assertOpen('subscribe');
    if (!Array.isArray(topics) || topics.length === 0) throw new TypeError('subscribe(topics): give at least one topic');
    const names = topics.map((t) => {
      if (t instanceof RegExp) return `^${t.source.replace(/^\^/, '')}`;
      if (typeof t !== 'string' || t.length === 0) throw new TypeError('subscribe(topics): each topic is a non-empty string or a RegExp');
      return t;
    });
    await this.call(this.handle.subscribe(names), 'subscribe');
  }

  /** Leaves the subscription: the group revokes this member's partitions. */
  async unsubscribe(): Promise<void> {
    this.assertOpen('unsubscribe');
    await this.call(this.handle.unsubscribe(), 'unsubscribe');
  }

  /** Reads the given partitions without a group rebalance (offset: where to start; default the committed one). */
  async assign(partitions: Array<TopicPartition & { offset?: bigint }>): Promise<void> {
    this.assertOpen('assign');
    await this.call(this.handle.assign(toNative(partitions)), 'assign');
  }

  /** Drops the whole assignment (and the messages of it already buffered). */
  async unassign(): Promise<void> {
    this.assertOpen('unassign');
    await this.call(this.handle.unassign(), 'unassign');
  }

  /** Adds partitions to the assignment (cooperative rebalancing, or a standalone reader). */
  async incrementalAssign(partitions: Array<TopicPartition & { offset?: bigint }>): Promise<void> {
    this.assertOpen('incrementalAssign');
    await this.call(this.handle.incrementalAssign(toNative(partitions)), 'incrementalAssign');
  }

  /** Removes partitions from the assignment, dropping their buffered messages. */
  async incrementalUnassign(partitions: TopicPartition[]): Promise<void> {
    this.assertOpen('incrementalUnassign');
    await this.call(this.handle.incrementalUnassign(toNative(partitions)), 'incrementalUnassign');
  }

  /** The current assignment. */
  async assignment(): Promise<TopicPartition[]> {
    this.assertOpen('assignment');
    const list = await this.call(this.handle.assignment(), 'assignment');
    return list.map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * Commits. Without offsets: the offsets of every processed message; with offsets:
   * exactly those (each the next offset to read). Synchronous by default (resolves once
   * the broker stored them, or rejects with TIMED_OUT after `timeoutMs`, default 30 000:
   * librdkafka itself would wait forever for an unreachable group coordinator); with
   * `{ async: true }` it resolves once the commit is sent, and its outcome arrives as a
   * `commit` event (failures also as `error`).
   */
  async commit(offsets?: TopicPartitionOffset[] | null, options: CommitOptions = {}): Promise<void> {
    this.assertOpenOrClosingHook('commit');
    options ??= {};
    checkTimeoutArg('commit: options.timeoutMs', options.timeoutMs);
    const async = options.async ?? false;
    const timeoutMs = Math.min(options.timeoutMs ?? 30_000, 0x7fff_ffff);
    if (!offsets) this.offsets.flush();
    const deadline = Date.now() + timeoutMs;
    for (let backoffMs = 20; ; backoffMs = Math.min(backoffMs * 2, 500)) {
      try {
        const left = Math.max(1, deadline - Date.now());
        await this.call(this.handle.commit(offsets ? toNative(offsets) : null, async, left), 'commit');
        return;
      } catch (e) {
        // KIP-848: every assignment change bumps the member epoch, and a commit sent with the
        // previous one fails with STALE_MEMBER_EPOCH. librdkafka hurries the heartbeat that
        // brings the new epoch but does not retry manual commits: commit again, as long as
        // the partitions are still ours (offsets of a partition that moved to another member
        // must not overwrite what its new owner commits) and time is left.
        if (async || !(e instanceof KafkaError) || e.code !== STALE_MEMBER_EPOCH || this.closing) throw e;
        if (Date.now() + backoffMs >= deadline || !(await this.stillAssigned(offsets))) throw e;
        await new Promise((r) => setTimeout(r, backoffMs));
      }
    }
  }

  /** True when every partition of `offsets` (all, when null) is still assigned to this consumer. */
  private async stillAssigned(offsets: TopicPartitionOffset[] | null | undefined): Promise<boolean> {
    const assigned = await this.assignment().catch(() => [] as TopicPartition[]);
    if (!offsets) return assigned.length > 0;
    const mine = new Set(assigned.map((tp) => `${tp.partition}/${tp.topic}`));
    return offsets.every((o) => mine.has(`${o.partition}/${o.topic}`));
  }

  /**
   * The native handle, for a transactional producer (package-internal).
   * @internal
   */
  get [NATIVE](): NativeConsumer {
    return this.handle;
  }

  /** Commits `message.offset + 1` for the message's partition. */
  async commitMessage(message: Pick<Message, 'topic' | 'partition' | 'offset'>): Promise<void> {
    this.assertOpenOrClosingHook('commitMessage');
    checkPosition('commitMessage(message)', message);
    await this.commit([{ topic: message.topic, partition: message.partition, offset: message.offset + 1n }]);
  }

  /** Marks a message processed: its offset + 1 is stored and committed by the next (auto-)commit. */
  markProcessed(message: Pick<Message, 'topic' | 'partition' | 'offset'>): void {
    // Nothing would ever store or commit it: say so rather than drop it.
    this.assertOpenOrClosingHook('markProcessed');
    checkPosition('markProcessed(message)', message);
    this.offsets.mark(message);
  }

  /**
   * The committed offsets of the given partitions (from the group coordinator).
   *
   * @param options - `timeoutMs`: how long to wait for the group coordinator (default 10 000 ms).
   */
  committed(partitions: TopicPartition[], options?: TimeoutOptions): Promise<TopicPartitionOffset[]>;
  /** @deprecated Pass `{ timeoutMs }`: `committed(partitions, { timeoutMs: 5000 })`. */
  committed(partitions: TopicPartition[], timeoutMs: number): Promise<TopicPartitionOffset[]>;
  async committed(partitions: TopicPartition[], options?: TimeoutOptions | number): Promise<TopicPartitionOffset[]> {
    this.assertOpen('committed');
    const timeoutMs = legacyTimeoutOf('committed', options, 10_000);
    return fromNative(await this.call(this.handle.committed(toNative(partitions), timeoutMs), 'committed'));
  }

  /** The next offset the consumer will read in each partition. */
  async position(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    this.assertOpen('position');
    return fromNative(await this.call(this.handle.position(toNative(partitions)), 'position'));
  }

  /**
   * Moves the read position of assigned partitions, at any time. Messages of those
   * partitions fetched before the seek are dropped, so the next one is at the new offset.
   */
  async seek(partitions: TopicPartitionOffset[]): Promise<void> {
    this.assertOpen('seek');
    await this.call(this.handle.seek(toNative(partitions)), 'seek');
  }

  /** Stops fetching the given partitions (buffered messages of them are kept). */
  async pause(partitions: TopicPartition[]): Promise<void> {
    this.assertOpen('pause');
    await this.call(this.handle.pause(toNative(partitions)), 'pause');
  }

  /** Resumes fetching the partitions {@link KafkaConsumer.pause} paused. */
  async resume(partitions: TopicPartition[]): Promise<void> {
    this.assertOpen('resume');
    await this.call(this.handle.resume(toNative(partitions)), 'resume');
  }

  /**
   * Low and high watermark offsets of a partition, asked from its leader.
   *
   * @param options - `timeoutMs`: how long to wait for the partition's leader (default 10 000 ms).
   */
  queryWatermarkOffsets(topic: string, partition: number, options?: TimeoutOptions): Promise<WatermarkOffsets>;
  /** @deprecated Pass `{ timeoutMs }`: `queryWatermarkOffsets(topic, partition, { timeoutMs: 5000 })`. */
  queryWatermarkOffsets(topic: string, partition: number, timeoutMs: number): Promise<WatermarkOffsets>;
  async queryWatermarkOffsets(topic: string, partition: number, options?: TimeoutOptions | number): Promise<WatermarkOffsets> {
    this.assertOpen('queryWatermarkOffsets');
    if (typeof topic !== 'string' || topic === '' || !Number.isInteger(partition) || partition < 0) {
      throw new TypeError('queryWatermarkOffsets(topic, partition) needs a topic name and a non-negative integer partition');
    }
    const timeoutMs = legacyTimeoutOf('queryWatermarkOffsets', options, 10_000);
    return this.call(this.handle.queryWatermarks(topic, partition, timeoutMs), 'queryWatermarkOffsets');
  }

  /**
   * For each partition, the first offset whose timestamp is ≥ the given one (offset field: timestamp in ms).
   *
   * @param options - `timeoutMs`: how long to wait for the partitions' leaders (default 10 000 ms).
   */
  offsetsForTimes(partitions: TopicPartitionOffset[], options?: TimeoutOptions): Promise<TopicPartitionOffset[]>;
  /** @deprecated Pass `{ timeoutMs }`: `offsetsForTimes(partitions, { timeoutMs: 5000 })`. */
  offsetsForTimes(partitions: TopicPartitionOffset[], timeoutMs: number): Promise<TopicPartitionOffset[]>;
  async offsetsForTimes(partitions: TopicPartitionOffset[], options?: TimeoutOptions | number): Promise<TopicPartitionOffset[]> {
    this.assertOpen('offsetsForTimes');
    const timeoutMs = legacyTimeoutOf('offsetsForTimes', options, 10_000);
    return fromNative(await this.call(this.handle.offsetsForTimes(toNative(partitions), timeoutMs), 'offsetsForTimes'));
  }

  /**
   * How far behind the consumer is, per partition (default: its assignment): the high
   * watermark minus the next offset it will read (its position, or the committed offset
   * before it read anything; the low watermark when there is neither).
   *
   * @param options - `timeoutMs`: how long each of the queries behind it waits (default 10 000 ms).
   */
  lag(partitions?: TopicPartition[], options?: TimeoutOptions): Promise<PartitionLag[]>;
  /** @deprecated Pass `{ timeoutMs }`: `lag(partitions, { timeoutMs: 5000 })`. */
  lag(partitions: TopicPartition[] | undefined, timeoutMs: number): Promise<PartitionLag[]>;
  async lag(partitions?: TopicPartition[], options?: TimeoutOptions | number): Promise<PartitionLag[]> {
    this.assertOpen('lag');
    const timeoutMs = legacyTimeoutOf('lag', options, 10_000);
    const list = partitions ?? (await this.assignment());
    if (list.length === 0) return [];
    const [positions, committed, marks] = await Promise.all([
      this.position(list),
      this.committed(list, { timeoutMs }),
      Promise.all(list.map((p) => this.queryWatermarkOffsets(p.topic, p.partition, { timeoutMs }))),
    ]);
    return list.map((p, i) => {
      const { low, high } = marks[i]!;
      let next = positions[i]!.offset;
      if (next < 0n) next = committed[i]!.offset;
      if (next < 0n) next = low;
      return { topic: p.topic, partition: p.partition, high, position: next, lag: high > next ? high - next : 0n };
    });
  }

  /**
   * The next message, or null when `timeoutMs` passes first or the consumer closes.
   * The message counts as processed when the next one is requested.
   *
   * @throws KafkaError (`_AUTHENTICATION`, `_SSL`, ...) when nothing is buffered and every
   *   bootstrap server refuses this consumer (credentials, TLS): at once, not at the timeout.
   */
  async consume(options: ConsumeOptions = {}): Promise<Message | null> {
    checkConsumeOptions('consume', options);
    this.offsets.markPulled();
    const batch = await this.takeBatch(1, options ?? {});
    this.offsets.pulledNow(batch);
    return batch[0] ?? null;
  }

  /**
   * Up to `max` buffered messages (waiting for at least one); empty on timeout or close.
   * The batch counts as processed when the next `consume` / `consumeBatch` call is made.
   */
  async consumeBatch(max: number, options: ConsumeOptions = {}): Promise<Message[]> {
    checkCountArg('consumeBatch(max)', max);
    checkConsumeOptions('consumeBatch', options);
    this.offsets.markPulled();
    const batch = await this.takeBatch(max, options ?? {});
    this.offsets.pulledNow(batch);
    return batch;
  }

  /**
   * Iterates messages until the consumer closes (or the loop breaks). A message counts as
   * processed when the next one is requested. Returns to the event loop once the turn's
   * budget is spent (see turn-budget.ts) so that a long buffered run does not starve timers and I/O.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Message> {
    for (;;) {
      const batch = await this.takeBatch(10_000, {});
      if (batch.length === 0) return;
      // Messages of this batch the application has moved past; commit() marks them too.
      const progress = { batch, done: 0, next: 0 };
      this.offsets.inProgress = progress;
      this.handOff.delivering.add(progress);
      try {
        for (let i = 0; i < batch.length; i++) {
          // The loop (or anyone) closed the consumer: stop at this message, as reads do.
          if (this.isClosed) return;
          progress.next = i + 1;
          yield batch[i]!;
          progress.done = i + 1;
          if (turnOverBudget()) await laterTurn();
        }
      } catch (e) {
        this.handOff.unshift(batch, progress.done);
        throw e;
      } finally {
        this.handOff.delivering.delete(progress);
        if (this.offsets.inProgress === progress) this.offsets.inProgress = undefined;
        this.offsets.markRange(batch, progress.done);
      }
    }
  }

  /** Iterates batches of messages until the consumer closes. */
  async *batches(maxBatchSize = 10_000): AsyncGenerator<Message[]> {
    checkCountArg('batches(maxBatchSize)', maxBatchSize);
    for (;;) {
      const batch = await this.takeBatch(maxBatchSize, {});
      if (batch.length === 0) return;
      yield batch;
      this.offsets.markRange(batch, batch.length);
    }
  }

  /**
   * Callback style on the same buffer: runs until the consumer closes or the signal
   * aborts. A handler that throws stops the run: the promise rejects with a
   * {@link HandlerError} whose `cause` is what the handler threw, and that message and the
   * ones after it stay buffered and are not committed.
   */
  async run(options: RunOptions): Promise<void> {
    if (options === null || typeof options !== 'object') throw new TypeError('run(options) needs an object with eachMessage or eachBatch');
    if (!options.eachMessage && !options.eachBatch) throw new TypeError('run() needs eachMessage or eachBatch');
    for (const name of ['eachMessage', 'eachBatch'] as const) {
      if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`run(): ${name} must be a function`);
    }
    if (options.maxBatchSize !== undefined) checkCountArg('run(): maxBatchSize', options.maxBatchSize);
    checkSignalArg('run(): signal', options.signal);
    if (this.running) throw new KafkaError({ message: 'run() is already running on this consumer', code: ErrorCode.STATE });
    this.running = true;
    try {
      while (!options.signal?.aborted) {
        const batch = await this.takeBatch(options.maxBatchSize ?? 10_000, { signal: options.signal });
        if (batch.length === 0) {
          if (this.isClosed || options.signal?.aborted) return;
          continue;
        }
        if (options.eachBatch) {
          try {
            await options.eachBatch(batch);
          } catch (e) {
            this.handOff.unshift(batch, 0);
            const first = batch[0]!;
            throw new HandlerError(`run(): eachBatch on ${batch.length} messages from ${first.topic} [${first.partition}] @ ${first.offset}`, e);
          }
          this.offsets.markRange(batch, batch.length);
        } else {
          const cursor = { batch, next: 0 };
          this.handOff.delivering.add(cursor);
          try {
            for (let i = 0; i < batch.length; i++) {
              if (this.isClosed) {
                this.offsets.markRange(batch, i);
                return;
              }
              cursor.next = i + 1;
              try {
                await options.eachMessage!(batch[i]!);
              } catch (e) {
                this.offsets.markRange(batch, i);
                this.handOff.unshift(batch, i);
                const m = batch[i]!;
                throw new HandlerError(`run(): eachMessage on ${m.topic} [${m.partition}] @ ${m.offset}`, e);
              }
              if (turnOverBudget()) {
                this.offsets.markRange(batch, i + 1);
                await laterTurn();
              }
            }
          } finally {
            this.handOff.delivering.delete(cursor);
          }
          this.offsets.markRange(batch, batch.length);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Leaves the group (the revoke hook runs and is waited for), commits what was
   * processed when auto-commit is on, and releases the client. Idempotent; safe at any
   * moment, including during a rebalance or while iterating. Commits and committed-offset
   * queries called before close() complete first (within the deadline); once the group is
   * being left only the revoke hook may still commit.
   *
   * `timeoutMs` (default 30 000) bounds the wait. librdkafka's own close can take much
   * longer when the group coordinator does not answer (a pending commit waits up to
   * `session.timeout.ms`); past the deadline close() resolves with `timedOut: true` — the
   * final commit and the group leave were not confirmed, so uncommitted messages will be
   * delivered again to the group — and the handle finishes closing in the background without
   * keeping the process alive.
   */
  async close(options: TimeoutOptions = {}): Promise<ConsumerCloseReport> {
    const timeoutMs = timeoutOf('close', options, 30_000);
    if (!this.closing) {
      this.closing = true;
      this.stopTokens();
      this.offsets.flush();
      this.handOff.wakeReaders();
    }
    // The native side takes a 32-bit count of milliseconds: a longer deadline is none at all.
    const { timedOut } = await this.handle.close(Math.min(timeoutMs, 2 ** 31 - 1));
    this.closed = true;
    this.handOff.clear();
    this.handOff.wakeReaders();
    if (timedOut) {
      this.reportError(
        new KafkaError({
          message: `close did not complete within ${timeoutMs} ms (the group coordinator did not answer): the last commit and the group leave are not confirmed; the client finishes closing in the background`,
          code: ErrorCode.TIMED_OUT,
          retriable: false,
        }),
      );
    }
    return { timedOut };
  }

  protected refHandle(ref: boolean): void {
    this.handle.ref(ref);
  }

  protected probeCluster(timeoutMs: number, onError: (error: KafkaError) => void): Promise<void> {
    return probeWithAdmin(this.probeSource(), timeoutMs, onError);
  }

  // ---- internals

  private inHook = false;

  private assertOpenOrClosingHook(what: string): void {
    // Hooks may commit while close() waits for them.
    if (this.inHook && !this.closed) return;
    this.assertOpen(what);
  }

  /** A native call; while every bootstrap broker refuses this consumer (credentials, TLS), it fails at once with that. */
  private call<T>(promise: Promise<T>, what: string): Promise<T> {
    return this.orRefused(this.nativeCall(promise, what), `${what} failed`);
  }

  private async nativeCall<T>(promise: Promise<T>, what: string): Promise<T> {
    try {
      return await promise;
    } catch (e) {
      throw this.withServers(nativeError(e as never, `${what} failed`));
    }
  }

  private async takeBatch(max: number, options: ConsumeOptions): Promise<Message[]> {
    this.offsets.flush();
    // Nothing is handed out once close() was called: close commits what was processed up
    // to then, so a message read afterwards would be processed but never committed.
    for (;;) {
      if (this.isClosed) return [];
      if (this.bufferedCount > 0) {
        // The turn is shared with the other consumers of the thread (see turn-budget.ts).
        if (!turnOverBudget()) return this.handOff.take(max);
        await laterTurn();
        continue;
      }
      // The signal stops waiting, not taking what is buffered.
      if (options.signal?.aborted) return [];
      // Every bootstrap broker refuses this consumer: no message can come; say why now
      // rather than after the timeout (or never, without one).
      const refusal = this.refusal;
      if (refusal) throw this.refusedError('consume failed', refusal);
      this.handOff.askForMore();
      if ((await this.handOff.waitForMessages(options)) !== 'woken') return [];
    }
  }

  private onBatch(messages: NativeMessages | null, events: NativeEvent[] | null): void {
    let taken = 0;
    const total = messages ? messages.count : 0;
    if (events) {
      for (const event of events) {
        if (messages && event.at > taken) {
          this.pushMessages(messages, taken, event.at);
          taken = event.at;
        }
        // Defence in depth: application code is already isolated where it is called, and
        // nothing may keep the rest of the batch (its messages, the next rebalance) from JS.
        try {
          if (!this.handleCommonEvent(event)) this.handleEvent(event);
        } catch (e) {
          rethrowLater(e);
        }
      }
    }
    if (messages && taken < total) this.pushMessages(messages, taken, total);
    // Nothing of it reached the buffer (errors, end-of-partition markers, dropped): ask for
    // the next messages now, a reader may be waiting for them.
    if (this.bufferedCount === 0) this.handOff.askForMore();
  }

  private pushMessages(batch: NativeMessages, from: number, to: number): void {
    this.handOff.receive(
      (target) => decodeMessages(batch, from, to, target, this.kip848, (e) => this.reportError(e)),
      // Messages came: the cluster accepts this consumer.
      () => this.noteAccepted(),
    );
  }

  /** Every bootstrap broker refuses this consumer: waiting readers fail with the refusal (see takeBatch). */
  protected override onRefused(): void {
    this.handOff.wakeReaders();
  }

  private handleEvent(event: NativeEvent): void {
    if (event.type === 'rebalance') {
      // A group coordinator answered: the cluster accepts this consumer.
      this.noteAccepted();
      const partitions = fromNative(event.partitions);
      const hook =
        event.kind === 'assign' ? this.hooks.onAssign : event.kind === 'revoke' ? this.hooks.onRevoke : this.hooks.onLost;
      if (event.kind !== 'assign') {
        // Nothing of a revoked partition reaches the application from here on.
        const keys = new Set(partitions.map(key));
        this.handOff.drop((m) => keys.has(key(m)));
        this.handOff.dropDelivering(keys);
        if (event.kind === 'revoke') this.offsets.flush();
        else this.offsets.forget(keys);
      }
      const abandoned = new Promise<void>((resolve) => this.abandonHook.set(event.token, resolve));
      this.rebalanceChain = this.rebalanceChain.then(async () => {
        this.inHook = true;
        try {
          if (hook) await Promise.race([hook(partitions), abandoned]);
        } catch (e) {
          this.reportError(
            e instanceof KafkaError ? e : new KafkaError({ message: `${event.kind} hook failed: ${String((e as Error)?.message ?? e)}`, code: ErrorCode.FAIL, cause: e }),
          );
        } finally {
          this.inHook = false;
          this.abandonHook.delete(event.token);
          if (event.kind === 'revoke') this.offsets.flush();
          this.handle.rebalanceDone(event.token);
        }
      });
      emitSafely(this, 'rebalance', { kind: event.kind, protocol: event.protocol, partitions });
    } else if (event.type === 'rebalance-timeout') {
      this.reportError(
        new KafkaError({
          message: `the ${event.kind} hook did not settle within ${event.timeoutMs} ms (rebalanceTimeoutMs): the rebalance went on without it`,
          code: ErrorCode.TIMED_OUT,
        }),
      );
      this.abandonHook.get(event.token)?.();
    } else if (event.type === 'dropped') {
      if (event.partitions === null) {
        this.handOff.drop(() => true);
      } else {
        const keys = new Set(event.partitions.map(key));
        this.handOff.drop((m) => keys.has(key(m)));
      }
    } else if (event.type === 'commit') {
      if (event.error) this.reportError(nativeError(event.error, 'commit failed'));
      emitSafely(this, 'commit', fromNative(event.offsets));
    }
  }
}

/** A consumer's group membership (see {@link KafkaConsumer.groupMetadata}). */
export interface ConsumerGroupMetadata {
  /** The consumer's `group.id`. */
  groupId: string;
  /** The member id the coordinator assigned; `''` when not a member. */
  memberId: string;
  /** The group's generation (classic protocol) or the member's epoch (KIP-848); -1 when not a member. */
  generationId: number;
}

/** The watermarks of a partition (see {@link KafkaConsumer.queryWatermarkOffsets}). */
export interface WatermarkOffsets {
  /** The first offset in the partition. */
  low: bigint;
  /** The offset the next produced message will get. */
  high: bigint;
}

/** How far behind a consumer is in one partition (see {@link KafkaConsumer.lag}). */
export interface PartitionLag extends TopicPartition {
  /** Messages between `position` and `high`. */
  lag: bigint;
  /** The partition's high watermark. */
  high: bigint;
  /** The next offset this consumer reads. */
  position: bigint;
}

/** What {@link KafkaConsumer.close} reports. */
export interface ConsumerCloseReport extends BaseCloseReport {
  /**
   * True when leaving the group did not complete by the deadline: the last commit and the
   * leave are not confirmed (a rebalance after session.timeout.ms gives the partitions to
   * others, who start from the last confirmed commit).
   */
  timedOut: boolean;
}

/**
 * Listeners of a consumer's events run while it hands a native batch to the application: one
 * that throws neither stops the other listeners nor loses a message of that batch nor stalls
 * a rebalance (librdkafka is told it is done regardless); its exception is rethrown on a
 * later tick, as an uncaught exception.
 */
export interface KafkaConsumer {
  /** librdkafka's log lines (and the client's own), rate-limited per {@link ClientOptions.repeatWindowMs}. */
  on(event: 'log', listener: (entry: LogEntry) => void): this;
  /** Errors not tied to one call (all brokers down, a fatal error); calls reject their own promises. */
  on(event: 'error', listener: (error: KafkaError) => void): this;
  /** librdkafka's statistics, parsed, every `statistics.interval.ms`. */
  on(event: 'stats', listener: (stats: Record<string, unknown>) => void): this;
  /** A rebalance assigned, revoked or lost partitions (after the hooks of {@link ConsumerOptions} ran). */
  on(
    event: 'rebalance',
    listener: (info: { kind: 'assign' | 'revoke' | 'lost'; protocol: string; partitions: TopicPartitionOffset[] }) => void,
  ): this;
  /** The result of an asynchronous commit (`commit(offsets, { async: true })` or auto-commit). */
  on(event: 'commit', listener: (offsets: TopicPartitionOffset[]) => void): this;
}

/** Checks the options of a consume-style call (also the topic consumer's pull). */
export function checkConsumeOptions(what: string, options: ConsumeOptions | undefined): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw new TypeError(`${what}(options) must be an object`);
  checkTimeoutArg(`${what}: options.timeoutMs`, options.timeoutMs);
  checkSignalArg(`${what}: options.signal`, options.signal);
}
