/**
 * KafkaJS's error classes (names, fields and `retriable` as KafkaJS sets them), and the
 * translation of octokafka's {@link KafkaError}s into them, so that existing `catch` blocks
 * (`instanceof KafkaJSProtocolError`, `e.type === 'UNKNOWN_TOPIC_OR_PARTITION'`,
 * `e.retriable`) keep working. The octokafka error is kept as `cause`.
 */
import { BrokersDownError, ConfigError, ErrorCode, KafkaError } from '../util/errors';

/**
 * What a KafkaJS error is built from: a message, an error whose message is taken, or KafkaJS's
 * `{ message, helpUrl }`.
 * @inline
 */
type ErrorInput = string | Error | { message?: string; helpUrl?: string };

function messageOf(e: ErrorInput): string {
  return typeof e === 'string' ? e : (e.message ?? String(e));
}

/**
 * The base class of KafkaJS's errors (all but {@link KafkaJSAggregateError} and
 * {@link KafkaJSFetcherRebalanceError}). Every error octokafka/kafkajs rejects with is one of
 * them, or a programming error (`TypeError`, …) as in KafkaJS; an error from octokafka's raw
 * clients is translated and kept as {@link cause}.
 */
export class KafkaJSError extends Error {
  /** True when the operation may succeed if tried again. */
  retriable: boolean;
  /**
   * A link to KafkaJS's documentation about this error, when the error was created with one
   * (`new KafkaJSError({ message, helpUrl })`). octokafka's own translated errors leave it unset.
   */
  helpUrl?: string;
  /**
   * What this error was translated from: the octokafka error ({@link KafkaError}, carrying
   * librdkafka's error code and name) or, for {@link KafkaJSNumberOfRetriesExceeded}, the failure of
   * the last attempt. Unset when the error did not come from another one.
   */
  override cause?: unknown;
  /**
   * @param e - the message, or an error or `{ message, helpUrl }` to take it from.
   * @param options - `retriable` (default true) and `cause`.
   */
  constructor(e: ErrorInput, { retriable = true, cause }: { retriable?: boolean; cause?: unknown } = {}) {
    super(messageOf(e), cause === undefined ? undefined : { cause });
    this.name = 'KafkaJSError';
    this.retriable = retriable;
    if (typeof e === 'object' && e !== null && 'helpUrl' in e) this.helpUrl = e.helpUrl;
    this.cause = cause;
  }
}

/**
 * An error that retrying does not cure (`retriable` is false): invalid arguments, configuration
 * octokafka cannot honour (the message names the option), octokafka's `ConfigError`s. A consumer
 * crashes on it without restarting.
 */
export class KafkaJSNonRetriableError extends KafkaJSError {
  constructor(e: ErrorInput, { cause }: { cause?: unknown } = {}) {
    super(e, { retriable: false, cause });
    this.name = 'KafkaJSNonRetriableError';
  }
}

/**
 * A Kafka protocol error: a broker's error code, or librdkafka's unknown-topic/partition
 * errors as `UNKNOWN_TOPIC_OR_PARTITION`. `type` is the Kafka error name, `code` its number and
 * `retriable` as KafkaJS classifies the code.
 */
export class KafkaJSProtocolError extends KafkaJSError {
  /**
   * Kafka's name of the error code (e.g. `UNKNOWN_TOPIC_OR_PARTITION`, `NOT_LEADER_FOR_PARTITION`),
   * as KafkaJS spells it; for a code KafkaJS does not know, librdkafka's name of it, else
   * `UNKNOWN`.
   */
  type: string;
  /** Kafka's protocol error code (e.g. 3 for `UNKNOWN_TOPIC_OR_PARTITION`); -1 when unknown. */
  code: number;
  constructor(e: ErrorInput | { message: string; type: string; code: number; retriable: boolean }, options: { retriable?: boolean; cause?: unknown } = {}) {
    const info = typeof e === 'object' && e !== null && 'type' in e ? e : undefined;
    super(e as ErrorInput, { retriable: options.retriable ?? info?.retriable ?? false, cause: options.cause });
    this.type = info?.type ?? 'UNKNOWN';
    this.code = info?.code ?? -1;
    this.name = 'KafkaJSProtocolError';
  }
}

/**
 * KafkaJS's error for a fetch from an offset outside the partition's log. Exported for
 * `instanceof` checks; octokafka does not throw it: librdkafka applies `auto.offset.reset`
 * (from `fromBeginning`) when an offset is out of range.
 */
export class KafkaJSOffsetOutOfRange extends KafkaJSProtocolError {
  /** The topic of the partition fetched from. */
  topic: string;
  /** The partition fetched from. */
  partition: number;
  constructor(e: ErrorInput, { topic, partition }: { topic: string; partition: number }) {
    super(e);
    this.topic = topic;
    this.partition = partition;
    this.name = 'KafkaJSOffsetOutOfRange';
  }
}

/**
 * KafkaJS's error for a group join the coordinator answered with `MEMBER_ID_REQUIRED`.
 * Exported for `instanceof` checks; librdkafka handles that answer itself, so octokafka does
 * not throw it.
 */
export class KafkaJSMemberIdRequired extends KafkaJSProtocolError {
  /** The member id the group coordinator assigned, to rejoin with. */
  memberId: string;
  constructor(e: ErrorInput, { memberId }: { memberId: string }) {
    super(e);
    this.memberId = memberId;
    this.name = 'KafkaJSMemberIdRequired';
  }
}

/**
 * An operation failed on every attempt its retry policy allowed; `cause` is the last failure.
 * A producer send rejects with it when librdkafka's own retries (`message.send.max.retries`)
 * ended in a retriable error; a consumer crashes with it when a handler kept failing.
 */
export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  /** How many retries were made before giving up. */
  retryCount: number;
  /**
   * The last retry delay in milliseconds. Always 0 for a producer send: librdkafka retries the
   * produce requests itself and does not report it.
   */
  retryTime: number;
  constructor(e: Error, { retryCount, retryTime }: { retryCount: number; retryTime: number }) {
    super(e, { cause: e });
    this.stack = `${this.name}\n  Caused by: ${e.stack ?? e.message}`;
    this.retryCount = retryCount;
    this.retryTime = retryTime;
    this.name = 'KafkaJSNumberOfRetriesExceeded';
  }
}

/**
 * No connection to a broker: refused, unresolvable (librdkafka's `_TRANSPORT`, `_RESOLVE`),
 * TLS failure (`_SSL`), or every broker down (octokafka's `BrokersDownError`).
 */
export class KafkaJSConnectionError extends KafkaJSError {
  /** The broker (`host:port`) or, when every broker is down, the bootstrap server list. */
  broker?: string;
  /**
   * The underlying failure's code: librdkafka's error name (`_TRANSPORT`, `_RESOLVE`, `_SSL`)
   * for a translated error; unset when every broker is down. KafkaJS puts a Node.js socket
   * error code (e.g. `ECONNREFUSED`) here.
   */
  code?: string;
  constructor(e: ErrorInput, { broker, code, cause }: { broker?: string; code?: string; cause?: unknown } = {}) {
    super(e, { cause });
    this.broker = broker;
    this.code = code;
    this.name = 'KafkaJSConnectionError';
  }
}

/**
 * KafkaJS's error for a connection the broker closed. Exported for `instanceof` checks;
 * librdkafka reconnects by itself, so octokafka reports lost connections as
 * {@link KafkaJSConnectionError} (or not at all when the reconnection succeeds).
 */
export class KafkaJSConnectionClosedError extends KafkaJSConnectionError {
  /** The broker's host name. */
  host?: string;
  /** The broker's port. */
  port?: number;
  constructor(e: ErrorInput, { host, port }: { host?: string; port?: number } = {}) {
    super(e, { broker: `${host}:${port}` });
    this.host = host;
    this.port = port;
    this.name = 'KafkaJSConnectionClosedError';
  }
}

/**
 * A request got no answer in time (librdkafka's `_TIMED_OUT`, retriable), or a message was not
 * delivered within `message.timeout.ms` (`_MSG_TIMED_OUT`, not retriable).
 */
export class KafkaJSRequestTimeoutError extends KafkaJSError {
  /**
   * The broker the request went to (`host:port`); unset for a translated librdkafka timeout,
   * which does not name one.
   */
  broker?: string;
  /** The request's correlation id (KafkaJS); unset in octokafka, which does not see librdkafka's requests. */
  correlationId?: number;
  /** When the request was queued (ms since the epoch, KafkaJS); unset in octokafka. */
  createdAt?: number;
  /** When the request was written to the socket (ms since the epoch, KafkaJS); unset in octokafka. */
  sentAt?: number;
  /** How long the request waited before being sent, in milliseconds (KafkaJS); unset in octokafka. */
  pendingDuration?: number;
  constructor(e: ErrorInput, meta: { broker?: string; correlationId?: number; createdAt?: number; sentAt?: number; pendingDuration?: number; cause?: unknown; retriable?: boolean } = {}) {
    super(e, { cause: meta.cause, retriable: meta.retriable ?? true });
    Object.assign(this, { broker: meta.broker, correlationId: meta.correlationId, createdAt: meta.createdAt, sentAt: meta.sentAt, pendingDuration: meta.pendingDuration });
    this.name = 'KafkaJSRequestTimeoutError';
  }
}

function named<B extends new (...args: any[]) => KafkaJSError>(Base: B, name: string): B {
  const C = class extends Base {
    constructor(...args: any[]) {
      super(...args);
      this.name = name;
    }
  };
  Object.defineProperty(C, 'name', { value: name });
  return C;
}

/**
 * KafkaJS's error for an operation needing cluster metadata that was not fetched yet. Exported
 * for `instanceof` checks; octokafka does not throw it (librdkafka fetches metadata as needed).
 */
export class KafkaJSMetadataNotLoaded extends named(KafkaJSError, 'KafkaJSMetadataNotLoaded') {}
/**
 * KafkaJS's error for a topic whose metadata was not fetched yet. Exported for `instanceof`
 * checks; octokafka does not throw it.
 */
export class KafkaJSTopicMetadataNotLoaded extends KafkaJSMetadataNotLoaded {
  /** The topic without metadata. */
  topic: string;
  constructor(e: ErrorInput, { topic }: { topic: string }) {
    super(e);
    this.topic = topic;
    this.name = 'KafkaJSTopicMetadataNotLoaded';
  }
}
/**
 * KafkaJS's error for an assignment naming partitions its topic metadata does not have.
 * Exported for `instanceof` checks; octokafka does not throw it (librdkafka assigns).
 */
export class KafkaJSStaleTopicMetadataAssignment extends KafkaJSError {
  /** The topic with the unknown partitions. */
  topic: string;
  /** The assigned partitions missing from the topic's metadata. */
  unknownPartitions: number[];
  constructor(e: ErrorInput, { topic, unknownPartitions }: { topic: string; unknownPartitions: number[] }) {
    super(e);
    this.topic = topic;
    this.unknownPartitions = unknownPartitions;
    this.name = 'KafkaJSStaleTopicMetadataAssignment';
  }
}
/**
 * Rejection of `admin.deleteGroups()` when any group could not be deleted: `groups` lists the
 * failures.
 */
export class KafkaJSDeleteGroupsError extends KafkaJSError {
  /** One entry per group that was not deleted. */
  groups: Array<{
    /** The group's id. */
    groupId: string;
    /** librdkafka's error code: Kafka's protocol code for a broker refusal (e.g. 68, `NON_EMPTY_GROUP`). */
    errorCode: number;
    /** The failure as a KafkaJS error (a {@link KafkaJSProtocolError} for a broker refusal). */
    error: KafkaJSError;
  }>;
  constructor(e: ErrorInput, groups: Array<{ groupId: string; errorCode: number; error: KafkaJSError }> = []) {
    super(e);
    this.groups = groups;
    this.name = 'KafkaJSDeleteGroupsError';
  }
}
/**
 * The cluster does not implement a request the operation needs (librdkafka's
 * `UNSUPPORTED_FEATURE`), e.g. DescribeConfigs, the group or ACL admin requests on the
 * embedded mock cluster.
 */
export class KafkaJSServerDoesNotSupportApiKey extends named(KafkaJSNonRetriableError, 'KafkaJSServerDoesNotSupportApiKey') {}
/**
 * KafkaJS's error for a broker id missing from the cluster metadata. Exported for `instanceof`
 * checks; octokafka does not throw it.
 */
export class KafkaJSBrokerNotFound extends named(KafkaJSError, 'KafkaJSBrokerNotFound') {}
/**
 * KafkaJS's error for a truncated message in a fetch response. Exported for `instanceof`
 * checks; octokafka does not throw it (librdkafka decodes fetch responses).
 */
export class KafkaJSPartialMessageError extends named(KafkaJSNonRetriableError, 'KafkaJSPartialMessageError') {}
/** SASL authentication failed (wrong credentials, refused token): librdkafka's `_AUTHENTICATION` or the broker's `SASL_AUTHENTICATION_FAILED`. */
export class KafkaJSSASLAuthenticationError extends named(KafkaJSNonRetriableError, 'KafkaJSSASLAuthenticationError') {}
/**
 * KafkaJS's error when no group coordinator could be found. Exported for `instanceof` checks;
 * octokafka does not throw it (librdkafka looks the coordinator up and retries).
 */
export class KafkaJSGroupCoordinatorNotFound extends named(KafkaJSNonRetriableError, 'KafkaJSGroupCoordinatorNotFound') {}
/**
 * A KafkaJS feature octokafka/kafkajs does not implement (e.g. explicit partition assignments
 * in `createPartitions`, `alterPartitionReassignments`): the message names it. Also
 * librdkafka's `_NOT_IMPLEMENTED`.
 */
export class KafkaJSNotImplemented extends named(KafkaJSNonRetriableError, 'KafkaJSNotImplemented') {}
/**
 * KafkaJS's error for an internal operation that timed out. Exported for `instanceof`
 * checks; octokafka reports timeouts as {@link KafkaJSRequestTimeoutError}.
 */
export class KafkaJSTimeout extends named(KafkaJSNonRetriableError, 'KafkaJSTimeout') {}
/**
 * KafkaJS's error for an internal lock not acquired in time. Exported for `instanceof`
 * checks; octokafka does not throw it.
 */
export class KafkaJSLockTimeout extends named(KafkaJSTimeout, 'KafkaJSLockTimeout') {}
/**
 * KafkaJS's error for a record batch in a message format it cannot decode. Exported for
 * `instanceof` checks; octokafka does not throw it (librdkafka decodes every format).
 */
export class KafkaJSUnsupportedMagicByteInMessageSet extends named(KafkaJSNonRetriableError, 'KafkaJSUnsupportedMagicByteInMessageSet') {}
/**
 * Rejection of `admin.deleteTopicRecords()` when records of any partition could not be
 * deleted. It is retriable when every failed partition's error is.
 */
export class KafkaJSDeleteTopicRecordsError extends KafkaJSError {
  /** Every partition of the request, failed or not. */
  partitions: Array<{
    /** The partition. */
    partition: number;
    /** The offset asked for: records before it were to be deleted (`'-1'`: all of them). */
    offset: string;
    /** Why this partition's records were not deleted; unset for the partitions that succeeded. */
    error?: KafkaJSError;
  }>;
  constructor({ partitions }: { partitions: Array<{ partition: number; offset: string; error?: KafkaJSError }> }) {
    const retriable = partitions.filter((p) => p.error != null).every((p) => p.error!.retriable);
    super('Error while deleting records', { retriable });
    this.name = 'KafkaJSDeleteTopicRecordsError';
    this.partitions = partitions;
  }
}
/**
 * KafkaJS's error for an internal consistency check that failed (a bug). Exported for
 * `instanceof` checks; octokafka does not throw it.
 */
export class KafkaJSInvariantViolation extends KafkaJSNonRetriableError {
  constructor(e: ErrorInput) {
    super(`Invariant violated: ${messageOf(e)}. This is likely a bug and should be reported.`);
    this.name = 'KafkaJSInvariantViolation';
  }
}
/**
 * KafkaJS's decoder error for a malformed variable-length integer. Its `name` is
 * `KafkaJSNonRetriableError`, as in KafkaJS. Exported for `instanceof` checks; octokafka does
 * not throw it.
 */
export class KafkaJSInvalidVarIntError extends named(KafkaJSNonRetriableError, 'KafkaJSNonRetriableError') {}
/**
 * KafkaJS's decoder error for a malformed 64-bit integer. Its `name` is
 * `KafkaJSNonRetriableError`, as in KafkaJS. Exported for `instanceof` checks; octokafka does
 * not throw it.
 */
export class KafkaJSInvalidLongError extends named(KafkaJSNonRetriableError, 'KafkaJSNonRetriableError') {}
/**
 * Rejection of `admin.createTopics()` when the broker refuses a topic (e.g.
 * `INVALID_REPLICATION_FACTOR`); `type` and `code` are the refusal's, of the first topic that
 * failed.
 */
export class KafkaJSCreateTopicError extends KafkaJSProtocolError {
  /** The topic that could not be created. */
  topic: string;
  constructor(e: ConstructorParameters<typeof KafkaJSProtocolError>[0], topicName: string) {
    super(e);
    this.topic = topicName;
    this.name = 'KafkaJSCreateTopicError';
  }
}
/**
 * KafkaJS's error for a refused partition reassignment. Exported for `instanceof` checks;
 * octokafka does not throw it: `alterPartitionReassignments` rejects with
 * {@link KafkaJSNotImplemented} (librdkafka has no such request).
 */
export class KafkaJSAlterPartitionReassignmentsError extends KafkaJSProtocolError {
  /** The topic of the partition that could not be reassigned. */
  topic?: string;
  /** The partition that could not be reassigned. */
  partition?: number;
  constructor(e: ErrorInput, topicName?: string, partition?: number) {
    super(e);
    this.topic = topicName;
    this.partition = partition;
    this.name = 'KafkaJSAlterPartitionReassignmentsError';
  }
}
/**
 * KafkaJS's error grouping several failures. Not a {@link KafkaJSError} (it has no
 * `retriable`), as in KafkaJS. Exported for `instanceof` checks; octokafka does not throw it.
 */
export class KafkaJSAggregateError extends Error {
  /** The grouped failures. */
  errors: (Error | string)[];
  constructor(message: Error | string, errors: (Error | string)[]) {
    super(messageOf(message));
    this.errors = errors;
    this.name = 'KafkaJSAggregateError';
  }
}
/**
 * KafkaJS's internal signal that a fetch was interrupted by a rebalance. Exported for
 * `instanceof` checks; octokafka does not throw it.
 */
export class KafkaJSFetcherRebalanceError extends Error {}
/**
 * KafkaJS's error when no broker is known to send a request to. Exported for `instanceof`
 * checks; octokafka reports unreachable clusters as {@link KafkaJSConnectionError}.
 */
export class KafkaJSNoBrokerAvailableError extends KafkaJSError {
  constructor() {
    super('No broker available');
    this.name = 'KafkaJSNoBrokerAvailableError';
  }
}

/** True for an error KafkaJS treats as "the group is rebalancing". */
export const isRebalancing = (e: { type?: string }): boolean =>
  e.type === 'REBALANCE_IN_PROGRESS' || e.type === 'NOT_COORDINATOR_FOR_GROUP' || e.type === 'ILLEGAL_GENERATION';
export const isKafkaJSError = (e: unknown): e is KafkaJSError => e instanceof KafkaJSError;

/**
 * Kafka protocol error codes: [KafkaJS type, retriable] (names and retriability as in
 * Kafka's protocol documentation, the names KafkaJS uses).
 */
const PROTOCOL: Record<number, [string, boolean]> = {
  [-1]: ['UNKNOWN', false],
  1: ['OFFSET_OUT_OF_RANGE', false],
  2: ['CORRUPT_MESSAGE', true],
  3: ['UNKNOWN_TOPIC_OR_PARTITION', true],
  4: ['INVALID_FETCH_SIZE', false],
  5: ['LEADER_NOT_AVAILABLE', true],
  6: ['NOT_LEADER_FOR_PARTITION', true],
  7: ['REQUEST_TIMED_OUT', true],
  8: ['BROKER_NOT_AVAILABLE', false],
  9: ['REPLICA_NOT_AVAILABLE', true],
  10: ['MESSAGE_TOO_LARGE', false],
  11: ['STALE_CONTROLLER_EPOCH', false],
  12: ['OFFSET_METADATA_TOO_LARGE', false],
  13: ['NETWORK_EXCEPTION', true],
  14: ['GROUP_LOAD_IN_PROGRESS', true],
  15: ['GROUP_COORDINATOR_NOT_AVAILABLE', true],
  16: ['NOT_COORDINATOR_FOR_GROUP', true],
  17: ['INVALID_TOPIC_EXCEPTION', false],
  18: ['RECORD_LIST_TOO_LARGE', false],
  19: ['NOT_ENOUGH_REPLICAS', true],
  20: ['NOT_ENOUGH_REPLICAS_AFTER_APPEND', true],
  21: ['INVALID_REQUIRED_ACKS', false],
  22: ['ILLEGAL_GENERATION', false],
  23: ['INCONSISTENT_GROUP_PROTOCOL', false],
  24: ['INVALID_GROUP_ID', false],
  25: ['UNKNOWN_MEMBER_ID', false],
  26: ['INVALID_SESSION_TIMEOUT', false],
  27: ['REBALANCE_IN_PROGRESS', false],
  28: ['INVALID_COMMIT_OFFSET_SIZE', false],
  29: ['TOPIC_AUTHORIZATION_FAILED', false],
  30: ['GROUP_AUTHORIZATION_FAILED', false],
  31: ['CLUSTER_AUTHORIZATION_FAILED', false],
  32: ['INVALID_TIMESTAMP', false],
  33: ['UNSUPPORTED_SASL_MECHANISM', false],
  34: ['ILLEGAL_SASL_STATE', false],
  35: ['UNSUPPORTED_VERSION', false],
  36: ['TOPIC_ALREADY_EXISTS', false],
  37: ['INVALID_PARTITIONS', false],
  38: ['INVALID_REPLICATION_FACTOR', false],
  39: ['INVALID_REPLICA_ASSIGNMENT', false],
  40: ['INVALID_CONFIG', false],
  41: ['NOT_CONTROLLER', true],
  42: ['INVALID_REQUEST', false],
  43: ['UNSUPPORTED_FOR_MESSAGE_FORMAT', false],
  44: ['POLICY_VIOLATION', false],
  45: ['OUT_OF_ORDER_SEQUENCE_NUMBER', false],
  46: ['DUPLICATE_SEQUENCE_NUMBER', false],
  47: ['INVALID_PRODUCER_EPOCH', false],
  48: ['INVALID_TXN_STATE', false],
  49: ['INVALID_PRODUCER_ID_MAPPING', false],
  50: ['INVALID_TRANSACTION_TIMEOUT', false],
  51: ['CONCURRENT_TRANSACTIONS', true],
  52: ['TRANSACTION_COORDINATOR_FENCED', false],
  53: ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', false],
  54: ['SECURITY_DISABLED', false],
  55: ['OPERATION_NOT_ATTEMPTED', false],
  56: ['KAFKA_STORAGE_ERROR', true],
  57: ['LOG_DIR_NOT_FOUND', false],
  58: ['SASL_AUTHENTICATION_FAILED', false],
  59: ['UNKNOWN_PRODUCER_ID', false],
  60: ['REASSIGNMENT_IN_PROGRESS', false],
  61: ['DELEGATION_TOKEN_AUTH_DISABLED', false],
  62: ['DELEGATION_TOKEN_NOT_FOUND', false],
  63: ['DELEGATION_TOKEN_OWNER_MISMATCH', false],
  64: ['DELEGATION_TOKEN_REQUEST_NOT_ALLOWED', false],
  65: ['DELEGATION_TOKEN_AUTHORIZATION_FAILED', false],
  66: ['DELEGATION_TOKEN_EXPIRED', false],
  67: ['INVALID_PRINCIPAL_TYPE', false],
  68: ['NON_EMPTY_GROUP', false],
  69: ['GROUP_ID_NOT_FOUND', false],
  70: ['FETCH_SESSION_ID_NOT_FOUND', true],
  71: ['INVALID_FETCH_SESSION_EPOCH', true],
  72: ['LISTENER_NOT_FOUND', true],
  73: ['TOPIC_DELETION_DISABLED', false],
  74: ['FENCED_LEADER_EPOCH', true],
  75: ['UNKNOWN_LEADER_EPOCH', true],
  76: ['UNSUPPORTED_COMPRESSION_TYPE', false],
  77: ['STALE_BROKER_EPOCH', false],
  78: ['OFFSET_NOT_AVAILABLE', true],
  79: ['MEMBER_ID_REQUIRED', false],
  80: ['PREFERRED_LEADER_NOT_AVAILABLE', true],
  81: ['GROUP_MAX_SIZE_REACHED', false],
  82: ['FENCED_INSTANCE_ID', false],
  83: ['ELIGIBLE_LEADERS_NOT_AVAILABLE', true],
  84: ['ELECTION_NOT_NEEDED', true],
  85: ['NO_REASSIGNMENT_IN_PROGRESS', false],
  86: ['GROUP_SUBSCRIBED_TO_TOPIC', false],
  87: ['INVALID_RECORD', false],
  88: ['UNSTABLE_OFFSET_COMMIT', true],
};

/** The Kafka protocol error for `code` as KafkaJS describes it (`type`, `retriable`). */
export function protocolError(code: number, message?: string, cause?: unknown): KafkaJSProtocolError {
  const [type, retriable] = PROTOCOL[code] ?? [cause instanceof KafkaError ? cause.codeName : 'UNKNOWN', false];
  return new KafkaJSProtocolError({ message: message ?? type, type, code, retriable }, { cause });
}

/**
 * The KafkaJS error for an error from octokafka (or anything thrown): broker errors become
 * {@link KafkaJSProtocolError} with KafkaJS's `type`; connection, authentication and timeout
 * failures their KafkaJS classes; configuration and argument errors non-retriable. The
 * original error is `cause`. KafkaJS errors pass through unchanged.
 */
export function toKafkaJSError(e: unknown): Error {
  if (e instanceof KafkaJSError || e instanceof KafkaJSAggregateError) return e;
  if (!(e instanceof KafkaError)) {
    if (e instanceof TypeError) return new KafkaJSNonRetriableError(e, { cause: e });
    return e instanceof Error ? e : new KafkaJSError(String(e), { cause: e, retriable: false });
  }
  const message = e.message;
  if (e instanceof ConfigError) return new KafkaJSNonRetriableError(message, { cause: e });
  if (e instanceof BrokersDownError) return new KafkaJSConnectionError(message, { broker: e.servers, cause: e });
  switch (e.code) {
    case ErrorCode.TRANSPORT:
    case ErrorCode.RESOLVE:
    case ErrorCode.SSL:
      return new KafkaJSConnectionError(message, { cause: e, code: e.codeName });
    case ErrorCode.AUTHENTICATION:
    case ErrorCode.SASL_AUTHENTICATION_FAILED:
      return new KafkaJSSASLAuthenticationError(message, { cause: e });
    case ErrorCode.TIMED_OUT:
      return new KafkaJSRequestTimeoutError(message, { cause: e });
    case ErrorCode.MSG_TIMED_OUT:
      return new KafkaJSRequestTimeoutError(message, { cause: e, retriable: false });
    case ErrorCode.UNKNOWN_TOPIC:
    case ErrorCode.UNKNOWN_PARTITION:
      return protocolError(3, message, e);
    case ErrorCode.NOT_IMPLEMENTED:
      return new KafkaJSNotImplemented(message, { cause: e });
    case ErrorCode.UNSUPPORTED_FEATURE:
      return new KafkaJSServerDoesNotSupportApiKey(message, { cause: e });
  }
  if (e.code > 0 || e.code === -1) return protocolError(e.code, message, e);
  const out = new KafkaJSError(message, { retriable: e.isRetriable, cause: e });
  return out;
}

/** Runs `fn`, rethrowing what it throws as a KafkaJS error ({@link toKafkaJSError}). */
export async function kafkajsErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toKafkaJSError(e);
  }
}
