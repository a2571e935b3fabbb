/** The public types of KafkaAdmin's operations (see ./admin). */
import type { ClientOptions } from '../core/client-base';
import { KafkaError, type KafkaErrorInit } from '../util/errors';
import type { TopicPartition } from '../core/message';

/** Options of {@link KafkaAdmin} besides the librdkafka configuration. */
export interface AdminOptions extends ClientOptions {
  /** Default timeout of every operation (default 30 000 ms). */
  timeoutMs?: number;
}

/** Options every operation accepts. */
export interface AdminCallOptions {
  /** How long the operation may take, from the call (default: the client's `timeoutMs`). */
  timeoutMs?: number;
}

/** Options of operations that can be dry-run. */
export interface ValidateOptions extends AdminCallOptions {
  /** Only validate the request on the broker; change nothing. */
  validateOnly?: boolean;
}

/** A topic to create. */
export interface NewTopic {
  /** The topic name. */
  topic: string;
  /** Number of partitions (default: the broker's `num.partitions`; 1 on a MockCluster). */
  numPartitions?: number;
  /** Replication factor (default: the broker's `default.replication.factor`; 1 on a MockCluster). */
  replicationFactor?: number;
  /** Topic configuration, e.g. `{ 'retention.ms': 60000 }` (ignored by a MockCluster). */
  config?: Record<string, string | number | boolean>;
  /** Broker ids of each partition's replicas, leader first (instead of numPartitions/replicationFactor). */
  replicaAssignment?: number[][];
}

/** A topic's new total partition count. */
export interface NewPartitions {
  /** The topic to grow. */
  topic: string;
  /** The number of partitions the topic has afterwards (not the number added). */
  totalCount: number;
}

/** A broker as the cluster advertises it. */
export interface BrokerInfo {
  /** The broker id (`node.id`). */
  id: number;
  /** The host name the broker advertises. */
  host: string;
  /** The port the broker advertises. */
  port: number;
}

/** What {@link KafkaAdmin.describeCluster} reports. */
export interface ClusterDescription {
  /** null when the brokers do not report one (very old brokers). */
  clusterId: string | null;
  /** The controller's broker id (-1 when unknown; a MockCluster reports 0, which is no broker). */
  controllerId: number;
  /** The controller, when it is one of {@link brokers}. */
  controller: BrokerInfo | null;
  /** Every broker of the cluster. */
  brokers: BrokerInfo[];
}

/** A partition of a topic as the cluster's metadata describes it. */
export interface PartitionDescription {
  /** The partition number. */
  partition: number;
  /** Leader's broker id (-1: no leader). */
  leader: number;
  /** Broker ids of the partition's replicas, the preferred leader first. */
  replicas: number[];
  /** In-sync replicas. */
  isr: number[];
  /** Set when the cluster reported a problem with this partition (e.g. LEADER_NOT_AVAILABLE). */
  error?: KafkaError;
}

/** A topic and its partitions. */
export interface TopicDescription {
  /** The topic name. */
  topic: string;
  /** Sorted by partition id. */
  partitions: PartitionDescription[];
}

/** Options of {@link KafkaAdmin.listTopics} / {@link KafkaAdmin.describeTopics}. */
export interface ListTopicsOptions extends AdminCallOptions {
  /** Include topics whose name starts with `__` (`__consumer_offsets`, ...). Default false. */
  includeInternal?: boolean;
}

/** Which offset of a partition {@link KafkaAdmin.listOffsets} looks up. */
export type OffsetSpec =
  | 'earliest'
  | 'latest'
  /** The offset of the message with the largest timestamp. */
  | 'maxTimestamp'
  /** The earliest offset whose timestamp is at least `timestamp`. */
  | {
      /** A time in ms since the epoch. */
      timestamp: number;
    };

/** A partition whose offset {@link KafkaAdmin.listOffsets} looks up. */
export interface ListOffsetsRequest extends TopicPartition {
  /** Which offset to look up. */
  spec: OffsetSpec;
}

/** Options of {@link KafkaAdmin.listOffsets}. */
export interface ListOffsetsOptions extends AdminCallOptions {
  /** `read_committed` hides offsets of open transactions (default `read_uncommitted`). */
  isolationLevel?: 'read_committed' | 'read_uncommitted';
}

/** An offset found by {@link KafkaAdmin.listOffsets}. */
export interface ListedOffset extends TopicPartition {
  /** -1n when there is no such offset (e.g. a timestamp after the last message). */
  offset: bigint;
  /** The message's timestamp, when the spec asked for one and the broker knows it. */
  timestamp: number | null;
  /** The leader epoch of the offset, when the broker reports one. */
  leaderEpoch: number | null;
}

/** A consumer group as {@link KafkaAdmin.listConsumerGroups} lists it. */
export interface ConsumerGroupListing {
  /** The group id. */
  groupId: string;
  /** A group used only to store offsets (no members, no protocol). */
  isSimple: boolean;
  /** `Stable`, `Empty`, `PreparingRebalance`, `CompletingRebalance`, `Dead` or `Unknown`. */
  state: string;
  /** `Classic`, `Consumer` (KIP-848) or `Unknown`. */
  type: string;
}

/** What {@link KafkaAdmin.listConsumerGroups} found. */
export interface ConsumerGroupList {
  /** The groups the brokers listed. */
  groups: ConsumerGroupListing[];
  /** Brokers that could not be asked (the list may then be incomplete). */
  errors: KafkaError[];
}

/** A member of a consumer group and its assignment. */
export interface GroupMember {
  /** The member id the coordinator assigned. */
  memberId: string;
  /** The member's `client.id`. */
  clientId: string;
  /** The host the member connected from. */
  host: string;
  /** The member's `group.instance.id` (static membership), or null. */
  groupInstanceId: string | null;
  /** The partitions currently assigned to the member. */
  assignment: TopicPartition[];
  /** KIP-848 groups: where the assignment is heading; null otherwise. */
  targetAssignment: TopicPartition[] | null;
}

/** A consumer group's state, coordinator and members. */
export interface ConsumerGroupDescription {
  /** The group id. */
  groupId: string;
  /** True for a group of consumers that only commit offsets (no group protocol). */
  isSimple: boolean;
  /** The assignor the group uses (`range`, `cooperative-sticky`, `uniform`, ...). */
  partitionAssignor: string;
  /** The group state (`Stable`, `PreparingRebalance`, `Empty`, `Dead`, ...). */
  state: string;
  /** The group protocol: `classic` or `consumer` (KIP-848). */
  type: string;
  /** The broker coordinating the group, when known. */
  coordinator: BrokerInfo | null;
  /** The group's current members. */
  members: GroupMember[];
  /** Only when asked for (`includeAuthorizedOperations`). */
  authorizedOperations: string[] | null;
}

/** Options of {@link KafkaAdmin.describeConsumerGroups}. */
export interface DescribeGroupsOptions extends AdminCallOptions {
  /** Also ask which operations this client may perform on each group (default false). */
  includeAuthorizedOperations?: boolean;
}

/** A consumer group's committed offset of one partition. */
export interface GroupOffset extends TopicPartition {
  /** The committed offset (the next message to read); -1n when none is committed. */
  offset: bigint;
  /** The metadata string committed with the offset, if any. */
  metadata: string | null;
  /** The leader epoch committed with the offset, if any. */
  leaderEpoch: number | null;
}

/** Options of {@link KafkaAdmin.listConsumerGroupOffsets}. */
export interface GroupOffsetsOptions extends AdminCallOptions {
  /** Wait for offsets of pending transactions to settle (KIP-447). */
  requireStable?: boolean;
}

/** Kinds of resources that have configuration entries. */
export type ConfigResourceType = 'topic' | 'broker' | 'group';

/** A resource whose configuration is described or changed. */
export interface ConfigResource {
  /** The kind of resource: a topic, a broker, a broker logger or a group. */
  type: ConfigResourceType;
  /** Topic name, broker id (as a string) or group id. */
  name: string;
}

/** One configuration entry of a resource. */
export interface ConfigEntry {
  /** The configuration property name. */
  name: string;
  /** null for sensitive or unset values. */
  value: string | null;
  /** Where the value comes from, e.g. `DYNAMIC_TOPIC_CONFIG`, `DEFAULT_CONFIG`. */
  source: string;
  /** True when the property cannot be changed. */
  isReadOnly: boolean;
  /** True when the value is the default (nothing set it explicitly). */
  isDefault: boolean;
  /** True for secrets: the broker does not return their value. */
  isSensitive: boolean;
  /** True for an entry that is a synonym of another (a broker-level value behind a topic one). */
  isSynonym: boolean;
}

/** A resource's configuration entries. */
export interface ConfigDescription extends ConfigResource {
  /** The resource's configuration entries. */
  entries: ConfigEntry[];
}

/** One change of an incremental config update. */
export interface ConfigChange {
  /** The configuration property to change. */
  name: string;
  /** Not needed for `delete`. */
  value?: string | number | boolean;
  /** `set` (default), `delete` (back to the default), `append`/`subtract` (list values). */
  op?: 'set' | 'delete' | 'append' | 'subtract';
}

/** Changes to one resource's configuration. */
export interface ConfigUpdate extends ConfigResource {
  /** The changes to apply, in one incremental update. */
  changes: ConfigChange[];
}

/** Records of a partition to delete: every record below `offset`. */
export interface DeleteRecordsRequest extends TopicPartition {
  /** The first offset to keep; `'end'` deletes every record the partition holds now. */
  offset: bigint | 'end';
}

/** A partition's earliest offset (low watermark) after {@link KafkaAdmin.deleteRecords}. */
export interface DeletedRecords extends TopicPartition {
  /** The partition's new low watermark (first offset still readable). */
  lowWatermark: bigint;
}

/**
 * The kind of resource an ACL protects: `'cluster'` is the cluster itself (its resource name
 * is `kafka-cluster`). Delegation-token and user ACLs are not supported by librdkafka 2.14.2.
 */
export type AclResourceType = 'topic' | 'group' | 'cluster' | 'transactionalId';

/** How an ACL's resource name applies: exactly (`'literal'`, `*` for every resource) or as a name prefix. */
export type AclPatternType = 'literal' | 'prefixed';

/** The operation an ACL allows or denies (`'all'`: every operation). */
export type AclOperation =
  | 'all'
  | 'read'
  | 'write'
  | 'create'
  | 'delete'
  | 'alter'
  | 'describe'
  | 'clusterAction'
  | 'describeConfigs'
  | 'alterConfigs'
  | 'idempotentWrite';

/** Whether an ACL allows or denies the operation (a matching deny wins). */
export type AclPermission = 'allow' | 'deny';

/** An access control entry on a resource (Kafka's AclBinding), for {@link KafkaAdmin.createAcls}. */
export interface AclBinding {
  /** The kind of resource. */
  resourceType: AclResourceType;
  /** The resource's name (a topic, group or transactional id; `kafka-cluster` for the cluster; `*`: every one). */
  resourceName: string;
  /** How {@link resourceName} applies. */
  patternType: AclPatternType;
  /** Whom the entry is about, as `Type:name`, e.g. `User:alice` (`User:*`: everyone). */
  principal: string;
  /** The client host the entry is about (default `*`: any host). */
  host?: string;
  /** The operation allowed or denied. */
  operation: AclOperation;
  /** Allow or deny. */
  permission: AclPermission;
}

/**
 * Which ACLs {@link KafkaAdmin.describeAcls} and {@link KafkaAdmin.deleteAcls} select. Every
 * given field must match; `'any'` and a missing (or null) name, principal or host match
 * anything. The enum fields are required so that no filter matches everything by omission.
 */
export interface AclBindingFilter {
  /** The kind of resource, or `'any'`. */
  resourceType: AclResourceType | 'any';
  /** The resource name; missing or null: any. */
  resourceName?: string | null;
  /**
   * `'literal'` or `'prefixed'`: entries of that pattern type named exactly `resourceName`;
   * `'any'`: entries of either type named `resourceName`; `'match'`: every entry that applies to
   * the resource `resourceName` (literal ones, `*`, and prefixes of the name).
   */
  patternType: AclPatternType | 'any' | 'match';
  /** The principal (`User:alice`); missing or null: any. */
  principal?: string | null;
  /** The host; missing or null: any. */
  host?: string | null;
  /** The operation, or `'any'`. */
  operation: AclOperation | 'any';
  /** The permission, or `'any'`. */
  permission: AclPermission | 'any';
}

/**
 * An ACL as the cluster reports it. `'unknown'` stands for a value librdkafka 2.14.2 does not
 * know (e.g. a delegation-token ACL or a newer operation created by another client).
 */
export interface AclDescription {
  /** The kind of resource. */
  resourceType: AclResourceType | 'unknown';
  /** The resource's name. */
  resourceName: string;
  /** How the resource name applies. */
  patternType: AclPatternType | 'unknown';
  /** The principal, e.g. `User:alice`. */
  principal: string;
  /** The host (`*`: any). */
  host: string;
  /** The operation allowed or denied. */
  operation: AclOperation | 'unknown';
  /** Allow or deny. */
  permission: AclPermission | 'unknown';
}

/** What one filter of {@link KafkaAdmin.deleteAcls} deleted. */
export interface AclDeletion {
  /** The ACLs the filter matched, now deleted. */
  deleted: AclDescription[];
}

/** One failed item of an operation on several topics, partitions, groups or resources. */
export interface AdminFailure {
  /** The topic, `topic[partition]`, group or resource the error is about. */
  name: string;
  /** What went wrong for this item. */
  error: KafkaError;
}

/**
 * An operation on several items failed for some of them (the others may have succeeded).
 * `code` is the first failure's; {@link failures} lists each.
 */
export class AdminError extends KafkaError {
  /** Each item that failed, with its error. */
  readonly failures: AdminFailure[];
  constructor(operation: string, failures: AdminFailure[]) {
    const first = failures[0]!.error;
    const init: KafkaErrorInit = {
      message: `${operation} failed: ${failures.map((f) => f.error.message).join('; ')}`,
      code: first.code,
      name: first.codeName,
      retriable: failures.every((f) => f.error.isRetriable),
    };
    super(init);
    this.failures = failures;
  }
}
