/**
 * A worker's options: what it consumes, how it handles, retries, dead-letters, commits
 * and stops; checked up front so that a mistake is a ConfigError before anything connects.
 */
import type { Logger } from '../../core/client-base';
import type { ConsumerConfig, ProducerConfig } from '../../config/typed-config';
import type { Connection, Connections } from '../connections';
import { ConfigError } from '../../util/errors';
import type { DeliveryReport, Message, OutgoingMessage } from '../../core/message';
import type { KafkaMetrics } from '../../observability/metrics/collector';
import type { PrometheusRegistry } from '../../observability/metrics/prometheus';
import { workerSettingsFromEnv } from './env';
import { resolveRetry, type RetryPolicy } from './retry';

/** A message a handler produces; `topic` defaults to the worker's `output`. */
export type WorkerOutput = Omit<OutgoingMessage, 'topic'> & {
  /** The topic (default: the worker's `output`). */
  topic?: string;
};

/** What a handler gets besides the message(s). */
export interface HandlerContext {
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /**
   * Aborted when the handler must give up: the shutdown deadline passed or the partition
   * was lost. A handler that gives up throws; its message is not committed.
   */
  readonly signal: AbortSignal;
  /** The consumer group. */
  readonly group: string;
  /**
   * Produces an output message. The message's offset is committed only after every
   * output of the successful attempt was acknowledged (in exactly-once mode: inside the
   * transaction). Resolves with the delivery report.
   */
  produce(message: WorkerOutput): Promise<DeliveryReport>;
}

/** Handles one message. Resolving (with anything but `false`) is success; throwing or `false` is a failure. */
export type MessageHandler = (message: Message, context: HandlerContext) => unknown;
/** Handles a batch of messages of one partition, in offset order; success and failure are the batch's. */
export type BatchHandler = (messages: Message[], context: HandlerContext) => unknown;

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  /** The connection: a name in `connections` (default: the default connection) or a Connection. */
  connection?: string | Connection;
  /** Where a connection name is looked up (default: the process's, see `configureConnections`). */
  connections?: Connections;
  /** Topic(s) to consume (default `KAFKA_TOPIC`, comma-separated). */
  topic?: string;
  /** Several topics, by name or pattern (instead of `topic`). */
  topics?: Array<string | RegExp>;
  /** Consumer group (default `KAFKA_CONSUMER_GROUP`, else the connection's `group.id`). */
  group?: string;
  /** Per-message handler; give this or {@link batchHandler}. */
  handler?: MessageHandler;
  /** Batch handler: called with up to {@link batchSize} messages of one partition. */
  batchHandler?: BatchHandler;
  /** Largest batch for {@link batchHandler} (default 100). */
  batchSize?: number;
  /** Partitions processed in parallel (default 1); each partition stays in order. */
  concurrency?: number;
  /** Default topic of `context.produce` (default `KAFKA_OUTPUT_TOPIC`). */
  output?: string;
  /**
   * Where a message goes after its last failed attempt (default `KAFKA_DEAD_LETTER_TOPIC`).
   * Without one, such a failure stops the worker: see the README.
   */
  deadLetterTopic?: string;
  /** Retries with backoff (see {@link RetryPolicy}); `false`: one attempt. */
  retry?: Partial<RetryPolicy> | false;
  /**
   * Exactly-once consume-transform-produce: each unit's outputs and its input offset
   * commit in one transaction. Processes one unit at a time (`concurrency` must be 1).
   * `transactionalId` defaults to `<group>-<random>`.
   */
  exactlyOnce?:
    | boolean
    | {
        /** The producer's `transactional.id` (default `<group>-<random>`). */
        transactionalId?: string;
      };
  /** How often processed offsets are committed (default 1000 ms; also on revoke and at shutdown). */
  commitIntervalMs?: number;
  /** How long shutdown waits for running handlers (default 30 000 ms). */
  shutdownTimeoutMs?: number;
  /** Messages taken from the consumer and not yet started, at most (default 1000, at least 2 units per lane). */
  maxQueued?: number;
  /** Serve `/healthz` and `/metrics` (default: on `OCTOKAFKA_HTTP_PORT` when set, else off). */
  http?:
    | {
        /** The port (0: any free port). */
        port: number;
        /** The interface to listen on (default: all). */
        host?: string;
      }
    | false;
  /** The collector the worker reports to (default: the process's, `defaultMetrics()`). */
  metrics?: KafkaMetrics;
  /** A prom-client registry to register the metrics in and serve at `/metrics`. */
  registry?: PrometheusRegistry;
  /** Register the metrics with `@opentelemetry/api`'s global meter (default: when that package is installed). */
  openTelemetry?: boolean;
  /** librdkafka statistics interval of the worker's clients (default 5000 ms; 0: off). */
  statisticsIntervalMs?: number;
  /** Extra librdkafka configuration of the worker's consumer. */
  consumerConfig?: ConsumerConfig;
  /** Extra librdkafka configuration of the worker's producer. */
  producerConfig?: ProducerConfig;
  /** Where the worker and its clients log (default: the connections' logger). */
  logger?: Logger;
  /** Stop on SIGTERM and SIGINT (a second signal exits at once). */
  handleSignals?: boolean;
  /** Environment for the `KAFKA_*` / `OCTOKAFKA_*` settings (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** Options after defaults, environment and checks. */
export interface ResolvedWorkerOptions {
  connectionName: string | undefined;
  topics: Array<string | RegExp>;
  group: string | undefined;
  handler: { kind: 'message'; fn: MessageHandler } | { kind: 'batch'; fn: BatchHandler };
  unitSize: number;
  concurrency: number;
  output: string | undefined;
  deadLetterTopic: string | undefined;
  retry: RetryPolicy;
  exactlyOnce: { transactionalId: string | undefined } | undefined;
  commitIntervalMs: number;
  shutdownTimeoutMs: number;
  maxQueued: number;
  http: { port: number; host?: string } | undefined;
  statisticsIntervalMs: number;
}

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new ConfigError(name, `must be an integer ≥ ${min}, got ${String(value)}`);
  return value;
}

function topicName(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw new ConfigError(name, 'must be a non-empty topic name');
  return value;
}

/**
 * Checks the options and fills in defaults and environment settings (explicit options win).
 * @throws ConfigError naming the option that is wrong.
 */
export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  if (options === null || typeof options !== 'object') throw new ConfigError('options', 'runWorker needs an options object');
  const env = workerSettingsFromEnv(options.env ?? process.env);
  if (options.handler && options.batchHandler) throw new ConfigError('handler', 'give handler or batchHandler, not both');
  if (!options.handler && !options.batchHandler) throw new ConfigError('handler', 'a worker needs a handler (per message) or a batchHandler');
  const fn = options.handler ?? options.batchHandler;
  if (typeof fn !== 'function') throw new ConfigError(options.handler ? 'handler' : 'batchHandler', 'must be a function');
  if (options.batchSize !== undefined && !options.batchHandler) throw new ConfigError('batchSize', 'applies to batchHandler only');

  let topics: Array<string | RegExp>;
  if (options.topic !== undefined && options.topics !== undefined) throw new ConfigError('topic', 'give topic or topics, not both');
  if (options.topic !== undefined) topics = [topicName('topic', options.topic)!];
  else if (options.topics !== undefined) {
    if (!Array.isArray(options.topics) || options.topics.length === 0) throw new ConfigError('topics', 'must be a non-empty array of topic names or RegExps');
    topics = options.topics.map((t, i) => (t instanceof RegExp ? t : topicName(`topics[${i}]`, t)!));
  } else if (env.topics) topics = env.topics;
  else throw new ConfigError('topic', 'no topic to consume: pass topic/topics or set KAFKA_TOPIC');

  const concurrency = positiveInt('concurrency', options.concurrency, 1);
  const exactlyOnce = options.exactlyOnce ? { transactionalId: typeof options.exactlyOnce === 'object' ? options.exactlyOnce.transactionalId : undefined } : undefined;
  if (exactlyOnce && concurrency !== 1) {
    throw new ConfigError('concurrency', 'exactlyOnce runs one transaction at a time: concurrency must be 1 (use batchHandler/batchSize for throughput)');
  }
  if (exactlyOnce?.transactionalId !== undefined && (typeof exactlyOnce.transactionalId !== 'string' || exactlyOnce.transactionalId === '')) {
    throw new ConfigError('exactlyOnce.transactionalId', 'must be a non-empty string');
  }
  const unitSize = options.batchHandler ? positiveInt('batchSize', options.batchSize, 100) : 1;
  const group = options.group ?? env.group;
  if (group !== undefined && (typeof group !== 'string' || group === '')) throw new ConfigError('group', 'must be a non-empty string');

  let http: ResolvedWorkerOptions['http'];
  if (options.http === false) http = undefined;
  else if (options.http !== undefined) {
    if (options.http === null || typeof options.http !== 'object') throw new ConfigError('http', 'must be { port, host? } or false');
    http = options.http;
  } else if (env.httpPort !== undefined) http = { port: env.httpPort };

  const connectionName = typeof options.connection === 'string' ? options.connection : options.connection === undefined ? env.connection : undefined;
  return {
    connectionName,
    topics,
    group,
    handler: options.batchHandler ? { kind: 'batch', fn: options.batchHandler } : { kind: 'message', fn: options.handler! },
    unitSize,
    concurrency,
    output: topicName('output', options.output ?? env.output),
    deadLetterTopic: topicName('deadLetterTopic', options.deadLetterTopic ?? env.deadLetterTopic),
    retry: resolveRetry(options.retry),
    exactlyOnce,
    commitIntervalMs: positiveInt('commitIntervalMs', options.commitIntervalMs, 1000),
    shutdownTimeoutMs: positiveInt('shutdownTimeoutMs', options.shutdownTimeoutMs, 30_000, 0),
    maxQueued: Math.max(positiveInt('maxQueued', options.maxQueued, 1000), 2 * unitSize * concurrency),
    http,
    statisticsIntervalMs: positiveInt('statisticsIntervalMs', options.statisticsIntervalMs, 5000, 0),
  };
}
