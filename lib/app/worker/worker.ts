/**
 * runWorker: a consume → process → produce service. Messages are handed to the handler
 * partition by partition in order (several partitions in parallel with `concurrency`); a
 * message's offset is committed only after its handler succeeded and its outputs were
 * acknowledged. A failing handler is retried with backoff, then the message goes to the
 * dead-letter topic — or, without one, the worker stops with an error: a message is never
 * skipped silently.
 */
import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

import { settlesWithin } from '../../core/call-options';
import { clientErrorChannel, type Logger } from '../../core/client-base';
import { connect, Connections, type Connection } from '../connections';
import type { KafkaConsumer } from '../../client/consumer';
import { ErrorCode, KafkaError } from '../../util/errors';
import type { DeliveryReport, Message, OutgoingMessage, TopicPartition } from '../../core/message';
import { defaultMetrics, type KafkaMetrics } from '../../observability/metrics/collector';
import { openTelemetryAvailable } from '../../observability/metrics/opentelemetry';
import { PROMETHEUS_CONTENT_TYPE } from '../../observability/metrics/prometheus';
import type { KafkaProducer } from '../../client/producer';
import { RepeatLimiter } from '../../util/rate-limit';
import { traceConsume } from '../../observability/tracing';
import { deadLetterMessage } from './dead-letter';
import { startHealthServer, type HealthReport, type HealthServer } from './health-server';
import { PartitionLanes, type Lane } from './lanes';
import { resolveWorkerOptions, type HandlerContext, type ResolvedWorkerOptions, type WorkerOptions, type WorkerOutput } from './options';
import { backoffDelay, sleep } from './retry';

/** librdkafka's "no stored offset to commit". */
const NO_OFFSET = -168;

/** A worker-level failure: the handler gave up with no dead-letter topic, a dead-letter send failed, a fatal client error. */
export class WorkerError extends KafkaError {
  constructor(message: string, cause?: unknown, code: number = ErrorCode.FAIL) {
    super({ message, code, cause });
  }
}

/** The handler said no (returned false). */
export class HandlerRejectedError extends KafkaError {
  constructor() {
    super({ message: 'the handler returned false', code: ErrorCode.FAIL });
  }
}

/** The worker's life: starting → running → stopping → stopped (or failed). */
export type WorkerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** A running worker. */
export interface Worker {
  /** Where the worker is in its life: starting, running, stopping, stopped or failed. */
  readonly state: WorkerState;
  /** The consumer group. */
  readonly group: string;
  /** Resolves once the worker stopped cleanly; rejects with the {@link WorkerError} that stopped it. */
  readonly closed: Promise<void>;
  /** The port of the HTTP endpoint, when it has one. */
  readonly httpPort: number | undefined;
  /** The collector the worker reports to. */
  readonly metrics: KafkaMetrics;
  /** What `/healthz` reports. */
  health(): HealthReport;
  /**
   * Stops: no new message is started, running handlers get up to `shutdownTimeoutMs`,
   * processed offsets are committed, the clients close. Resolves like {@link closed}.
   */
  stop(): Promise<void>;
}

type Outcome = { ok: true } | { ok: false; error: unknown };

class WorkerImpl implements Worker {
  state: WorkerState = 'starting';
  readonly closed: Promise<void>;
  readonly metrics: KafkaMetrics;
  group = '';
  private resolveClosed!: () => void;
  private rejectClosed!: (e: unknown) => void;
  private consumer: KafkaConsumer | undefined;
  private producer: KafkaProducer | undefined;
  private server: HealthServer | undefined;
  private ownRegistry: Connections | undefined;
  private readonly lanes: PartitionLanes;
  private readonly stopController = new AbortController();
  private readonly assigned = new Set<string>();
  private connected = true;
  private dirty = false;
  private commitTimer: NodeJS.Timeout | undefined;
  private commitChain: Promise<void> = Promise.resolve();
  private consumerClosed = false;
  private stopping: Promise<void> | undefined;
  private fatal: unknown;
  /** Set once the shutdown deadline passed: waits for handlers stop waiting. */
  private deadlinePassed = false;
  private readonly limiter = new RepeatLimiter(30_000);
  private readonly logger: Logger | undefined;
  private readonly unsubscribers: Array<() => void> = [];
  private readonly labels: () => Record<string, string> = () => ({ group: this.group });

  constructor(
    private readonly options: ResolvedWorkerOptions,
    private readonly raw: WorkerOptions,
  ) {
    this.metrics = raw.metrics ?? defaultMetrics();
    this.logger = raw.logger ?? raw.connections?.logger;
    this.closed = new Promise<void>((resolve, reject) => {
      this.resolveClosed = resolve;
      this.rejectClosed = reject;
    });
    // The error is reported (logger / process warning) and kept in `closed`: a worker
    // nobody awaits must not crash the process with an unhandled rejection.
    this.closed.catch(() => undefined);
    this.lanes = new PartitionLanes({
      concurrency: options.concurrency,
      unitSize: options.unitSize,
      process: (lane, unit) => this.processUnit(lane, unit),
    });
  }

  get httpPort(): number | undefined {
    return this.server?.port;
  }

  // ---- start

  async start(): Promise<void> {
    const o = this.options;
    const connection = this.resolveConnection();
    this.group = connection.groupId(o.group);
    const stats = o.statisticsIntervalMs > 0 ? { 'statistics.interval.ms': o.statisticsIntervalMs } : {};
    try {
      const producerConfig = o.exactlyOnce
        ? { 'transactional.id': o.exactlyOnce.transactionalId ?? `${this.group}-${randomUUID()}` }
        : {};
      this.producer = await connection.createProducer({ ...stats, ...producerConfig, ...this.raw.producerConfig }, this.logger ? { logger: this.logger } : {});
      this.consumer = await connection.createConsumer(
        this.group,
        { ...stats, 'enable.auto.commit': false, ...this.raw.consumerConfig },
        {
          ...(this.logger ? { logger: this.logger } : {}),
          onAssign: (partitions) => this.onAssign(partitions),
          onRevoke: (partitions) => this.onRevoke(partitions),
          onLost: (partitions) => this.onLost(partitions),
        },
      );
      this.metrics.observe(this.consumer);
      this.metrics.observe(this.producer);
      this.watchConnectivity(this.consumer);
      if (this.raw.registry) await this.metrics.registerPrometheus(this.raw.registry);
      if (this.raw.openTelemetry ?? openTelemetryAvailable()) await this.metrics.registerOpenTelemetry();
      if (o.exactlyOnce) await this.producer.initTransactions();
      if (o.http) {
        this.server = await startHealthServer({ ...o.http, health: () => this.health(), metrics: () => this.scrape() });
      }
      await this.consumer.subscribe(o.topics);
    } catch (e) {
      await this.closeClients();
      this.state = 'failed';
      this.rejectClosed(e);
      throw e;
    }
    this.state = 'running';
    this.metrics.set('worker_in_flight', this.labels(), 0);
    if (this.raw.handleSignals) this.installSignalHandlers();
    this.log('info', { topics: o.topics.map(String), group: this.group, concurrency: o.concurrency }, 'worker started');
    void this.readLoop();
  }

  private resolveConnection(): Connection {
    const c = this.raw.connection;
    if (c !== undefined && typeof c !== 'string') return c;
    let registry = this.raw.connections;
    if (!registry && this.raw.env) {
      // A worker given its own environment resolves its connection in it too.
      registry = this.ownRegistry = new Connections({ env: this.raw.env, ...(this.logger ? { logger: this.logger } : {}) });
    }
    return registry ? registry.connect(this.options.connectionName) : connect(this.options.connectionName);
  }

  private watchConnectivity(consumer: KafkaConsumer): void {
    const onError = (message: unknown): void => {
      const { client, error } = message as { client: unknown; error: KafkaError };
      if (client === consumer && error.code === ErrorCode.ALL_BROKERS_DOWN) this.connected = false;
    };
    subscribe(clientErrorChannel.name, onError);
    this.unsubscribers.push(() => unsubscribe(clientErrorChannel.name, onError));
    consumer.on('stats', (stats) => {
      const brokers = Object.values((stats.brokers ?? {}) as Record<string, { nodeid?: number; state?: string }>);
      this.connected = brokers.some((b) => (b.nodeid ?? -1) >= 0 && b.state === 'UP');
    });
  }

  // ---- consuming

  private async readLoop(): Promise<void> {
    const consumer = this.consumer!;
    const signal = this.stopController.signal;
    try {
      while (!signal.aborted) {
        await this.lanes.waitForRoom(this.options.maxQueued, signal);
        if (signal.aborted) break;
        const batch = await consumer.consumeBatch(Math.max(500, this.options.unitSize * this.options.concurrency), { signal });
        if (batch.length === 0) {
          if (consumer.isClosed) break;
          continue;
        }
        this.connected = true;
        this.lanes.push(batch);
      }
    } catch (e) {
      this.fail(new WorkerError(`consuming failed: ${(e as Error)?.message ?? String(e)}`, e));
    }
  }

  /** Processes one unit of a lane to its end: committed (success or dead letter), interrupted, or fatal. Never rejects. */
  private async processUnit(lane: Lane, unit: Message[]): Promise<void> {
    this.metrics.set('worker_in_flight', this.labels(), this.lanes.inFlight);
    try {
      if (this.options.exactlyOnce) await this.processTransactional(lane, unit);
      else await this.processAtLeastOnce(lane, unit);
    } catch (e) {
      this.fail(e);
    } finally {
      this.metrics.set('worker_in_flight', this.labels(), this.lanes.inFlight - unit.length);
    }
  }

  private async processAtLeastOnce(lane: Lane, unit: Message[]): Promise<void> {
    const policy = this.options.retry;
    let last: unknown;
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      if (attempt > 1) {
        this.metrics.count('worker_retries_total', this.labels());
        if (!(await sleep(backoffDelay(policy, attempt - 1), lane.retries.signal))) return;
      }
      const outcome = await this.attempt(lane, unit, attempt);
      if (outcome.ok) {
        this.markProcessed(lane, unit);
        this.metrics.count('worker_messages_processed_total', this.labels(), unit.length);
        return;
      }
      last = outcome.error;
      this.failedAttempt(unit, attempt, last);
      // The partition went away or the worker stops: the message stays uncommitted.
      if (lane.retries.signal.aborted) return;
    }
    const exhausted = this.exhausted(unit, policy.maxAttempts, last);
    if (!this.options.deadLetterTopic) throw exhausted;
    await this.deadLetter(lane, unit, policy.maxAttempts, last);
    this.markProcessed(lane, unit);
  }

  /** Exactly once: each attempt is a transaction holding the outputs and the input offset. */
  private async processTransactional(lane: Lane, unit: Message[]): Promise<void> {
    const policy = this.options.retry;
    const producer = this.producer!;
    let last: unknown;
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      if (attempt > 1) {
        this.metrics.count('worker_retries_total', this.labels());
        if (!(await sleep(backoffDelay(policy, attempt - 1), lane.retries.signal))) return;
      }
      await producer.beginTransaction();
      let outcome = await this.attempt(lane, unit, attempt);
      if (lane.dropped === 'lost') {
        // Lost, or past the shutdown deadline: the unit is not ours to commit any more.
        await producer.abortTransaction().catch(() => undefined);
        return;
      }
      if (outcome.ok) {
        try {
          await this.commitInTransaction(unit);
          this.metrics.count('worker_messages_processed_total', this.labels(), unit.length);
          return;
        } catch (e) {
          outcome = { ok: false, error: e };
        }
      }
      await this.abortTransaction(outcome.error);
      last = outcome.error;
      this.failedAttempt(unit, attempt, last);
      if (lane.retries.signal.aborted) return;
    }
    const exhausted = this.exhausted(unit, policy.maxAttempts, last);
    if (!this.options.deadLetterTopic) throw exhausted;
    await this.deadLetter(lane, unit, policy.maxAttempts, last, true);
  }

  private async commitInTransaction(unit: Message[]): Promise<void> {
    const lastMessage = unit[unit.length - 1]!;
    await this.producer!.sendOffsetsToTransaction([{ topic: lastMessage.topic, partition: lastMessage.partition, offset: lastMessage.offset + 1n }], this.consumer!);
    await this.producer!.commitTransaction();
    this.metrics.count('worker_commits_total', this.labels());
  }

  private async abortTransaction(cause: unknown): Promise<void> {
    if (cause instanceof KafkaError && cause.isFatal) throw new WorkerError(`transaction failed fatally: ${cause.message}`, cause, cause.code);
    try {
      await this.producer!.abortTransaction();
    } catch (e) {
      throw new WorkerError(`aborting a transaction failed: ${(e as Error)?.message ?? String(e)}`, e);
    }
  }

  /** One handler call; success needs every output acknowledged. */
  private async attempt(lane: Lane, unit: Message[], attempt: number): Promise<Outcome> {
    const outputs: Array<Promise<DeliveryReport>> = [];
    let finished = false;
    const context: HandlerContext = {
      attempt,
      signal: lane.handlers.signal,
      group: this.group,
      produce: (message: WorkerOutput) => {
        if (finished) return Promise.reject(new KafkaError({ message: 'context.produce() after the handler finished: await it inside the handler', code: ErrorCode.STATE }));
        const sent = this.producer!.send(this.outgoing(message));
        // Awaited below; this keeps an output the handler does not await from being an unhandled rejection meanwhile.
        sent.catch(() => undefined);
        outputs.push(sent);
        return sent;
      },
    };
    const first = unit[0]!;
    const handler = this.options.handler;
    let result: unknown;
    let error: unknown;
    let failed = false;
    try {
      result = await traceConsume({ group: this.group, topic: first.topic, partition: first.partition, messages: unit, attempt }, async () =>
        handler.kind === 'message' ? handler.fn(first, context) : handler.fn(unit, context),
      );
    } catch (e) {
      failed = true;
      error = e;
    }
    finished = true;
    const settled = await Promise.allSettled(outputs);
    if (failed) return { ok: false, error };
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (rejected) return { ok: false, error: new WorkerError(`an output was not delivered: ${(rejected.reason as Error)?.message ?? String(rejected.reason)}`, rejected.reason) };
    if (result === false) return { ok: false, error: new HandlerRejectedError() };
    return { ok: true };
  }

  private outgoing(message: WorkerOutput): OutgoingMessage {
    if (message === null || typeof message !== 'object') throw new TypeError('context.produce(message): message must be an object');
    const topic = message.topic ?? this.options.output;
    if (topic === undefined) throw new TypeError('context.produce(message): the message has no topic and the worker has no output topic');
    return { ...message, topic };
  }

  private failedAttempt(unit: Message[], attempt: number, error: unknown): void {
    this.metrics.count('worker_handler_failures_total', this.labels());
    const first = unit[0]!;
    const text = (error as Error)?.message ?? String(error);
    const suppressed = this.limiter.admit(`fail:${first.topic}:${first.partition}:${text}`);
    if (suppressed === null) return;
    this.log('warn', { topic: first.topic, partition: first.partition, offset: String(first.offset), attempt, of: this.options.retry.maxAttempts, suppressed: suppressed || undefined }, `handler failed: ${text}`);
  }

  private exhausted(unit: Message[], attempts: number, error: unknown): WorkerError {
    const first = unit[0]!;
    const where = `${first.topic} [${first.partition}] at offset ${first.offset}${unit.length > 1 ? ` (batch of ${unit.length})` : ''}`;
    const why = (error as Error)?.message ?? String(error);
    return new WorkerError(
      this.options.deadLetterTopic
        ? `${where} failed ${attempts} time(s): ${why}`
        : `${where} failed ${attempts} time(s) and no deadLetterTopic is configured, so the worker stops (the message stays uncommitted and is redelivered on restart): ${why}`,
      error,
    );
  }

  /**
   * Sends the unit to the dead-letter topic (in exactly-once mode, in a transaction with
   * the input offset). Retried with the same backoff; a dead-letter topic that cannot be
   * written stops the worker.
   */
  private async deadLetter(lane: Lane, unit: Message[], attempts: number, error: unknown, transactional = false): Promise<void> {
    const topic = this.options.deadLetterTopic!;
    const messages = unit.map((m) => deadLetterMessage(m, { topic, error, attempts, group: this.group }));
    const policy = this.options.retry;
    let last: unknown;
    for (let attempt = 1; attempt <= Math.max(3, policy.maxAttempts); attempt++) {
      if (attempt > 1 && !(await sleep(backoffDelay(policy, attempt - 1), lane.retries.signal))) {
        throw new WorkerError(`stopped while sending to the dead-letter topic ${topic}; the message stays uncommitted`, last);
      }
      try {
        if (transactional) {
          await this.producer!.beginTransaction();
          try {
            await this.producer!.sendBatch(messages);
            await this.commitInTransaction(unit);
          } catch (e) {
            await this.abortTransaction(e);
            throw e;
          }
        } else {
          await this.producer!.sendBatch(messages);
        }
        this.metrics.count('worker_dead_lettered_total', this.labels(), unit.length);
        const first = unit[0]!;
        this.log('error', { topic: first.topic, partition: first.partition, offset: String(first.offset), count: unit.length, deadLetterTopic: topic }, `sent to the dead-letter topic after ${attempts} attempt(s): ${(error as Error)?.message ?? String(error)}`);
        return;
      } catch (e) {
        if (e instanceof WorkerError) throw e;
        last = e;
      }
    }
    throw new WorkerError(`sending to the dead-letter topic ${topic} failed: ${(last as Error)?.message ?? String(last)}`, last);
  }

  // ---- offsets

  private markProcessed(lane: Lane, unit: Message[]): void {
    // A lost partition's offsets are not ours to commit any more.
    if (lane.dropped === 'lost' || this.consumerClosed) return;
    this.consumer!.markProcessed(unit[unit.length - 1]!);
    this.dirty = true;
    if (!this.commitTimer && !this.stopping) {
      this.commitTimer = setTimeout(() => {
        this.commitTimer = undefined;
        void this.commit();
      }, this.options.commitIntervalMs);
    }
  }

  /** Commits what was marked processed; one commit at a time. A failed commit is retried at the next one. */
  private commit(): Promise<void> {
    this.commitChain = this.commitChain.then(async () => {
      if (!this.dirty || this.consumerClosed) return;
      this.dirty = false;
      try {
        await this.consumer!.commit();
        this.connected = true;
        this.metrics.count('worker_commits_total', this.labels());
      } catch (e) {
        if ((e as KafkaError).code === NO_OFFSET) return;
        this.dirty = true;
        this.metrics.count('worker_commit_failures_total', this.labels());
        this.log('warn', { code: (e as KafkaError).codeName }, `commit failed (retried with the next commit): ${(e as Error).message}`);
        if (!this.commitTimer && !this.stopping) {
          this.commitTimer = setTimeout(() => {
            this.commitTimer = undefined;
            void this.commit();
          }, this.options.commitIntervalMs);
        }
      }
    });
    return this.commitChain;
  }

  // ---- rebalances

  private onAssign(partitions: TopicPartition[]): void {
    for (const p of partitions) this.assigned.add(`${p.partition}:${p.topic}`);
    this.connected = true;
    this.log('info', { partitions: partitions.map((p) => `${p.topic}[${p.partition}]`) }, 'partitions assigned');
  }

  private async onRevoke(partitions: TopicPartition[]): Promise<void> {
    for (const p of partitions) this.assigned.delete(`${p.partition}:${p.topic}`);
    this.log('info', { partitions: partitions.map((p) => `${p.topic}[${p.partition}]`) }, 'partitions revoked');
    const lanes = this.lanes.drop(partitions, 'revoked');
    // Finish what is running, then commit it: the next owner starts after it.
    await this.waitForUnits(lanes);
    if (!this.options.exactlyOnce) await this.commit();
  }

  private onLost(partitions: TopicPartition[]): void {
    for (const p of partitions) this.assigned.delete(`${p.partition}:${p.topic}`);
    this.lanes.drop(partitions, 'lost');
    this.log('warn', { partitions: partitions.map((p) => `${p.topic}[${p.partition}]`) }, 'partitions lost: their running handlers are told to give up, nothing is committed for them');
  }

  /**
   * Waits for the running units of revoked lanes, at most `shutdownTimeoutMs` (none once
   * the shutdown deadline passed): a rebalance must not wait for a stuck handler forever.
   * Units still running then are told to give up and are not committed.
   */
  private async waitForUnits(lanes: Lane[]): Promise<void> {
    const units = lanes.map((l) => l.running).filter((r): r is Promise<void> => r !== undefined);
    if (units.length === 0) return;
    const limit = this.deadlinePassed ? 0 : this.options.shutdownTimeoutMs;
    if (!(await settlesWithin(Promise.all(units), limit, true))) return;
    const stuck = lanes.filter((l) => l.running !== undefined);
    for (const lane of stuck) {
      lane.dropped = 'lost';
      lane.handlers.abort('revoked');
    }
    this.log('warn', { partitions: stuck.map((l) => `${l.topic}[${l.partition}]`) }, `handlers of revoked partitions still running after ${limit} ms: told to give up, not committed`);
  }

  // ---- health and metrics

  health(): HealthReport {
    const reasons: string[] = [];
    if (this.state !== 'running') reasons.push(`worker is ${this.state}`);
    if (this.assigned.size === 0) reasons.push('no partition assigned');
    if (!this.connected) reasons.push('brokers unreachable');
    return {
      ready: reasons.length === 0,
      state: this.state,
      assignedPartitions: this.assigned.size,
      connected: this.connected,
      inFlight: this.lanes.inFlight,
      queued: this.lanes.queued,
      reasons,
    };
  }

  private async scrape(): Promise<{ contentType: string; body: string }> {
    const registry = this.raw.registry;
    if (registry) return { contentType: registry.contentType, body: await registry.metrics() };
    return { contentType: PROMETHEUS_CONTENT_TYPE, body: this.metrics.toPrometheus() };
  }

  // ---- stopping

  stop(): Promise<void> {
    this.shutdown();
    return this.closed;
  }

  /** A fatal error: stop, and let `closed` reject with it. */
  private fail(error: unknown): void {
    if (this.fatal === undefined) this.fatal = error;
    const text = (error as Error)?.message ?? String(error);
    if (this.logger) this.logger.error({ group: this.group }, text);
    else process.emitWarning(`worker ${this.group}: ${text}`, { code: 'OCTOKAFKA_WORKER' });
    this.shutdown();
  }

  private shutdown(): void {
    if (this.stopping || this.state === 'starting') return;
    this.stopping = this.runShutdown();
  }

  private async runShutdown(): Promise<void> {
    this.state = 'stopping';
    this.log('info', { group: this.group }, 'worker stopping');
    this.stopController.abort();
    this.lanes.stop();
    if (await settlesWithin(this.lanes.idle(), this.options.shutdownTimeoutMs, true)) {
      this.deadlinePassed = true;
      this.log('warn', { inFlight: this.lanes.inFlight }, `handlers still running after ${this.options.shutdownTimeoutMs} ms: told to give up, their messages stay uncommitted`);
      for (const lane of this.lanes.running()) {
        // Told to give up: whatever they do now is not committed.
        lane.dropped = 'lost';
        lane.handlers.abort('shutdown deadline');
      }
    }
    if (this.commitTimer) clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    if (!this.options.exactlyOnce) await this.commit();
    await this.closeClients();
    this.state = this.fatal === undefined ? 'stopped' : 'failed';
    this.log('info', { group: this.group, state: this.state }, 'worker stopped');
    if (this.fatal === undefined) this.resolveClosed();
    else this.rejectClosed(this.fatal);
  }

  private async closeClients(): Promise<void> {
    const errors: unknown[] = [];
    try {
      // Leaving the group runs onRevoke, which commits what finished meanwhile.
      await this.consumer?.close();
    } catch (e) {
      errors.push(e);
    }
    this.consumerClosed = true;
    try {
      await this.producer?.close({ timeoutMs: Math.max(1000, this.options.shutdownTimeoutMs) });
    } catch (e) {
      errors.push(e);
    }
    await this.server?.close();
    for (const off of this.unsubscribers.splice(0)) off();
    await this.ownRegistry?.closeAll().catch((e: unknown) => errors.push(e));
    if (errors.length > 0 && this.fatal === undefined) this.fatal = new WorkerError(`closing the worker's clients failed: ${(errors[0] as Error)?.message ?? String(errors[0])}`, errors[0]);
  }

  private installSignalHandlers(): void {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        // A second signal: the operator does not want to wait.
        this.log('warn', { signal }, 'second signal: exiting now');
        process.exit(1);
      }
      signalled = true;
      this.log('info', { signal }, 'signal received: stopping');
      this.shutdown();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    const done = (failed: boolean): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      if (failed) process.exitCode = 1;
    };
    this.closed.then(
      () => done(false),
      () => done(true),
    );
  }

  private log(level: 'info' | 'warn' | 'error', fields: object, message: string): void {
    this.logger?.[level]({ worker: this.group, ...fields }, message);
  }
}

/**
 * Starts a worker: resolves once it consumes (subscribed; partitions arrive with the
 * group's first rebalance) and its HTTP endpoint listens.
 * @throws ConfigError for bad options, before anything connects.
 */
export async function runWorker(options: WorkerOptions): Promise<Worker> {
  const worker = new WorkerImpl(resolveWorkerOptions(options), options);
  await worker.start();
  return worker;
}
