/**
 * KafkaJS's exported enums, with KafkaJS's (and the Kafka protocol's) numeric values, so that
 * code comparing or passing them keeps working.
 */

/** KafkaJS log levels (`logLevel` option and `logCreator` argument). */
export enum logLevel {
  NOTHING = 0,
  ERROR = 1,
  WARN = 2,
  INFO = 4,
  DEBUG = 5,
}

/** Compression codecs of `send({ compression })`; all are built into librdkafka. */
export enum CompressionTypes {
  None = 0,
  GZIP = 1,
  Snappy = 2,
  LZ4 = 3,
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
  UNKNOWN = 0,
  TOPIC = 2,
  BROKER = 4,
  BROKER_LOGGER = 8,
}

/** Where a configuration value comes from (describeConfigs `configSource`). */
export enum ConfigSource {
  UNKNOWN = 0,
  TOPIC_CONFIG = 1,
  DYNAMIC_BROKER_CONFIG = 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG = 3,
  STATIC_BROKER_CONFIG = 4,
  DEFAULT_CONFIG = 5,
  DYNAMIC_BROKER_LOGGER_CONFIG = 6,
}

/** ACL resource types. */
export enum AclResourceTypes {
  UNKNOWN = 0,
  ANY = 1,
  TOPIC = 2,
  GROUP = 3,
  CLUSTER = 4,
  TRANSACTIONAL_ID = 5,
  DELEGATION_TOKEN = 6,
}

/** ACL permission types. */
export enum AclPermissionTypes {
  UNKNOWN = 0,
  ANY = 1,
  DENY = 2,
  ALLOW = 3,
}

/** ACL operation types. */
export enum AclOperationTypes {
  UNKNOWN = 0,
  ANY = 1,
  ALL = 2,
  READ = 3,
  WRITE = 4,
  CREATE = 5,
  DELETE = 6,
  ALTER = 7,
  DESCRIBE = 8,
  CLUSTER_ACTION = 9,
  DESCRIBE_CONFIGS = 10,
  ALTER_CONFIGS = 11,
  IDEMPOTENT_WRITE = 12,
}

/** ACL resource pattern types. */
export enum ResourcePatternTypes {
  UNKNOWN = 0,
  ANY = 1,
  MATCH = 2,
  LITERAL = 3,
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
