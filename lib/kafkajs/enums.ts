/**
 * KafkaJS's exported enums, with KafkaJS's (and the Kafka protocol's) numeric values, so that
 * code comparing or passing them keeps working.
 */

/** KafkaJS log levels (`logLevel` option and `logCreator` argument). */
export enum logLevel {
  /** No logging. */
  NOTHING = 0,
  /** Errors only. */
  ERROR = 1,
  /** Errors and warnings, including octokafka's warnings about KafkaJS options it cannot honour. */
  WARN = 2,
  /** Also informational messages (connections, group joins, …): the default. */
  INFO = 4,
  /** Everything, including librdkafka's informational log lines (namespace `librdkafka`). */
  DEBUG = 5,
}

/** Compression codecs of `send({ compression })`; all are built into librdkafka. */
export enum CompressionTypes {
  /** No compression (`compression.codec=none`). */
  None = 0,
  /** gzip (`compression.codec=gzip`). */
  GZIP = 1,
  /** Snappy, built into librdkafka (KafkaJS needs a codec package registered in {@link CompressionCodecs}). */
  Snappy = 2,
  /** LZ4, built into librdkafka (KafkaJS needs a codec package). */
  LZ4 = 3,
  /** Zstandard, built into librdkafka (KafkaJS needs a codec package). */
  ZSTD = 4,
}

/**
 * KafkaJS's codec registry. librdkafka implements every codec natively, so registering one
 * (`CompressionCodecs[CompressionTypes.Snappy] = ...`) is accepted and has no effect.
 */
export const CompressionCodecs: Record<number, () => unknown> = {
  [CompressionTypes.GZIP]: () => ({}),
  [CompressionTypes.Snappy]: () => ({}),
  [CompressionTypes.LZ4]: () => ({}),
  [CompressionTypes.ZSTD]: () => ({}),
};

/** Resource types of describeConfigs / alterConfigs. */
export enum ConfigResourceTypes {
  /** Kafka's "unknown" resource type; octokafka rejects it with {@link KafkaJSNotImplemented}. */
  UNKNOWN = 0,
  /** A topic's configuration (resource name: the topic). */
  TOPIC = 2,
  /** A broker's configuration (resource name: the broker id as a string). */
  BROKER = 4,
  /** A broker's log4j logger levels; octokafka rejects it with {@link KafkaJSNotImplemented}. */
  BROKER_LOGGER = 8,
}

/** Where a configuration value comes from (describeConfigs `configSource`). */
export enum ConfigSource {
  /** The broker did not say. */
  UNKNOWN = 0,
  /** Set on the topic. */
  TOPIC_CONFIG = 1,
  /** Set dynamically for this broker. */
  DYNAMIC_BROKER_CONFIG = 2,
  /** Set dynamically as the default of every broker of the cluster. */
  DYNAMIC_DEFAULT_BROKER_CONFIG = 3,
  /** From the broker's configuration file (`server.properties`). */
  STATIC_BROKER_CONFIG = 4,
  /** Kafka's built-in default. */
  DEFAULT_CONFIG = 5,
  /** A broker logger level set dynamically. */
  DYNAMIC_BROKER_LOGGER_CONFIG = 6,
}

/** ACL resource types. */
export enum AclResourceTypes {
  /** Unknown type: a filter with it is refused before sending. */
  UNKNOWN = 0,
  /** Any type (filters only: describeAcls, deleteAcls). */
  ANY = 1,
  /** A topic. */
  TOPIC = 2,
  /** A consumer group. */
  GROUP = 3,
  /** The cluster (resource name `kafka-cluster`). */
  CLUSTER = 4,
  /** A transactional id. */
  TRANSACTIONAL_ID = 5,
  /** A delegation token; octokafka rejects it with {@link KafkaJSNotImplemented} (librdkafka has no such resource type). */
  DELEGATION_TOKEN = 6,
}

/** ACL permission types. */
export enum AclPermissionTypes {
  /** Unknown permission: refused before sending. */
  UNKNOWN = 0,
  /** Any permission (filters only). */
  ANY = 1,
  /** The ACL denies the operation (denials win over grants). */
  DENY = 2,
  /** The ACL allows the operation. */
  ALLOW = 3,
}

/** ACL operation types. */
export enum AclOperationTypes {
  /** Unknown operation: refused before sending. */
  UNKNOWN = 0,
  /** Any operation (filters only). */
  ANY = 1,
  /** Every operation on the resource. */
  ALL = 2,
  /** Read: fetch from a topic, join or commit to a group. */
  READ = 3,
  /** Write: produce to a topic or with a transactional id. */
  WRITE = 4,
  /** Create topics. */
  CREATE = 5,
  /** Delete topics, groups or records. */
  DELETE = 6,
  /** Alter: e.g. add partitions, create or delete ACLs on the cluster. */
  ALTER = 7,
  /** Describe: metadata, offsets, groups, ACLs. */
  DESCRIBE = 8,
  /** Inter-broker operations on the cluster. */
  CLUSTER_ACTION = 9,
  /** Read configurations (describeConfigs). */
  DESCRIBE_CONFIGS = 10,
  /** Change configurations (alterConfigs). */
  ALTER_CONFIGS = 11,
  /** Produce idempotently (cluster resource; implied by WRITE on a topic in recent Kafka). */
  IDEMPOTENT_WRITE = 12,
}

/** ACL resource pattern types. */
export enum ResourcePatternTypes {
  /** Unknown pattern: refused before sending. */
  UNKNOWN = 0,
  /** Any pattern (filters only). */
  ANY = 1,
  /** Filters only: the ACLs that apply to the resource name (literal, wildcard `*` and matching prefixed ones). */
  MATCH = 2,
  /** The resource name as written (`*` is the wildcard). */
  LITERAL = 3,
  /** Every resource whose name starts with the resource name. */
  PREFIXED = 4,
}

/** The config-resource type octokafka's admin uses for a KafkaJS {@link ConfigResourceTypes} value. */
export function configResourceName(type: number): 'topic' | 'broker' | undefined {
  if (type === ConfigResourceTypes.TOPIC) return 'topic';
  if (type === ConfigResourceTypes.BROKER) return 'broker';
  return undefined;
}

/**
 * KafkaJS's ACL enums and octokafka's ACL names (see KafkaAdmin.createAcls). KafkaJS's numbers
 * are Kafka's protocol codes, as are librdkafka's; the tables below are the whole mapping.
 * Values missing from a table (UNKNOWN; DELEGATION_TOKEN, which librdkafka 2.14.2 lacks) have
 * no octokafka name.
 */
export const ACL_RESOURCE_NAMES: Readonly<Partial<Record<AclResourceTypes, 'any' | 'topic' | 'group' | 'cluster' | 'transactionalId'>>> = {
  [AclResourceTypes.ANY]: 'any',
  [AclResourceTypes.TOPIC]: 'topic',
  [AclResourceTypes.GROUP]: 'group',
  [AclResourceTypes.CLUSTER]: 'cluster',
  [AclResourceTypes.TRANSACTIONAL_ID]: 'transactionalId',
};

export const ACL_PATTERN_NAMES: Readonly<Partial<Record<ResourcePatternTypes, 'any' | 'match' | 'literal' | 'prefixed'>>> = {
  [ResourcePatternTypes.ANY]: 'any',
  [ResourcePatternTypes.MATCH]: 'match',
  [ResourcePatternTypes.LITERAL]: 'literal',
  [ResourcePatternTypes.PREFIXED]: 'prefixed',
};

export const ACL_OPERATION_NAMES: Readonly<
  Partial<
    Record<
      AclOperationTypes,
      'any' | 'all' | 'read' | 'write' | 'create' | 'delete' | 'alter' | 'describe' | 'clusterAction' | 'describeConfigs' | 'alterConfigs' | 'idempotentWrite'
    >
  >
> = {
  [AclOperationTypes.ANY]: 'any',
  [AclOperationTypes.ALL]: 'all',
  [AclOperationTypes.READ]: 'read',
  [AclOperationTypes.WRITE]: 'write',
  [AclOperationTypes.CREATE]: 'create',
  [AclOperationTypes.DELETE]: 'delete',
  [AclOperationTypes.ALTER]: 'alter',
  [AclOperationTypes.DESCRIBE]: 'describe',
  [AclOperationTypes.CLUSTER_ACTION]: 'clusterAction',
  [AclOperationTypes.DESCRIBE_CONFIGS]: 'describeConfigs',
  [AclOperationTypes.ALTER_CONFIGS]: 'alterConfigs',
  [AclOperationTypes.IDEMPOTENT_WRITE]: 'idempotentWrite',
};

export const ACL_PERMISSION_NAMES: Readonly<Partial<Record<AclPermissionTypes, 'any' | 'deny' | 'allow'>>> = {
  [AclPermissionTypes.ANY]: 'any',
  [AclPermissionTypes.DENY]: 'deny',
  [AclPermissionTypes.ALLOW]: 'allow',
};

/** The KafkaJS value of an octokafka ACL name (`'unknown'` and names not in `table`: 0, UNKNOWN). */
export function aclCode<E extends number>(table: Readonly<Partial<Record<E, string>>>, name: string): E | 0 {
  for (const [code, n] of Object.entries(table)) if (n === name) return Number(code) as E;
  return 0;
}
