/**
 * Typed errors. Every error octokafka raises is a {@link KafkaError}: librdkafka's own
 * errors keep librdkafka's numeric code and symbolic name; errors raised before librdkafka
 * sees anything (bad configuration, bad arguments, calls after close) use librdkafka's
 * local codes for the same situations, so one `instanceof` and one `code` switch cover all.
 */

/** librdkafka error codes octokafka raises or tests for itself (values from rdkafka.h). */
export const ErrorCode = {
  /** Local: a message could not be parsed (`_BAD_MSG`). */
  BAD_MSG: -199,
  /** Local: the client is being destroyed (`_DESTROY`). */
  DESTROY: -197,
  /** Local: a general failure (`_FAIL`). */
  FAIL: -196,
  /** Local: a broker connection failed (`_TRANSPORT`); librdkafka reconnects. */
  TRANSPORT: -195,
  /** Local: a broker host name did not resolve (`_RESOLVE`). */
  RESOLVE: -193,
  /**
   * A message was not acknowledged within `message.timeout.ms` (librdkafka's
   * `delivery.timeout.ms`, 300 000 ms by default), librdkafka's own retries included. Not
   * retriable: the broker may have written it (the outcome is unknown), and sending it again
   * is a new message, which idempotence does not deduplicate. Resend only where a duplicate
   * is acceptable or detected downstream.
   */
  MSG_TIMED_OUT: -192,
  /** Local: the consumer reached the end of a partition (`_PARTITION_EOF`, only with `enable.partition.eof`). */
  PARTITION_EOF: -191,
  /** Local: the partition does not exist (`_UNKNOWN_PARTITION`). */
  UNKNOWN_PARTITION: -190,
  /** Local: the topic does not exist (`_UNKNOWN_TOPIC`). */
  UNKNOWN_TOPIC: -188,
  /** Every broker of the cluster is down or unreachable (see {@link BrokersDownError}). */
  ALL_BROKERS_DOWN: -187,
  /** Local: an invalid argument or configuration (`_INVALID_ARG`). */
  INVALID_ARG: -186,
  /** Local: an operation did not finish within its timeout (`_TIMED_OUT`). */
  TIMED_OUT: -185,
  /** Local: the producer queue is full (`_QUEUE_FULL`): wait for room and retry. */
  QUEUE_FULL: -184,
  /** A TLS failure: handshake (certificate verification, protocol) or TLS configuration. */
  SSL: -181,
  /** Local: the operation is not valid in the client's current state (`_STATE`). */
  STATE: -172,
  /** Local: not implemented by this client or build (`_NOT_IMPLEMENTED`). */
  NOT_IMPLEMENTED: -170,
  /** SASL authentication failed (bad credentials, a refused or missing OAUTHBEARER token). */
  AUTHENTICATION: -169,
  /** Local: the broker (or the mock cluster) does not support the request (`_UNSUPPORTED_FEATURE`). */
  UNSUPPORTED_FEATURE: -165,
  /** Local: no such entry (`_NOENT`), e.g. no committed offset. */
  NOENT: -156,
  /** Local: the message was purged from the queue before it was sent (`_PURGE_QUEUE`), e.g. by close(). */
  PURGE_QUEUE: -152,
  /** The application took no message for longer than `max.poll.interval.ms`: the consumer left its group. */
  MAX_POLL_EXCEEDED: -147,
  /** Local: a functionality is not configured (`_NOT_CONFIGURED`), e.g. transactions without `transactional.id`. */
  NOT_CONFIGURED: -145,
  /** Broker: message larger than the configured maximum. */
  MSG_SIZE_TOO_LARGE: 10,
  /** Broker: topic or partition does not exist. */
  UNKNOWN_TOPIC_OR_PART: 3,
  /** Broker: topic already exists. */
  TOPIC_ALREADY_EXISTS: 36,
  /** Broker: SASL authentication failed (librdkafka reports it to clients as `AUTHENTICATION`). */
  SASL_AUTHENTICATION_FAILED: 58,
} as const;

/**
 * The error codes worth retrying: the one table of them. Errors librdkafka creates as
 * `rd_kafka_error_t` (transactions, admin results) carry librdkafka's own verdict; every
 * error built from a bare code (delivery reports, consumer and client errors) takes this
 * table's. Transient conditions only: a connection or request that failed or timed out, a
 * full queue, a leader or coordinator that moved, too few in-sync replicas for now.
 * `_MSG_TIMED_OUT` is not one (see {@link ErrorCode.MSG_TIMED_OUT}).
 */
export const RETRIABLE_CODES: ReadonlySet<number> = new Set<number>([
  ErrorCode.TRANSPORT,
  ErrorCode.TIMED_OUT,
  ErrorCode.QUEUE_FULL,
  ErrorCode.ALL_BROKERS_DOWN,
  6, // NOT_LEADER_OR_FOLLOWER
  5, // LEADER_NOT_AVAILABLE
  7, // REQUEST_TIMED_OUT
  19, // NOT_ENOUGH_REPLICAS
  20, // NOT_ENOUGH_REPLICAS_AFTER_APPEND
  14, // COORDINATOR_LOAD_IN_PROGRESS
  15, // COORDINATOR_NOT_AVAILABLE
  16, // NOT_COORDINATOR
  13, // NETWORK_EXCEPTION
]);

/** True when an error with this code is worth retrying (see {@link RETRIABLE_CODES}). */
export function isRetriableCode(code: number): boolean {
  return RETRIABLE_CODES.has(code);
}

/** The symbolic name of each code in {@link ErrorCode}, as librdkafka prints it. */
const localNames: Record<number, string> = Object.fromEntries(
  Object.entries(ErrorCode).map(([name, code]) => [code, code < 0 ? `_${name}` : name]),
);

/** Fields that describe a Kafka error; all but `message` and `code` are optional. */
export interface KafkaErrorInit {
  /** The error message. */
  message: string;
  /** librdkafka's error code (negative: local errors; positive: Kafka protocol errors). */
  code: number;
  /** librdkafka's symbolic name, e.g. `_TIMED_OUT` or `NOT_LEADER_OR_FOLLOWER`. */
  name?: string;
  /** Whether the operation may succeed if retried. */
  retriable?: boolean;
  /** Whether the client can no longer be used (e.g. a fenced idempotent producer). */
  fatal?: boolean;
  /** Whether the current transaction must be aborted. */
  txnRequiresAbort?: boolean;
  /** The underlying error, if any. */
  cause?: unknown;
  /** A failed send only: whether the message may be in the topic (see {@link KafkaError.persistence}). */
  persistence?: MessagePersistence;
}

/**
 * What a failed send's delivery report says about the message (librdkafka's
 * `rd_kafka_message_status()`): `'not-persisted'`, never written (never sent, or refused by
 * the broker), so sending it again risks order but not a duplicate; `'possibly-persisted'`,
 * sent without an answer (timed out in flight, connection lost) and may be in the topic, so
 * sending it again may store it twice; `'persisted'`, written and acknowledged.
 */
export type MessagePersistence = 'not-persisted' | 'possibly-persisted' | 'persisted';

/** An error from Kafka, librdkafka or octokafka itself. */
export class KafkaError extends Error {
  /** librdkafka's numeric error code (negative: local to the client; positive: from a broker). */
  readonly code: number;
  /** librdkafka's symbolic code name, e.g. `_TIMED_OUT`, `UNKNOWN_TOPIC_OR_PART`. */
  readonly codeName: string;
  /** True when retrying the same operation may succeed. */
  readonly isRetriable: boolean;
  /** True when the client can no longer be used and must be closed. */
  readonly isFatal: boolean;
  /** True when the current transaction must be aborted. */
  readonly txnRequiresAbort: boolean;
  /**
   * Set on the error of a failed send (its delivery report): whether the message may
   * nevertheless be in the topic. `'possibly-persisted'` (e.g. `_MSG_TIMED_OUT` for a message
   * the broker had received) means a resend may store it twice. Undefined on other errors.
   */
  declare readonly persistence?: MessagePersistence;

  constructor(init: KafkaErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = init.code;
    this.codeName = init.name ?? localNames[init.code] ?? `ERR_${init.code}`;
    this.isRetriable = init.retriable ?? false;
    this.isFatal = init.fatal ?? false;
    this.txnRequiresAbort = init.txnRequiresAbort ?? false;
    if (init.persistence !== undefined) (this as { persistence?: MessagePersistence }).persistence = init.persistence;
  }
}

/** Invalid configuration: names the property (or JSON path) and says why. */
export class ConfigError extends KafkaError {
  /** The property or path that is wrong, e.g. `linger.ms` or `kafka.bootstrap.servers`. */
  readonly property: string;
  constructor(property: string, reason: string) {
    super({ message: `invalid configuration ${JSON.stringify(property)}: ${reason}`, code: ErrorCode.INVALID_ARG });
    this.property = property;
  }
}

/**
 * No broker of the cluster answered: as the `error` event librdkafka's "all brokers down"
 * becomes, and as the rejection of a client's `connect()` when its timeout passed first.
 * Names the bootstrap servers that were tried; the message says what the connections last
 * failed with (connection refused, name not resolved, ...). librdkafka keeps trying: the
 * condition ends when a broker answers.
 */
export class BrokersDownError extends KafkaError {
  /** The client's `bootstrap.servers` (secrets redacted). */
  readonly servers: string;
  constructor(servers: string, message: string, cause?: unknown) {
    super({ message, code: ErrorCode.ALL_BROKERS_DOWN, retriable: true, cause });
    this.servers = servers;
  }
}

/** A call on a client that was closed (or is closing). */
export class ClosedError extends KafkaError {
  constructor(what: string) {
    super({ message: `${what} is closed`, code: ErrorCode.STATE });
  }
}

/** Bytes read from Kafka that do not decode (a foreign or broken producer). */
export class DecodeError extends KafkaError {
  constructor(message: string) {
    super({ message, code: ErrorCode.BAD_MSG });
  }
}

/**
 * An event rejected by a topic's validator or serializer: names the metadata field (a dotted
 * path, empty for the whole document) and says what it failed, so a producer can report it.
 */
export class ValidationError extends KafkaError {
  /** Dotted path of the offending metadata field, e.g. `user.id`; empty for the document itself. */
  readonly path: string;
  constructor(path: string, reason: string) {
    super({
      message: path === '' ? `invalid event: ${reason}` : `invalid event field ${JSON.stringify(path)}: ${reason}`,
      code: ErrorCode.INVALID_ARG,
    });
    this.path = path;
  }
}

/**
 * An application handler threw (a consumer's `run()` `eachMessage` / `eachBatch`, a topic
 * consumer's `process()` handler): the run stops and its promise rejects with this error,
 * whose `cause` is exactly what the handler threw (an Error or any other value) and whose
 * message says which handler, on which message, and what it threw.
 */
export class HandlerError extends KafkaError {
  constructor(where: string, thrown: unknown) {
    super({ message: `${where} threw: ${describeThrown(thrown)}`, code: ErrorCode.FAIL, cause: thrown });
  }
}

/** A thrown value in one line: an Error's name and message, or the value itself. */
function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return `${thrown.name}: ${thrown.message}`;
  let text: string;
  try {
    text = typeof thrown === 'string' ? JSON.stringify(thrown) : String(thrown);
  } catch {
    text = Object.prototype.toString.call(thrown);
  }
  return `${typeof thrown} ${text.length > 200 ? `${text.slice(0, 197)}...` : text}`;
}

/** Turns the plain error objects the native addon produces into {@link KafkaError}s. */
export function fromNative(e: KafkaErrorInit): KafkaError {
  return e instanceof KafkaError ? e : new KafkaError(e);
}
