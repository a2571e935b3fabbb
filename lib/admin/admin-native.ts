/**
 * The native admin binding's surface (`NativeAdmin` in native/admin.cc): plain objects
 * as the addon returns them. {@link KafkaAdmin} turns them into the public types.
 */
import type { KafkaErrorInit } from '../util/errors';
import { native, type NativeBinding, type NativePartitionInput, type OnBatch } from '../native/binding';

export interface RawBroker {
  id: number;
  host: string;
  port: number;
}

export interface RawMetadata {
  clusterId: string | null;
  /** -1 when unknown. */
  controllerId: number;
  origBrokerId: number;
  brokers: RawBroker[];
  topics: Array<{
    topic: string;
    error?: KafkaErrorInit;
    partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[]; error?: KafkaErrorInit }>;
  }>;
}

/** A per-topic (or per-resource) outcome of a write operation. */
export interface RawItemResult {
  name: string;
  error?: KafkaErrorInit;
}

export interface RawConfigResource {
  /** rd_kafka_ResourceType_t */
  type: number;
  name: string;
  error?: KafkaErrorInit;
}

export interface RawConfigDescription extends RawConfigResource {
  entries: Array<{
    name: string;
    value: string | null;
    source: string;
    isReadOnly: boolean;
    isDefault: boolean;
    isSensitive: boolean;
    isSynonym: boolean;
  }>;
}

export interface RawListedOffset {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: number;
  leaderEpoch: number;
  error?: KafkaErrorInit;
}

export interface RawGroupListing {
  groupId: string;
  isSimple: boolean;
  state: string;
  type: string;
}

export interface RawAssignment {
  topic: string;
  partition: number;
}

export interface RawGroupDescription {
  groupId: string;
  error?: KafkaErrorInit;
  isSimple: boolean;
  partitionAssignor: string | null;
  state: string;
  type: string;
  coordinator: RawBroker | null;
  members: Array<{
    memberId: string | null;
    clientId: string | null;
    host: string | null;
    groupInstanceId: string | null;
    assignment: RawAssignment[];
    targetAssignment: RawAssignment[] | null;
  }>;
  authorizedOperations: string[] | null;
}

export interface RawGroupOffset {
  topic: string;
  partition: number;
  offset: bigint;
  metadata: string | null;
  leaderEpoch: number;
  error?: KafkaErrorInit;
}

/** A partition's new low watermark after DeleteRecords. */
export interface RawDeletedRecords {
  topic: string;
  partition: number;
  offset: bigint;
  error?: KafkaErrorInit;
}

/** An ACL binding or filter as the addon takes it: librdkafka's enum values (Kafka's protocol codes). */
export interface RawAclInput {
  resourceType: number;
  /** null in a filter: any. */
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permission: number;
}

/** An ACL binding as librdkafka reports it (0, UNKNOWN, for values it does not know). */
export interface RawAcl {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permission: number;
  error?: KafkaErrorInit;
}

export interface NativeAdmin {
  setOAuthBearerToken(token: string, expiresAtMs: number, principal: string, extensions: string[]): void;
  setOAuthBearerTokenFailure(message: string): void;
  metadata(allTopics: boolean, timeoutMs: number): Promise<RawMetadata>;
  createTopics(
    topics: Array<{
      topic: string;
      numPartitions: number;
      replicationFactor: number;
      config: Array<[string, string]>;
      replicaAssignment: number[][] | null;
    }>,
    timeoutMs: number,
    validateOnly: boolean,
  ): Promise<RawItemResult[]>;
  deleteTopics(topics: string[], timeoutMs: number): Promise<RawItemResult[]>;
  createPartitions(topics: Array<{ topic: string; totalCount: number }>, timeoutMs: number, validateOnly: boolean): Promise<RawItemResult[]>;
  describeConfigs(resources: Array<{ type: number; name: string }>, timeoutMs: number): Promise<RawConfigDescription[]>;
  incrementalAlterConfigs(
    resources: Array<{ type: number; name: string; ops: Array<{ name: string; op: number; value: string | null }> }>,
    timeoutMs: number,
    validateOnly: boolean,
  ): Promise<RawConfigResource[]>;
  listOffsets(partitions: NativePartitionInput[], timeoutMs: number, readCommitted: boolean): Promise<RawListedOffset[]>;
  listConsumerGroups(timeoutMs: number): Promise<{ groups: RawGroupListing[]; errors: KafkaErrorInit[] }>;
  describeConsumerGroups(groupIds: string[], timeoutMs: number, includeAuthorizedOperations: boolean): Promise<RawGroupDescription[]>;
  listConsumerGroupOffsets(
    groupId: string,
    partitions: NativePartitionInput[] | null,
    timeoutMs: number,
    requireStable: boolean,
  ): Promise<RawGroupOffset[]>;
  /** Kafka's legacy AlterConfigs: replaces each resource's whole dynamic configuration. */
  alterConfigs(
    resources: Array<{ type: number; name: string; entries: Array<[string, string]> }>,
    timeoutMs: number,
    validateOnly: boolean,
  ): Promise<RawConfigResource[]>;
  deleteGroups(groupIds: string[], timeoutMs: number): Promise<RawItemResult[]>;
  deleteRecords(partitions: NativePartitionInput[], timeoutMs: number): Promise<RawDeletedRecords[]>;
  /** One result per binding, in order. */
  createAcls(bindings: RawAclInput[], timeoutMs: number): Promise<Array<{ error?: KafkaErrorInit }>>;
  describeAcls(filter: RawAclInput, timeoutMs: number): Promise<RawAcl[]>;
  /** One result per filter, in order. */
  deleteAcls(filters: RawAclInput[], timeoutMs: number): Promise<Array<{ error?: KafkaErrorInit; matching: RawAcl[] }>>;
  close(): Promise<void>;
  ref(ref: boolean): void;
  name(): string | undefined;
}

/** The addon's admin class (registered in native/addon.cc as `Admin`). */
type NativeAdminClass = new (config: Record<string, string>, onBatch: OnBatch, options?: { oauthbearer?: boolean }) => NativeAdmin;

export function nativeAdminClass(): NativeAdminClass {
  return (native() as NativeBinding & { Admin: NativeAdminClass }).Admin;
}
