/**
 * The public types of `octokafka/kafkajs`: KafkaJS 2.2's type declarations, declared here so
 * that code written against `kafkajs`'s types compiles unchanged against this module.
 */
import type { ConnectionOptions } from 'node:tls';

import type {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  CompressionTypes,
  ConfigResourceTypes,
  ConfigSource,
  logLevel,
  ResourcePatternTypes,
} from './enums';

/** The union of an object type's property types (e.g. every event name of {@link ProducerEvents}). */
export type ValueOf<T> = T[keyof T];

/** Returns the broker list (`host:port` strings), possibly asynchronously. */
export type BrokersFunction = () => string[] | Promise<string[]>;

/** The `oauthBearerProvider` result: the token (a JWT or opaque string). */
export interface OauthbearerProviderResponse {
  /**
   * The token. librdkafka needs its lifetime and principal: they are read from a JWT's `exp`
   * and `sub` claims; a token that is not a JWT lives 15 minutes, with the principal `kafkajs`.
   */
  value: string;
}

/** The options of each built-in SASL mechanism, by `mechanism` name. */
export type SASLMechanismOptionsMap = {
  /** SASL/PLAIN (librdkafka's `sasl.mechanisms=PLAIN`); send it over TLS (`ssl`), as the password travels in clear. */
  plain: {
    /** `sasl.username`. */
    username: string;
    /** `sasl.password`. */
    password: string;
  };
  /** SASL/SCRAM-SHA-256 (librdkafka's `sasl.mechanisms=SCRAM-SHA-256`). */
  'scram-sha-256': {
    /** `sasl.username`. */
    username: string;
    /** `sasl.password`. */
    password: string;
  };
  /** SASL/SCRAM-SHA-512 (librdkafka's `sasl.mechanisms=SCRAM-SHA-512`). */
  'scram-sha-512': {
    /** `sasl.username`. */
    username: string;
    /** `sasl.password`. */
    password: string;
  };
  /**
   * Amazon MSK IAM. KafkaJS's `aws` is the older `AWS` SASL mechanism; octokafka maps it onto
   * MSK IAM's OAUTHBEARER tokens signed with these credentials. The region comes from
   * `AWS_REGION` / `AWS_DEFAULT_REGION` or the MSK broker host names (`new Kafka` throws
   * without one). Needs the optional AWS packages listed in the README.
   */
  aws: {
    /** KafkaJS's authorization identity (the IAM user or role ARN); not needed by MSK IAM and not used. */
    authorizationIdentity: string;
    /** The AWS access key id that signs the tokens. */
    accessKeyId: string;
    /** The AWS secret access key. */
    secretAccessKey: string;
    /** The session token of temporary credentials. */
    sessionToken?: string;
  };
  /** SASL/OAUTHBEARER with tokens from `oauthBearerProvider`. */
  oauthbearer: {
    /**
     * Returns a fresh token. octokafka calls it ahead of the current token's expiry (KafkaJS
     * calls it on each re-authentication).
     */
    oauthBearerProvider: () => Promise<OauthbearerProviderResponse>;
  };
};
/** The built-in SASL mechanism names (lower case, as KafkaJS's). */
export type SASLMechanism = keyof SASLMechanismOptionsMap;
/** `{ mechanism: T }` with mechanism T's options (a union over the mechanisms); not exported, as in KafkaJS. */
type SASLMechanismOptions<T> = T extends SASLMechanism ? { mechanism: T } & SASLMechanismOptionsMap[T] : never;
/**
 * `sasl`: `{ mechanism, ...options }` for one of the built-in mechanisms, with the options
 * {@link SASLMechanismOptionsMap} lists for it. SASL runs over TLS (`sasl_ssl`) when `ssl` is
 * set, in clear (`sasl_plaintext`) otherwise.
 */
export type SASLOptions = SASLMechanismOptions<SASLMechanism>;

/** A custom SASL mechanism (KafkaJS's pluggable authentication): not supported, see the migration guide. */
export type Mechanism = {
  /** The mechanism's name. */
  mechanism: string;
  /** KafkaJS's authenticator factory. octokafka rejects it (`new Kafka` throws): librdkafka implements SASL itself. */
  authenticationProvider: (args: unknown) => {
    /** Runs the SASL exchange. */
    authenticate: () => Promise<void>;
  };
};

/**
 * KafkaJS's retry policy: randomized exponential backoff. librdkafka retries requests itself,
 * so the fields map as follows: `initialRetryTime` / `maxRetryTime` (client level) set
 * librdkafka's `retry.backoff.ms` / `retry.backoff.max.ms`; `retries` the producer's
 * `message.send.max.retries` and the consumer's handler retries; `factor`, `multiplier` and
 * `restartOnFailure` drive the consumer's handler retries and restarts as in KafkaJS.
 */
export interface RetryOptions {
  /** The longest wait between two retries, in milliseconds (default 30000). */
  maxRetryTime?: number;
  /** The wait before the first retry, in milliseconds (default 300); later waits grow by `multiplier`. */
  initialRetryTime?: number;
  /** Randomization of each wait: ± this fraction of it (default 0.2). */
  factor?: number;
  /** How much each wait grows over the previous one (default 2). */
  multiplier?: number;
  /** How many times to retry before giving up with {@link KafkaJSNumberOfRetriesExceeded} (default 5). */
  retries?: number;
  /**
   * Called when a consumer crashed with a retriable error after its retries: resolve false to
   * keep it stopped (default: restart). A rejection counts as true.
   */
  restartOnFailure?: (e: Error) => Promise<boolean>;
}

/** `new Kafka(config)`. */
export interface KafkaConfig {
  /** The bootstrap brokers (`host:port`) or a function returning them, called at each `connect()`; `bootstrap.servers`. */
  brokers: string[] | BrokersFunction;
  /**
   * TLS: `true`, or `tls.connect` options of which `ca`, `cert`, `key` (PEM strings or
   * Buffers), `passphrase`, `rejectUnauthorized` and `servername` are mapped onto librdkafka's
   * `ssl.*` properties. Other options are ignored with a warning; `checkServerIdentity` is not
   * called (librdkafka checks host names itself).
   */
  ssl?: ConnectionOptions | boolean;
  /** SASL authentication ({@link SASLOptions}); a custom mechanism ({@link Mechanism}) is an error. */
  sasl?: SASLOptions | Mechanism;
  /** `client.id`, sent to the brokers with each request (default `kafkajs`, as KafkaJS). */
  clientId?: string;
  /**
   * Time to open a connection, in milliseconds: librdkafka's `socket.connection.setup.timeout.ms`
   * (at least 1000). `connect()` waits at least 10 s for the cluster.
   */
  connectionTimeout?: number;
  /** Ignored with a warning: librdkafka bounds authentication by the connection set-up timeout. */
  authenticationTimeout?: number;
  /** Ignored with a warning: librdkafka re-authenticates per the broker's `connections.max.reauth.ms`. */
  reauthenticationThreshold?: number;
  /** Time a request may take, in milliseconds (default 30000): librdkafka's `socket.timeout.ms`. */
  requestTimeout?: number;
  /** Ignored with a warning: librdkafka always enforces its request timeout. */
  enforceRequestTimeout?: boolean;
  /** The default retry policy of the clients ({@link RetryOptions} says how it maps onto librdkafka). */
  retry?: RetryOptions;
  /** Ignored with a warning: librdkafka opens its own sockets. */
  socketFactory?: unknown;
  /** The log level (default INFO; the `KAFKAJS_LOG_LEVEL` environment variable overrides it). */
  logLevel?: logLevel;
  /** Where log entries go (default: one JSON line per entry on the console). librdkafka's own lines come under the namespace `librdkafka`. */
  logCreator?: logCreator;
}

/** The content of a log entry: `timestamp`, `message`, `logger: 'kafkajs'` and the entry's extra fields. */
export interface LoggerEntryContent {
  /** When the entry was logged (ISO 8601). */
  readonly timestamp: string;
  /** The message, without the namespace. */
  readonly message: string;
  [key: string]: any;
}
/** What a {@link logCreator}'s function receives for each entry. */
export interface LogEntry {
  /** The logging component (e.g. `Consumer`, `Producer`, `librdkafka`); empty for the root logger. */
  namespace: string;
  /** The entry's level. */
  level: logLevel;
  /** The level's name: `ERROR`, `WARN`, `INFO` or `DEBUG`. */
  label: string;
  /** The entry's content. */
  log: LoggerEntryContent;
}
/** `logCreator`: called once with the configured level; returns the function that receives every entry at or below it. */
export type logCreator = (logLevel: logLevel) => (entry: LogEntry) => void;
/** A KafkaJS logger, as `kafka.logger()` and each client's `logger()` return it. */
export type Logger = {
  /** Logs at INFO; `extra`'s fields are added to the entry. */
  info: (message: string, extra?: object) => void;
  /** Logs at ERROR. */
  error: (message: string, extra?: object) => void;
  /** Logs at WARN. */
  warn: (message: string, extra?: object) => void;
  /** Logs at DEBUG. */
  debug: (message: string, extra?: object) => void;
  /** A logger for a component: its entries carry `namespace`, and `logLevel` (when given) overrides the level for them. */
  namespace: (namespace: string, logLevel?: logLevel) => Logger;
  /** Changes the level of every logger of the `Kafka` instance (namespaces given their own level excepted). */
  setLogLevel: (logLevel: logLevel) => void;
};

/**
 * Message headers: name → value. Values to send may be strings or Buffers, and an array for a
 * repeated header; consumed values are Buffers (an array for a repeated name, an empty Buffer
 * for a header without value).
 */
export interface IHeaders {
  [key: string]: Buffer | string | (Buffer | string)[] | undefined;
}

/** A message to send. */
export interface Message {
  /** The key: it decides the partition (see {@link Partitioners}) and identifies the record for log compaction. */
  key?: Buffer | string | null;
  /** The payload; null is a tombstone (it deletes the key from a compacted topic). */
  value: Buffer | string | null;
  /** The partition to write to, overriding the partitioner. */
  partition?: number;
  /** Headers sent with the message. */
  headers?: IHeaders;
  /** The message's timestamp (milliseconds since the epoch, as a string); default: the time of sending. */
  timestamp?: string;
}

/** A partition in topic metadata, as KafkaJS gives it to partitioners and `fetchTopicMetadata`. */
export type PartitionMetadata = {
  /** Kafka's error code for the partition in the metadata (0: none). */
  partitionErrorCode: number;
  /** The partition. */
  partitionId: number;
  /** The leader's broker id; -1 while the partition has none. */
  leader: number;
  /** The broker ids of all replicas. */
  replicas: number[];
  /** The broker ids of the in-sync replicas. */
  isr: number[];
  /** The broker ids of replicas that are offline. */
  offlineReplicas?: number[];
};
/** What a partitioner is called with, for each message. */
export interface PartitionerArgs {
  /** The message's topic. */
  topic: string;
  /** The topic's partitions, from a metadata request cached for the producer's `metadataMaxAge`. */
  partitionMetadata: PartitionMetadata[];
  /** The message to place. */
  message: Message;
}
/** `createPartitioner`: called once per producer; returns the function that picks each message's partition. */
export type ICustomPartitioner = () => (args: PartitionerArgs) => number;
/** The type of `Partitioners.DefaultPartitioner` (Java-compatible murmur2). */
export type DefaultPartitioner = ICustomPartitioner;
/** The type of `Partitioners.LegacyPartitioner` (KafkaJS 1's hash). */
export type LegacyPartitioner = ICustomPartitioner;

/** `kafka.producer(config)`. */
export interface ProducerConfig {
  /**
   * The partitioner (default `Partitioners.DefaultPartitioner`). It runs in JavaScript with
   * cached metadata; until a topic's metadata is known (e.g. a topic being auto-created),
   * librdkafka partitions (`murmur2_random`).
   */
  createPartitioner?: ICustomPartitioner;
  /**
   * `retries` maps onto `message.send.max.retries`; the other fields are ignored with a
   * warning (librdkafka retries produce requests itself).
   */
  retry?: RetryOptions;
  /** How long the partitioner's topic metadata is cached, in milliseconds (default 300000). */
  metadataMaxAge?: number;
  /** false: a send to an unknown topic rejects with `UNKNOWN_TOPIC_OR_PARTITION` instead of creating it (default true). */
  allowAutoTopicCreation?: boolean;
  /**
   * librdkafka's idempotent producer (`enable.idempotence`): no duplicates or reordering from
   * retries. Off by default, as in KafkaJS; then sends must use `acks: -1`.
   */
  idempotent?: boolean;
  /** Makes the producer transactional (`transactional.id`, implies `idempotent`); see {@link KafkaJSProducer.transaction}. */
  transactionalId?: string;
  /** The transaction timeout in milliseconds (`transaction.timeout.ms`, default 60000). */
  transactionTimeout?: number;
  /** `max.in.flight.requests.per.connection` (at most 5 with `idempotent`). */
  maxInFlightRequests?: number;
}

/** `producer.send(record)`: messages for one topic. */
export interface ProducerRecord {
  /** The topic. */
  topic: string;
  /** The messages, sent in order. */
  messages: Message[];
  /**
   * -1 (default): all in-sync replicas must have the messages; 1: the leader; 0: no
   * acknowledgement. librdkafka fixes `acks`, `compression` and `timeout` per producer: a send
   * with other values than the defaults goes through another librdkafka producer created for
   * them (not ordered relative to sends with other values).
   */
  acks?: number;
  /** The request timeout in milliseconds (librdkafka's `request.timeout.ms`, default 30000). */
  timeout?: number;
  /** The compression codec (default none); every codec is built into librdkafka. */
  compression?: CompressionTypes;
}
/** The result of a send, for one topic-partition written. */
export type RecordMetadata = {
  /** The topic. */
  topicName: string;
  /** The partition. */
  partition: number;
  /** Kafka's error code: always 0 (a failed send rejects). */
  errorCode: number;
  /** Not set by octokafka (see `baseOffset`). */
  offset?: string;
  /** Not set by octokafka: librdkafka's delivery reports do not carry it. */
  timestamp?: string;
  /** The offset of the first message the call wrote in this partition. */
  baseOffset?: string;
  /** The broker's append time for `LogAppendTime` topics; always `'-1'` in octokafka (librdkafka does not report it). */
  logAppendTime?: string;
  /** The partition's log start offset; always `'-1'` in octokafka (librdkafka does not report it). */
  logStartOffset?: string;
};
/** One topic's messages in a {@link ProducerBatch}. */
export interface TopicMessages {
  /** The topic. */
  topic: string;
  /** The messages, sent in order. */
  messages: Message[];
}
/** `producer.sendBatch(batch)`: messages for several topics, with one set of settings. */
export interface ProducerBatch {
  /** As {@link ProducerRecord.acks}. */
  acks?: number;
  /** As {@link ProducerRecord.timeout}. */
  timeout?: number;
  /** As {@link ProducerRecord.compression}. */
  compression?: CompressionTypes;
  /** The messages, by topic. */
  topicMessages?: TopicMessages[];
}
/** A partition and an offset. */
export interface PartitionOffset {
  /** The partition. */
  partition: number;
  /** The offset, as a decimal string (64-bit). */
  offset: string;
}
/** A topic's partition offsets. */
export interface TopicOffsets {
  /** The topic. */
  topic: string;
  /** Its partitions and offsets. */
  partitions: PartitionOffset[];
}
/** Offsets by topic (e.g. a transaction's `sendOffsets`, where each is the next offset to consume). */
export interface Offsets {
  /** The topics and their partition offsets. */
  topics: TopicOffsets[];
}

/** What an instrumentation event listener receives. */
export interface InstrumentationEvent<T> {
  /** A process-wide sequence number, as a string. */
  id: string;
  /** The event name (e.g. `consumer.crash`). */
  type: string;
  /** When the event was emitted (milliseconds since the epoch). */
  timestamp: number;
  /** The event's data. */
  payload: T;
}
/** Returned by `on(event, listener)`: removes the listener. */
export type RemoveInstrumentationEventListener<T> = () => void;
/** `*.connect` events (no payload). */
export type ConnectEvent = InstrumentationEvent<null>;
/** `*.disconnect` events (no payload). */
export type DisconnectEvent = InstrumentationEvent<null>;

/** @inline */
type Sender = {
  /** Sends messages to one topic; resolves with one {@link RecordMetadata} per partition written. */
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  /** Sends messages to several topics in one call. */
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>;
};
/**
 * The producer's instrumentation event names. The `producer.network.*` events are accepted by
 * `on` but never emitted: librdkafka's requests are not visible to JavaScript.
 */
export type ProducerEvents = {
  /** Emitted when `connect()` succeeded. */
  CONNECT: 'producer.connect';
  /** Emitted by `disconnect()`. */
  DISCONNECT: 'producer.disconnect';
  /** Never emitted by octokafka (KafkaJS: each request sent). */
  REQUEST: 'producer.network.request';
  /** Never emitted by octokafka (KafkaJS: a request timed out). */
  REQUEST_TIMEOUT: 'producer.network.request_timeout';
  /** Never emitted by octokafka (KafkaJS: a broker's request queue size changed). */
  REQUEST_QUEUE_SIZE: 'producer.network.request_queue_size';
};
/** A transaction of a transactional producer: `send`, `sendBatch`, `sendOffsets`, then `commit` or `abort`. */
export type Transaction = Sender & {
  /**
   * Adds a consumer group's offsets (each the next offset to consume) to the transaction: they
   * are committed if and only if the transaction commits. With a running consumer of that group
   * in the same `Kafka` instance, its group metadata is sent (the broker can then fence a
   * zombie member); otherwise only the group id, as KafkaJS does.
   */
  sendOffsets(offsets: Offsets & { consumerGroupId: string }): Promise<void>;
  /** Commits the transaction. */
  commit(): Promise<void>;
  /** Aborts the transaction. */
  abort(): Promise<void>;
  /** True until the transaction was committed or aborted. */
  isActive(): boolean;
};
/** KafkaJS's `Producer` type: the producer's public shape (implemented by {@link KafkaJSProducer}). */
export type Producer = Sender & {
  /** Connects: resolves the brokers and waits for the cluster to answer. */
  connect(): Promise<void>;
  /** Flushes what is in flight and closes the producer. */
  disconnect(): Promise<void>;
  /** True when the producer is idempotent (`idempotent: true` or a `transactionalId`). */
  isIdempotent(): boolean;
  /** The event names `on` accepts. */
  readonly events: ProducerEvents;
  /** Listens to an instrumentation event; returns the remover. */
  on(eventName: ValueOf<ProducerEvents>, listener: (event: InstrumentationEvent<any>) => void): RemoveInstrumentationEventListener<typeof eventName>;
  /** Starts a transaction (the producer needs a `transactionalId`; connects on demand). One at a time. */
  transaction(): Promise<Transaction>;
  /** The producer's logger (namespace `Producer`). */
  logger(): Logger;
};

/** `kafka.consumer(config)`. */
export interface ConsumerConfig {
  /** The consumer group (`group.id`). */
  groupId: string;
  /** Only `[PartitionAssigners.roundRobin]` (the default, librdkafka's `roundrobin`) is accepted: librdkafka assigns partitions itself. */
  partitionAssigners?: unknown[];
  /** How often topic metadata is refreshed, in milliseconds (`topic.metadata.refresh.interval.ms`). */
  metadataMaxAge?: number;
  /** `session.timeout.ms` (default 30000): a member not heard of for this long leaves the group. */
  sessionTimeout?: number;
  /**
   * The longest a handler may keep the consumer from taking messages, in milliseconds (default
   * 60000; librdkafka's `max.poll.interval.ms`, also the group's rebalance timeout). A slower
   * handler loses its partitions. In KafkaJS the limit is `sessionTimeout` without `heartbeat()`.
   */
  rebalanceTimeout?: number;
  /** `heartbeat.interval.ms` (default 3000); librdkafka heartbeats in the background. */
  heartbeatInterval?: number;
  /** `max.partition.fetch.bytes`; unset: librdkafka's default (1 MiB). */
  maxBytesPerPartition?: number;
  /** `fetch.min.bytes`; unset: librdkafka's default (1 byte). */
  minBytes?: number;
  /**
   * `fetch.max.bytes`, and also what librdkafka queues ahead (`queued.max.messages.kbytes`)
   * and what waits for the handler: unset, 2 MiB each (KafkaJS's default is one 10 MiB fetch
   * at a time; librdkafka fetches ahead while the handler runs).
   */
  maxBytes?: number;
  /** `fetch.wait.max.ms`; unset: 500 ms (KafkaJS's 5000 would delay seeks and resumes of idle partitions). */
  maxWaitTimeInMs?: number;
  /** The retry policy of handler failures and the restart after a crash (default: the client's `retry`). */
  retry?: RetryOptions & {
    /** As {@link RetryOptions.restartOnFailure}. */
    restartOnFailure?: (err: Error) => Promise<boolean>;
  };
  /** `allow.auto.create.topics` (default true): subscribing to a missing topic creates it, when the broker allows auto-creation. */
  allowAutoTopicCreation?: boolean;
  /** Ignored with a warning: librdkafka pipelines fetches itself. */
  maxInFlightRequests?: number;
  /** true: also deliver messages of open and aborted transactions (`isolation.level=read_uncommitted`; default read_committed). */
  readUncommitted?: boolean;
  /** `client.rack`: lets brokers with a rack-aware replica selector serve fetches from a replica in this rack. */
  rackId?: string;
}

/** A consumed message: offsets and timestamps as decimal strings, header values as Buffers. */
export interface KafkaMessage {
  /** The key; null when the message has none. */
  key: Buffer | null;
  /** The payload; null for a tombstone. */
  value: Buffer | null;
  /** The message's timestamp (milliseconds since the epoch). */
  timestamp: string;
  /** The record batch's attributes; always 0 in octokafka (librdkafka does not expose them). */
  attributes: number;
  /** The message's offset in its partition. */
  offset: string;
  /** The headers (a Buffer per value; an array for a repeated name). */
  headers: IHeaders;
  /** Only messages of the old message-set format have a size in KafkaJS; never set here. */
  size?: never;
}

/** Partitions of a topic. */
export type TopicPartitions = {
  /** The topic. */
  topic: string;
  /** The partitions. */
  partitions: number[];
};
/** A topic-partition. */
export type TopicPartition = {
  /** The topic. */
  topic: string;
  /** The partition. */
  partition: number;
};
/** A topic-partition and an offset. */
export type TopicPartitionOffset = TopicPartition & {
  /** The offset, as a decimal string. */
  offset: string;
};
/** An offset to commit (`consumer.commitOffsets`): the next offset to consume. */
export type TopicPartitionOffsetAndMetadata = TopicPartitionOffset & {
  /** The commit's metadata; not sent by octokafka. */
  metadata?: string | null;
};

/** What `eachBatch` receives: messages of one partition fetched together (up to 10,000). */
export type Batch = {
  /** The topic. */
  topic: string;
  /** The partition. */
  partition: number;
  /**
   * The partition's high watermark (the offset the next message written will get), as last
   * asked from its leader (at most once a second, in the background) and never less than the
   * batch's last offset + 1. KafkaJS reads it from the fetch response.
   */
  highWatermark: string;
  /** The messages, in offset order. */
  messages: KafkaMessage[];
  /** True when the batch has no messages. */
  isEmpty(): boolean;
  /** The first message's offset; null for an empty batch. */
  firstOffset(): string | null;
  /** The last message's offset (for an empty batch, the high watermark - 1). */
  lastOffset(): string;
  /** How far the partition's end is from the batch's last message: high watermark - 1 - last offset (at least 0). */
  offsetLag(): string;
  /** How far the partition's end is from the batch's first message: high watermark - 1 - first offset (at least 0). */
  offsetLagLow(): string;
};
/** Offsets by topic, as `uncommittedOffsets()` returns them. */
export interface OffsetsByTopicPartition {
  /** The topics and their partition offsets. */
  topics: TopicOffsets[];
}
/** What `eachMessage` receives. */
export interface EachMessagePayload {
  /** The message's topic. */
  topic: string;
  /** The message's partition. */
  partition: number;
  /** The message. */
  message: KafkaMessage;
  /** Resolves at once: librdkafka heartbeats in the background (see `rebalanceTimeout`). */
  heartbeat(): Promise<void>;
  /** Pauses this partition (no further message of it is delivered); returns the function that resumes it. */
  pause(): () => void;
}
/** What `eachBatch` receives. */
export interface EachBatchPayload {
  /** The batch. */
  batch: Batch;
  /** Marks messages up to `offset` as processed: their offsets are committed by the next (auto-)commit. */
  resolveOffset(offset: string): void;
  /** Resolves at once: librdkafka heartbeats in the background (see `rebalanceTimeout`). */
  heartbeat(): Promise<void>;
  /** Pauses this partition; returns the function that resumes it. */
  pause(): () => void;
  /**
   * Commits the given offsets, or (without arguments) the resolved offsets when
   * `autoCommitInterval` / `autoCommitThreshold` say a commit is due.
   */
  commitOffsetsIfNecessary(offsets?: Offsets): Promise<void>;
  /** The resolved offsets not committed yet. */
  uncommittedOffsets(): OffsetsByTopicPartition;
  /** False once the consumer stopped or restarted: the handler should return. */
  isRunning(): boolean;
  /** True once the batch's partition was seeked, paused or revoked: its remaining messages should not be processed. */
  isStale(): boolean;
}
/** Alias of {@link EachMessagePayload}. */
export type ConsumerEachMessagePayload = EachMessagePayload;
/** Alias of {@link EachBatchPayload}. */
export type ConsumerEachBatchPayload = EachBatchPayload;
/** An `eachBatch` handler: a rejection has the batch delivered again, from its first unresolved message, per the retry policy. */
export type EachBatchHandler = (payload: EachBatchPayload) => Promise<void>;
/** An `eachMessage` handler: a rejection has the message delivered again, per the retry policy. */
export type EachMessageHandler = (payload: EachMessagePayload) => Promise<void>;
/** `consumer.run(config)`: one of `eachMessage` or `eachBatch` is required. */
export type ConsumerRunConfig = {
  /** Commit resolved offsets automatically (default true): after each batch, per interval/threshold, on stop, disconnect and revocation. */
  autoCommit?: boolean;
  /** Commit when this many milliseconds passed since the last commit (null and no threshold: after each batch). */
  autoCommitInterval?: number | null;
  /** Commit once this many messages were resolved since the last commit (null and no interval: after each batch). */
  autoCommitThreshold?: number | null;
  /** Resolve every message of a batch when `eachBatch` returns (default true); false: messages not resolved are delivered again. */
  eachBatchAutoResolve?: boolean;
  /** How many partitions' messages are handled at once (default 1); each partition's stay in order. */
  partitionsConsumedConcurrently?: number;
  /** The handler of each batch (ignored when `eachMessage` is given). */
  eachBatch?: EachBatchHandler;
  /** The handler of each message. */
  eachMessage?: EachMessageHandler;
};
/** @deprecated Replaced by ConsumerSubscribeTopics. */
export type ConsumerSubscribeTopic = {
  /** A topic name, or a RegExp (librdkafka's: topics created later that match are picked up). */
  topic: string | RegExp;
  /** As {@link ConsumerSubscribeTopics.fromBeginning}. */
  fromBeginning?: boolean;
};
/** `consumer.subscribe(subscription)`. */
export type ConsumerSubscribeTopics = {
  /** Topic names and RegExps (librdkafka's: topics created later that match are picked up; KafkaJS resolves them once). */
  topics: (string | RegExp)[];
  /**
   * Where a partition without a committed offset starts: the earliest offset (true) or the
   * latest (default). It is librdkafka's `auto.offset.reset`, one setting per consumer:
   * subscribing topics with different values to one consumer is an error.
   */
  fromBeginning?: boolean;
};

/** A member of a consumer group, as `describeGroups` gives it. */
export type MemberDescription = {
  /** The member's host, as the coordinator saw it (e.g. `/10.0.0.1`). */
  clientHost: string;
  /** The member's `client.id`. */
  clientId: string;
  /** The member id the coordinator assigned. */
  memberId: string;
  /** The member's assignment, encoded as Kafka's consumer protocol does. */
  memberAssignment: Buffer;
  /** Empty in octokafka: librdkafka's admin API does not return the member's subscription metadata. */
  memberMetadata: Buffer;
};
/** A consumer group's state, as the coordinator reports it. */
export type ConsumerGroupState = 'Unknown' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead' | 'Empty';
/** A consumer group, as `describeGroups` / `consumer.describeGroup()` give it. */
export type GroupDescription = {
  /** The group id. */
  groupId: string;
  /** The members. */
  members: MemberDescription[];
  /** The assignor in use (`RoundRobinAssigner` for librdkafka's `roundrobin`, else librdkafka's name). */
  protocol: string;
  /** `consumer` for a group of subscribing consumers; empty for a group that only commits offsets. */
  protocolType: string;
  /** The group's state. */
  state: ConsumerGroupState;
};
/** `describeGroups`' result. */
export type GroupDescriptions = {
  /** One entry per group asked for. */
  groups: GroupDescription[];
};

/**
 * The consumer's instrumentation event names. `consumer.heartbeat`, `consumer.fetch_start`,
 * `consumer.fetch`, `consumer.received_unsubscribed_topics` and the `consumer.network.*`
 * events are accepted by `on` but never emitted (they are librdkafka internals).
 */
export type ConsumerEvents = {
  /** Never emitted by octokafka (librdkafka heartbeats in the background). */
  HEARTBEAT: 'consumer.heartbeat';
  /** Offsets were committed ({@link ConsumerCommitOffsetsEvent}). */
  COMMIT_OFFSETS: 'consumer.commit_offsets';
  /** The consumer joined the group and got its assignment ({@link ConsumerGroupJoinEvent}). */
  GROUP_JOIN: 'consumer.group_join';
  /** Never emitted by octokafka (librdkafka fetches in the background). */
  FETCH_START: 'consumer.fetch_start';
  /** Never emitted by octokafka. */
  FETCH: 'consumer.fetch';
  /** `eachBatch` is about to handle a batch ({@link ConsumerStartBatchProcessEvent}). */
  START_BATCH_PROCESS: 'consumer.start_batch_process';
  /** `eachBatch` handled a batch ({@link ConsumerEndBatchProcessEvent}). */
  END_BATCH_PROCESS: 'consumer.end_batch_process';
  /** `connect()` succeeded. */
  CONNECT: 'consumer.connect';
  /** `disconnect()` closed the consumer. */
  DISCONNECT: 'consumer.disconnect';
  /** The consumer stopped (`stop()` or `disconnect()` while running). */
  STOP: 'consumer.stop';
  /** The consumer crashed ({@link ConsumerCrashEvent}); `restart` says whether it restarts. */
  CRASH: 'consumer.crash';
  /** Partitions are being revoked (a rebalance started) ({@link ConsumerRebalancingEvent}). */
  REBALANCING: 'consumer.rebalancing';
  /** Never emitted by octokafka (a librdkafka internal). */
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics';
  /** Never emitted by octokafka (KafkaJS: each request sent). */
  REQUEST: 'consumer.network.request';
  /** Never emitted by octokafka (KafkaJS: a request timed out). */
  REQUEST_TIMEOUT: 'consumer.network.request_timeout';
  /** Never emitted by octokafka (KafkaJS: a broker's request queue size changed). */
  REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size';
};
/** An assignment: topic → partitions. */
export interface IMemberAssignment {
  [key: string]: number[];
}
/** `consumer.group_join`. */
export type ConsumerGroupJoinEvent = InstrumentationEvent<{
  /** Milliseconds from the start of the join to the assignment. */
  duration: number;
  /** The group id. */
  groupId: string;
  /** Always false in octokafka: librdkafka does not tell whether this member led the assignment. */
  isLeader: boolean;
  /** Always empty in octokafka (librdkafka does not tell). */
  leaderId: string;
  /** The assignor: `RoundRobinAssigner`. */
  groupProtocol: string;
  /** The member id the group coordinator assigned. */
  memberId: string;
  /** The partitions assigned to this member. */
  memberAssignment: IMemberAssignment;
}>;
/** `consumer.crash`. */
export type ConsumerCrashEvent = InstrumentationEvent<{
  /** Why: {@link KafkaJSNumberOfRetriesExceeded} after a handler's retries, or the non-retriable error. */
  error: Error;
  /** The group id. */
  groupId: string;
  /** Whether the consumer restarts (retriable errors, unless `restartOnFailure` resolved false). */
  restart: boolean;
}>;
/** `consumer.rebalancing`: partitions are being revoked. */
export type ConsumerRebalancingEvent = InstrumentationEvent<{
  /** The group id. */
  groupId: string;
  /** This member's id. */
  memberId: string;
}>;
/** `consumer.commit_offsets`. */
export type ConsumerCommitOffsetsEvent = InstrumentationEvent<{
  /** The group id. */
  groupId: string;
  /** This member's id. */
  memberId: string;
  /** The group's generation (in a KIP-848 group, the member epoch). */
  groupGenerationId: number;
  /** The offsets committed (each the next offset to consume). */
  topics: TopicOffsets[];
}>;
/** The payload of the batch-process events. */
export interface IBatchProcessEvent {
  /** The batch's topic. */
  topic: string;
  /** The batch's partition. */
  partition: number;
  /** As {@link Batch.highWatermark}. */
  highWatermark: string;
  /** As {@link Batch.offsetLag}. */
  offsetLag: string;
  /** As {@link Batch.offsetLagLow}. */
  offsetLagLow: string;
  /** The number of messages in the batch. */
  batchSize: number;
  /** The first message's offset. */
  firstOffset: string;
  /** The last message's offset. */
  lastOffset: string;
}
/** `consumer.start_batch_process` (eachBatch only). */
export type ConsumerStartBatchProcessEvent = InstrumentationEvent<IBatchProcessEvent>;
/** `consumer.end_batch_process` (eachBatch only). */
export type ConsumerEndBatchProcessEvent = InstrumentationEvent<
  IBatchProcessEvent & {
    /** How long the handler took, in milliseconds. */
    duration: number;
  }
>;

/** KafkaJS's `Consumer` type: the consumer's public shape (implemented by {@link KafkaJSConsumer}). */
export type Consumer = {
  /** Connects: resolves the brokers and waits for the cluster to answer. */
  connect(): Promise<void>;
  /** Stops consuming, commits what was resolved, leaves the group and closes the connections. */
  disconnect(): Promise<void>;
  /** Adds topics (names or RegExps) to the subscription; call before `run`. */
  subscribe(subscription: ConsumerSubscribeTopics | ConsumerSubscribeTopic): Promise<void>;
  /** Stops consuming (commits what was resolved and leaves the group); `run` may be called again. */
  stop(): Promise<void>;
  /** Starts consuming in the background and resolves once started. */
  run(config?: ConsumerRunConfig): Promise<void>;
  /** Commits the given offsets (each the next offset to consume) for the consumer's group. */
  commitOffsets(topicPartitions: Array<TopicPartitionOffsetAndMetadata>): Promise<void>;
  /** Moves a partition's position (only after `run`); the next message delivered is at `offset`. */
  seek(topicPartitionOffset: TopicPartitionOffset): void;
  /** Describes the consumer's group. */
  describeGroup(): Promise<GroupDescription>;
  /** Stops delivering the given topics (all their partitions, or the listed ones) until resumed. */
  pause(topics: Array<{ topic: string; partitions?: number[] }>): void;
  /** The paused topic-partitions. */
  paused(): TopicPartitions[];
  /** Delivers the given topics (or partitions) again, from the first message not yet delivered. */
  resume(topics: Array<{ topic: string; partitions?: number[] }>): void;
  /** Listens to `consumer.crash`; returns the remover. */
  on(eventName: ConsumerEvents['CRASH'], listener: (event: ConsumerCrashEvent) => void): RemoveInstrumentationEventListener<typeof eventName>;
  /** Listens to `consumer.group_join`; returns the remover. */
  on(eventName: ConsumerEvents['GROUP_JOIN'], listener: (event: ConsumerGroupJoinEvent) => void): RemoveInstrumentationEventListener<typeof eventName>;
  /** Listens to `consumer.commit_offsets`; returns the remover. */
  on(eventName: ConsumerEvents['COMMIT_OFFSETS'], listener: (event: ConsumerCommitOffsetsEvent) => void): RemoveInstrumentationEventListener<typeof eventName>;
  /** Listens to `consumer.rebalancing`; returns the remover. */
  on(eventName: ConsumerEvents['REBALANCING'], listener: (event: ConsumerRebalancingEvent) => void): RemoveInstrumentationEventListener<typeof eventName>;
  /** Listens to `consumer.start_batch_process`; returns the remover. */
  on(eventName: ConsumerEvents['START_BATCH_PROCESS'], listener: (event: ConsumerStartBatchProcessEvent) => void): RemoveInstrumentationEventListener<typeof eventName>;
  /** Listens to `consumer.end_batch_process`; returns the remover. */
  on(eventName: ConsumerEvents['END_BATCH_PROCESS'], listener: (event: ConsumerEndBatchProcessEvent) => void): RemoveInstrumentationEventListener<typeof eventName>;
  /** Listens to any consumer event; returns the remover. Unknown names throw. */
  on(eventName: ValueOf<ConsumerEvents>, listener: (event: InstrumentationEvent<any>) => void): RemoveInstrumentationEventListener<typeof eventName>;
  /** The consumer's logger (namespace `Consumer`). */
  logger(): Logger;
  /** The event names `on` accepts. */
  readonly events: ConsumerEvents;
};

/** `kafka.admin(config)`. */
export interface AdminConfig {
  /** Ignored with a warning: librdkafka retries admin requests itself. */
  retry?: RetryOptions;
}
/** The replicas of one partition of a topic to create. */
export interface ReplicaAssignment {
  /** The partition. */
  partition: number;
  /** The broker ids of its replicas, the preferred leader first. */
  replicas: Array<number>;
}
/** A configuration entry to set. */
export interface IResourceConfigEntry {
  /** The configuration name (e.g. `retention.ms`). */
  name: string;
  /** Its value. */
  value: string;
}
/** A topic to create (`createTopics`). */
export interface ITopicConfig {
  /** The topic name. */
  topic: string;
  /** The number of partitions (-1 or unset: the broker's `num.partitions`). */
  numPartitions?: number;
  /** The replication factor (-1 or unset: the broker's `default.replication.factor`). */
  replicationFactor?: number;
  /** Explicit replicas per partition, instead of `numPartitions` and `replicationFactor`. */
  replicaAssignment?: ReplicaAssignment[];
  /** Topic configuration entries (e.g. `cleanup.policy`). */
  configEntries?: IResourceConfigEntry[];
}
/** Partitions to add to a topic (`createPartitions`). */
export interface ITopicPartitionConfig {
  /** The topic. */
  topic: string;
  /** The new total number of partitions. */
  count: number;
  /** Replicas of the new partitions: not supported ({@link KafkaJSNotImplemented}). */
  assignments?: Array<Array<number>>;
}
/** A topic's metadata (`fetchTopicMetadata`). */
export interface ITopicMetadata {
  /** The topic. */
  name: string;
  /** Its partitions. */
  partitions: PartitionMetadata[];
}
/** A partition and an offset (admin offsets calls). */
export type SeekEntry = PartitionOffset;
/** A group's committed offset for a partition (`fetchOffsets`); `offset` is `-1` without one. */
export type FetchOffsetsPartition = PartitionOffset & {
  /** The commit's metadata; null when none. */
  metadata: string | null;
};
/** A resource to describe (`describeConfigs`). */
export interface ResourceConfigQuery {
  /** The resource type: `TOPIC` or `BROKER` (others: {@link KafkaJSNotImplemented}). */
  type: ConfigResourceTypes;
  /** The topic name, or the broker id as a string. */
  name: string;
  /** Only these entries (default: all). */
  configNames?: string[];
}
/** A configuration synonym (never returned by octokafka: `configSynonyms` is always empty). */
export interface ConfigSynonyms {
  /** The synonym's name. */
  configName: string;
  /** Its value. */
  configValue: string;
  /** Where the value comes from. */
  configSource: ConfigSource;
}
/** A configuration entry (`describeConfigs`). */
export interface ConfigEntries {
  /** The configuration name. */
  configName: string;
  /** The value (the broker does not return the values of sensitive entries). */
  configValue: string;
  /** True when the value is the default. */
  isDefault: boolean;
  /** Where the value comes from. */
  configSource: ConfigSource;
  /** True for a sensitive entry (e.g. a password), whose value is not returned. */
  isSensitive: boolean;
  /** True when the entry cannot be altered. */
  readOnly: boolean;
  /** Always empty in octokafka. */
  configSynonyms: ConfigSynonyms[];
}
/** `describeConfigs`' result. */
export interface DescribeConfigResponse {
  /** One entry per resource asked for. */
  resources: {
    /** The resource's entries (those of `configNames`, when given). */
    configEntries: ConfigEntries[];
    /** Always 0 (a failure rejects). */
    errorCode: number;
    /** Always empty (a failure rejects). */
    errorMessage: string;
    /** The resource's name. */
    resourceName: string;
    /** The resource's type. */
    resourceType: ConfigResourceTypes;
  }[];
  /** Always 0 (librdkafka does not report throttling here). */
  throttleTime: number;
}
/** A resource to alter (`alterConfigs`): its given entries are set, the others kept. */
export interface IResourceConfig {
  /** The resource type: `TOPIC` or `BROKER`. */
  type: ConfigResourceTypes;
  /** The topic name, or the broker id as a string. */
  name: string;
  /** The entries to set. */
  configEntries: IResourceConfigEntry[];
}
/** A group as `listGroups` gives it. */
export type GroupOverview = {
  /** The group id. */
  groupId: string;
  /** `consumer` for a group of subscribing consumers; empty for a group that only commits offsets. */
  protocolType: string;
};
/** A group in `deleteGroups`' result. */
export type DeleteGroupsResult = {
  /** The group id. */
  groupId: string;
  /** The error code when the group was not deleted. */
  errorCode?: number;
  /** The error when the group was not deleted. */
  error?: Error;
};
/** An ACL's principal, host, operation and permission. */
export interface Acl {
  /** The principal, `Type:name` (e.g. `User:alice`). */
  principal: string;
  /** The client host it applies to (`*`: any). */
  host: string;
  /** The operation. */
  operation: AclOperationTypes;
  /** Allow or deny. */
  permissionType: AclPermissionTypes;
}
/** The resource an ACL applies to. */
export interface AclResource {
  /** The resource type. */
  resourceType: AclResourceTypes;
  /** The resource name (`*`: all of the type). */
  resourceName: string;
  /** How `resourceName` matches: `LITERAL` or `PREFIXED`. */
  resourcePatternType: ResourcePatternTypes;
}
/** An ACL to create (`createAcls`): `ANY`, `MATCH` and `UNKNOWN` values are refused. */
export type AclEntry = Acl & AclResource;
/** A resource with its ACLs (`describeAcls`). */
export type DescribeAclResource = AclResource & {
  /** The resource's ACLs the filter selected. */
  acls: Acl[];
};
/** `describeAcls`' result. */
export interface DescribeAclResponse {
  /** Always 0 (librdkafka does not report throttling here). */
  throttleTime: number;
  /** 0 (a refusal rejects with the broker's {@link KafkaJSProtocolError}). */
  errorCode: number;
  /** null when `errorCode` is 0, as KafkaJS's decoder gives it (its declarations say `string`). */
  errorMessage?: string | null;
  /** The matching ACLs, grouped by resource. */
  resources: DescribeAclResource[];
}
/** Selects ACLs (`describeAcls`, `deleteAcls`): the `ANY` values and left-out strings match any. */
export interface AclFilter {
  /** The resource type (`ANY`: all). */
  resourceType: AclResourceTypes;
  /** The resource name (unset: any). */
  resourceName?: string;
  /** The pattern type (`ANY`: all; `MATCH`: the ACLs that apply to `resourceName`). */
  resourcePatternType: ResourcePatternTypes;
  /** The principal, `Type:name` (unset: any). */
  principal?: string;
  /** The host (unset: any). */
  host?: string;
  /** The operation (`ANY`: all). */
  operation: AclOperationTypes;
  /** The permission (`ANY`: both). */
  permissionType: AclPermissionTypes;
}
/** An ACL a `deleteAcls` filter matched (and deleted). */
export interface MatchingAcl {
  /** 0 (a refusal rejects). */
  errorCode: number;
  /** null when `errorCode` is 0, as KafkaJS's decoder gives it. */
  errorMessage?: string | null;
  /** The resource type. */
  resourceType: AclResourceTypes;
  /** The resource name. */
  resourceName: string;
  /** The pattern type. */
  resourcePatternType: ResourcePatternTypes;
  /** The principal. */
  principal: string;
  /** The host. */
  host: string;
  /** The operation. */
  operation: AclOperationTypes;
  /** The permission. */
  permissionType: AclPermissionTypes;
}
/** The result of one `deleteAcls` filter. */
export interface DeleteAclFilterResponses {
  /** 0 (a refusal rejects with the broker's {@link KafkaJSProtocolError}). */
  errorCode: number;
  /** null when `errorCode` is 0, as KafkaJS's decoder gives it. */
  errorMessage?: string | null;
  /** The ACLs deleted. */
  matchingAcls: MatchingAcl[];
}
/** `deleteAcls`' result. */
export interface DeleteAclResponse {
  /** Always 0. */
  throttleTime: number;
  /** One entry per filter, in order. */
  filterResponses: DeleteAclFilterResponses[];
}
/**
 * The admin client's instrumentation event names. The `admin.network.*` events are accepted
 * by `on` but never emitted: librdkafka's requests are not visible to JavaScript.
 */
export type AdminEvents = {
  /** `connect()` succeeded. */
  CONNECT: 'admin.connect';
  /** `disconnect()` closed the client. */
  DISCONNECT: 'admin.disconnect';
  /** Never emitted by octokafka (KafkaJS: each request sent). */
  REQUEST: 'admin.network.request';
  /** Never emitted by octokafka (KafkaJS: a request timed out). */
  REQUEST_TIMEOUT: 'admin.network.request_timeout';
  /** Never emitted by octokafka (KafkaJS: a broker's request queue size changed). */
  REQUEST_QUEUE_SIZE: 'admin.network.request_queue_size';
};
