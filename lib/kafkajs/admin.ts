/**
 * KafkaJS's admin client over octokafka's {@link KafkaAdmin}. Partition reassignments, which
 * librdkafka has no request for, reject with {@link KafkaJSNotImplemented} saying so.
 */
import { KafkaAdmin } from '../admin/admin';
import { AdminError, type AclBinding, type AclBindingFilter, type PartitionDescription } from '../admin/admin-types';
import { KafkaConsumer } from '../client/consumer';
import type { ClientBase } from './config-mapping';
import {
  ACL_OPERATION_NAMES,
  ACL_PATTERN_NAMES,
  ACL_PERMISSION_NAMES,
  ACL_RESOURCE_NAMES,
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  ConfigSource,
  ResourcePatternTypes,
  aclCode,
  configResourceName,
} from './enums';
import { KafkaJSCreateTopicError, KafkaJSDeleteGroupsError, KafkaJSDeleteTopicRecordsError, KafkaJSError, KafkaJSNonRetriableError, KafkaJSNotImplemented, KafkaJSProtocolError, protocolError, toKafkaJSError } from './errors';
import { Instrumentation } from './events';
import { encodeAssignment } from './consumer';
import type {
  AclEntry,
  AclFilter,
  AdminConfig,
  AdminEvents,
  DeleteAclResponse,
  DeleteGroupsResult,
  DescribeAclResource,
  DescribeAclResponse,
  DescribeConfigResponse,
  FetchOffsetsPartition,
  GroupDescriptions,
  GroupOverview,
  InstrumentationEvent,
  IResourceConfig,
  ITopicConfig,
  ITopicMetadata,
  PartitionMetadata,
  ITopicPartitionConfig,
  Logger,
  ResourceConfigQuery,
  SeekEntry,
  ValueOf,
} from './types';

const EVENTS: AdminEvents = {
  CONNECT: 'admin.connect',
  DISCONNECT: 'admin.disconnect',
  REQUEST: 'admin.network.request',
  REQUEST_TIMEOUT: 'admin.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'admin.network.request_queue_size',
};

const SOURCES: Record<string, ConfigSource> = {
  UNKNOWN_CONFIG: ConfigSource.UNKNOWN,
  DYNAMIC_TOPIC_CONFIG: ConfigSource.TOPIC_CONFIG,
  DYNAMIC_BROKER_CONFIG: ConfigSource.DYNAMIC_BROKER_CONFIG,
  DYNAMIC_DEFAULT_BROKER_CONFIG: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
  STATIC_BROKER_CONFIG: ConfigSource.STATIC_BROKER_CONFIG,
  DEFAULT_CONFIG: ConfigSource.DEFAULT_CONFIG,
  DYNAMIC_BROKER_LOGGER_CONFIG: ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG,
};

/** A KafkaJS admin client. Obtain one with `kafka.admin()`. */
export class KafkaJSAdmin {
  /** KafkaJS's admin event names. */
  readonly events = EVENTS;
  private readonly instrumentation = new Instrumentation(new Set(Object.values(EVENTS)));
  private readonly log: Logger;
  private raw: KafkaAdmin | undefined;
  private servers: string | undefined;

  /** @internal Created by {@link Kafka.admin}. */
  constructor(
    private readonly base: ClientBase,
    config: AdminConfig = {},
  ) {
    this.log = base.logger.namespace('Admin');
    if (config.retry !== undefined) this.log.warn('admin({ retry }) is ignored: librdkafka retries admin requests itself (retry.backoff.ms from the client retry options)');
  }

  private get admin(): KafkaAdmin {
    if (!this.raw) throw new KafkaJSError('Admin is not connected: call connect() first', { retriable: false });
    return this.raw;
  }

  private async call<T>(fn: (a: KafkaAdmin) => Promise<T>): Promise<T> {
    const a = this.admin;
    try {
      return await fn(a);
    } catch (e) {
      throw toKafkaJSError(e);
    }
  }

  /** Connects: resolves the brokers and waits for the cluster to answer. */
  async connect(): Promise<void> {
    if (this.raw) return;
    this.servers = await this.base.brokers();
    const raw = new KafkaAdmin({ ...this.base.config, 'bootstrap.servers': this.servers }, { ...this.base.options, timeoutMs: this.base.requestTimeout });
    raw.on('error', () => undefined);
    try {
      await raw.connect({ timeoutMs: Math.max(this.base.connectionTimeout, 10_000) });
    } catch (e) {
      await raw.close().catch(() => undefined);
      throw toKafkaJSError(e);
    }
    this.raw = raw;
    this.instrumentation.emit(EVENTS.CONNECT, null);
  }

  /** Closes the connections; the admin client can connect again. Emits `admin.disconnect`. */
  async disconnect(): Promise<void> {
    const raw = this.raw;
    this.raw = undefined;
    if (raw) await raw.close().catch(() => undefined);
    this.instrumentation.emit(EVENTS.DISCONNECT, null);
  }

  /** KafkaJS's logger of this admin client (namespace `Admin`). */
  logger(): Logger {
    return this.log;
  }

  /**
   * Listens to an instrumentation event (`admin.connect`, `admin.disconnect`); returns the
   * remover. The `admin.network.*` events are accepted but never emitted: librdkafka's
   * requests are not visible to JavaScript.
   */
  on(eventName: ValueOf<AdminEvents>, listener: (event: InstrumentationEvent<any>) => void): () => void {
    return this.instrumentation.on(eventName, listener);
  }

  /** Topic names (internal topics excluded, as KafkaJS). */
  async listTopics(): Promise<string[]> {
    return this.call((a) => a.listTopics());
  }

  /** Creates topics; resolves true when created, false when they all existed already. */
  async createTopics({ topics, validateOnly, timeout, waitForLeaders }: { validateOnly?: boolean; waitForLeaders?: boolean; timeout?: number; topics: ITopicConfig[] }): Promise<boolean> {
    if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${String(topics)}`);
    const specs = topics.map((t) => ({
      topic: t.topic,
      ...(t.numPartitions !== undefined && t.numPartitions !== -1 ? { numPartitions: t.numPartitions } : {}),
      ...(t.replicationFactor !== undefined && t.replicationFactor !== -1 ? { replicationFactor: t.replicationFactor } : {}),
      ...(t.replicaAssignment?.length
        ? { replicaAssignment: [...t.replicaAssignment].sort((x, y) => x.partition - y.partition).map((r) => r.replicas) }
        : {}),
      ...(t.configEntries?.length ? { config: Object.fromEntries(t.configEntries.map((e) => [e.name, e.value])) } : {}),
    }));
    const a = this.admin;
    try {
      await a.createTopics(specs, { validateOnly: Boolean(validateOnly), ...(timeout ? { timeoutMs: timeout } : {}) });
    } catch (e) {
      if (e instanceof AdminError && e.failures.every((f) => f.error.code === 36)) return false;
      if (e instanceof AdminError) {
        const first = e.failures[0]!;
        const p = toKafkaJSError(first.error) as KafkaJSProtocolError;
        throw new KafkaJSCreateTopicError({ message: e.message, type: p.type ?? 'UNKNOWN', code: p.code ?? -1, retriable: p.retriable }, first.name.replace(/^topic "(.*)"$/, '$1'));
      }
      throw toKafkaJSError(e);
    }
    if (waitForLeaders !== false && !validateOnly) await this.waitForLeaders(topics.map((t) => t.topic), timeout ?? 5000);
    return true;
  }

  private async waitForLeaders(topics: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ok = await this.admin
        .describeTopics(topics)
        .then((d) => d.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)))
        .catch(() => false);
      if (ok || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Deletes topics. When any cannot be deleted, rejects with the {@link KafkaJSProtocolError}
   * of the first failure (e.g. `UNKNOWN_TOPIC_OR_PARTITION`; the message lists every failure).
   * `timeout` (ms) bounds the request (default: the client's `requestTimeout`).
   */
  async deleteTopics({ topics, timeout }: { topics: string[]; timeout?: number }): Promise<void> {
    await this.call((a) => a.deleteTopics(topics, timeout ? { timeoutMs: timeout } : {}));
  }

  /** Adds partitions (`count` is the new total). Explicit `assignments` are not supported. */
  async createPartitions({ topicPartitions, validateOnly, timeout }: { validateOnly?: boolean; timeout?: number; topicPartitions: ITopicPartitionConfig[] }): Promise<boolean> {
    if (topicPartitions.some((t) => t.assignments?.length)) {
      throw new KafkaJSNotImplemented('createPartitions: topicPartitions[].assignments is not supported (KafkaAdmin.createPartitions takes a total count only)');
    }
    await this.call((a) => a.createPartitions(topicPartitions.map((t) => ({ topic: t.topic, totalCount: t.count })), { validateOnly: Boolean(validateOnly), ...(timeout ? { timeoutMs: timeout } : {}) }));
    return true;
  }

  /** Partition metadata of the given topics (default: all). */
  async fetchTopicMetadata({ topics }: { topics: string[] } = { topics: [] }): Promise<{
    /** One entry per topic, with its partitions' leaders and replicas. */
    topics: ITopicMetadata[];
  }> {
    const list = await this.call((a) => a.describeTopics(topics && topics.length > 0 ? topics : undefined));
    return {
      topics: list.map((t) => ({
        name: t.topic,
        partitions: t.partitions.map(toPartitionMetadata),
      })),
    };
  }

  private async partitionsOf(topic: string): Promise<number[]> {
    const [t] = await this.call((a) => a.describeTopics([topic]));
    return t!.partitions.map((p) => p.partition);
  }

  /** Low and high watermarks of each partition of a topic (`offset` is the high one). */
  async fetchTopicOffsets(topic: string): Promise<
    Array<
      SeekEntry & {
        /** The high watermark: the offset the next message written will get. */
        high: string;
        /** The low watermark: the earliest offset still in the log. */
        low: string;
      }
    >
  > {
    const partitions = await this.partitionsOf(topic);
    const [low, high] = await Promise.all(
      (['earliest', 'latest'] as const).map((spec) => this.call((a) => a.listOffsets(partitions.map((partition) => ({ topic, partition, spec }))))),
    );
    return partitions.map((partition, i) => ({ partition, offset: String(high![i]!.offset), high: String(high![i]!.offset), low: String(low![i]!.offset) }));
  }

  /** For each partition, the first offset whose timestamp is at least `timestamp` (the high watermark when none; the latest offsets without a timestamp). */
  async fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<SeekEntry[]> {
    const partitions = await this.partitionsOf(topic);
    const spec = timestamp === undefined ? ('latest' as const) : { timestamp };
    const [found, high] = await Promise.all([
      this.call((a) => a.listOffsets(partitions.map((partition) => ({ topic, partition, spec })))),
      this.call((a) => a.listOffsets(partitions.map((partition) => ({ topic, partition, spec: 'latest' as const })))),
    ]);
    return partitions.map((partition, i) => ({ partition, offset: String(found[i]!.offset < 0n ? high[i]!.offset : found[i]!.offset) }));
  }

  /** A group's committed offsets per topic (`-1` for a partition without one). */
  async fetchOffsets({ groupId, topics, resolveOffsets }: { groupId: string; topics?: string[]; resolveOffsets?: boolean }): Promise<
    Array<{
      /** The topic. */
      topic: string;
      /** Its partitions with the group's committed offset (`-1`: none) and commit metadata. */
      partitions: FetchOffsetsPartition[];
    }>
  > {
    if (!groupId) throw new KafkaJSNonRetriableError(`Invalid groupId ${String(groupId)}`);
    const committed = await this.call((a) => a.listConsumerGroupOffsets(groupId));
    const wanted = topics ?? [...new Set(committed.map((c) => c.topic))];
    const out: Array<{ topic: string; partitions: FetchOffsetsPartition[] }> = [];
    for (const topic of wanted) {
      const partitions = topics ? await this.partitionsOf(topic) : committed.filter((c) => c.topic === topic).map((c) => c.partition);
      let offsets = partitions.map((partition) => {
        const c = committed.find((x) => x.topic === topic && x.partition === partition);
        return { partition, offset: c ? String(c.offset) : '-1', metadata: c?.metadata ?? null };
      });
      if (resolveOffsets) {
        const low = await this.call((a) => a.listOffsets(partitions.map((partition) => ({ topic, partition, spec: 'earliest' as const }))));
        offsets = offsets.map((o, i) => (o.offset === '-1' ? { ...o, offset: String(low[i]!.offset) } : o));
      }
      out.push({ topic, partitions: offsets.sort((x, y) => x.partition - y.partition) });
    }
    return out;
  }

  /** Sets a group's committed offsets (the group must have no active members, as in KafkaJS). */
  async setOffsets({ groupId, topic, partitions }: { groupId: string; topic: string; partitions: SeekEntry[] }): Promise<void> {
    if (!groupId) throw new KafkaJSNonRetriableError(`Invalid groupId ${String(groupId)}`);
    await this.assertGroupIdle(groupId, 'setOffsets');
    const c = new KafkaConsumer({ ...this.base.config, 'bootstrap.servers': this.servers!, 'group.id': groupId, 'enable.auto.commit': false }, this.base.options);
    c.on('error', () => undefined);
    try {
      await c.commit(partitions.map((p) => ({ topic, partition: p.partition, offset: BigInt(p.offset) })));
    } catch (e) {
      throw toKafkaJSError(e);
    } finally {
      await c.close().catch(() => undefined);
    }
  }

  private async assertGroupIdle(groupId: string, what: string): Promise<void> {
    let g;
    try {
      [g] = await this.admin.describeConsumerGroups([groupId]);
    } catch (e) {
      // A cluster without DescribeGroups (the embedded mock): the broker itself refuses a
      // commit from a non-member while the group has members.
      if ((e as { code?: number }).code === -165) return;
      throw toKafkaJSError(e);
    }
    if (g && g.members.length > 0) {
      throw new KafkaJSNonRetriableError(`The consumer group must have no running instances, current state: ${g.state} (${what})`);
    }
  }

  /** Sets a group's offsets on a topic to the earliest or (default) the latest offsets. */
  async resetOffsets({ groupId, topic, earliest = false }: { groupId: string; topic: string; earliest?: boolean }): Promise<void> {
    const offsets = await this.fetchTopicOffsets(topic);
    await this.setOffsets({ groupId, topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: earliest ? o.low : o.high })) });
  }

  /** The cluster's brokers, its controller and its id, from a metadata request. */
  async describeCluster(): Promise<{
    /** The brokers the cluster metadata lists. */
    brokers: Array<{
      /** The broker id (`node.id` / `broker.id`). */
      nodeId: number;
      /** The host name the broker advertises. */
      host: string;
      /** The port the broker advertises. */
      port: number;
    }>;
    /** The controller's broker id; null when the metadata names none. */
    controller: number | null;
    /** The cluster id; empty when the cluster has none. */
    clusterId: string;
  }> {
    const d = await this.call((a) => a.describeCluster());
    return { brokers: d.brokers.map((b) => ({ nodeId: b.id, host: b.host, port: b.port })), controller: d.controllerId < 0 ? null : d.controllerId, clusterId: d.clusterId ?? '' };
  }

  /** Describes topic and broker configurations. */
  async describeConfigs({ resources, includeSynonyms }: { resources: ResourceConfigQuery[]; includeSynonyms: boolean }): Promise<DescribeConfigResponse> {
    const query = resources.map((r) => {
      const type = configResourceName(r.type);
      if (!type) throw new KafkaJSNotImplemented(`describeConfigs: resource type ${ConfigResourceTypes[r.type] ?? r.type} is not supported (TOPIC and BROKER are)`);
      return { type, name: r.name };
    });
    const described = await this.call((a) => a.describeConfigs(query));
    return {
      throttleTime: 0,
      resources: described.map((d, i) => {
        const names = resources[i]!.configNames;
        return {
          errorCode: 0,
          errorMessage: '',
          resourceName: d.name,
          resourceType: resources[i]!.type,
          configEntries: d.entries
            .filter((e) => !names || names.length === 0 || names.includes(e.name))
            .map((e) => ({
              configName: e.name,
              configValue: e.value as string,
              isDefault: e.isDefault,
              configSource: SOURCES[e.source] ?? ConfigSource.UNKNOWN,
              isSensitive: e.isSensitive,
              readOnly: e.isReadOnly,
              configSynonyms: includeSynonyms ? [] : [],
            })),
        };
      }),
    };
  }

  /**
   * Sets configuration entries. Unlike KafkaJS (AlterConfigs, which resets every entry not
   * given to its default), the given entries are set incrementally and the others are kept.
   */
  async alterConfigs({ validateOnly, resources }: { validateOnly: boolean; resources: IResourceConfig[] }): Promise<any> {
    const updates = resources.map((r) => {
      const type = configResourceName(r.type);
      if (!type) throw new KafkaJSNotImplemented(`alterConfigs: resource type ${ConfigResourceTypes[r.type] ?? r.type} is not supported (TOPIC and BROKER are)`);
      return { type, name: r.name, changes: r.configEntries.map((e) => ({ name: e.name, value: e.value, op: 'set' as const })) };
    });
    await this.call((a) => a.alterConfigs(updates, { validateOnly: Boolean(validateOnly) }));
    return { throttleTime: 0, resources: resources.map((r) => ({ errorCode: 0, errorMessage: null, resourceName: r.name, resourceType: r.type })) };
  }

  /**
   * The cluster's consumer groups. `protocolType` is `consumer` for groups of subscribing
   * consumers and empty for groups that only commit offsets (librdkafka's "simple" groups).
   */
  async listGroups(): Promise<{
    /** One entry per group. */
    groups: GroupOverview[];
  }> {
    const list = await this.call((a) => a.listConsumerGroups());
    return { groups: list.groups.map((g) => ({ groupId: g.groupId, protocolType: g.isSimple ? '' : 'consumer' })) };
  }

  /**
   * Describes groups: state, protocol and members with their assignments (encoded as Kafka's
   * consumer protocol does). `memberMetadata` is empty: librdkafka's admin API does not
   * return it. librdkafka's `roundrobin` assignor is reported as KafkaJS's `RoundRobinAssigner`.
   */
  async describeGroups(groupIds: string[]): Promise<GroupDescriptions> {
    const list = await this.call((a) => a.describeConsumerGroups(groupIds));
    return {
      groups: list.map((g) => ({
        groupId: g.groupId,
        protocol: g.partitionAssignor === 'roundrobin' ? 'RoundRobinAssigner' : g.partitionAssignor,
        protocolType: g.isSimple ? '' : 'consumer',
        state: (g.state.charAt(0).toUpperCase() + g.state.slice(1)) as GroupDescriptions['groups'][number]['state'],
        members: g.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, clientHost: m.host, memberMetadata: Buffer.alloc(0), memberAssignment: encodeAssignment(m.assignment) })),
      })),
    };
  }

  /** Deletes groups; rejects with {@link KafkaJSDeleteGroupsError} (its `groups` say which failed) when any fails. */
  async deleteGroups(groupIds: string[]): Promise<DeleteGroupsResult[]> {
    try {
      await this.admin.deleteConsumerGroups(groupIds);
      return groupIds.map((groupId) => ({ groupId, errorCode: 0 }));
    } catch (e) {
      if (!(e instanceof AdminError)) throw toKafkaJSError(e);
      const failed = e.failures.map((f) => {
        const error = toKafkaJSError(f.error) as KafkaJSError;
        return { groupId: groupIds.find((g) => f.name.includes(g)) ?? f.name, errorCode: f.error.code, error };
      });
      throw new KafkaJSDeleteGroupsError('Error in DeleteGroups', failed);
    }
  }

  /** Deletes records before the given offsets (`-1`: all of the partition). */
  async deleteTopicRecords({ topic, partitions }: { topic: string; partitions: SeekEntry[] }): Promise<void> {
    try {
      await this.admin.deleteRecords(partitions.map((p) => ({ topic, partition: p.partition, offset: p.offset === '-1' ? 'end' : BigInt(p.offset) })));
    } catch (e) {
      if (e instanceof AdminError) {
        throw new KafkaJSDeleteTopicRecordsError({
          partitions: partitions.map((p) => {
            const f = e.failures.find((x) => x.name.includes(`[${p.partition}]`));
            return { partition: p.partition, offset: p.offset, ...(f ? { error: toKafkaJSError(f.error) as KafkaJSError } : {}) };
          }),
        });
      }
      throw toKafkaJSError(e);
    }
  }

  /**
   * Creates ACLs (KafkaJS's argument checks and messages); resolves true. The cluster needs an
   * authorizer; a refused entry rejects with the broker's error as a {@link KafkaJSProtocolError}
   * (e.g. `SECURITY_DISABLED`, `CLUSTER_AUTHORIZATION_FAILED`). `DELEGATION_TOKEN` resources are
   * {@link KafkaJSNotImplemented} (librdkafka 2.14.2 has no such resource type).
   */
  async createAcls({ acl }: { acl: AclEntry[] }): Promise<boolean> {
    checkAclArgs(acl, 'ACL array', true);
    const bindings = acl.map(
      (a): AclBinding => ({
        resourceType: aclName(ACL_RESOURCE_NAMES, a.resourceType, 'resource type', a, true) as AclBinding['resourceType'],
        resourceName: a.resourceName,
        patternType: aclName(ACL_PATTERN_NAMES, a.resourcePatternType, 'resource pattern type', a, true) as AclBinding['patternType'],
        principal: a.principal,
        host: a.host,
        operation: aclName(ACL_OPERATION_NAMES, a.operation, 'operation type', a, true) as AclBinding['operation'],
        permission: aclName(ACL_PERMISSION_NAMES, a.permissionType, 'permission type', a, true) as AclBinding['permission'],
      }),
    );
    await this.call((a) => a.createAcls(bindings));
    return true;
  }

  /**
   * The ACLs a filter selects, grouped by resource as KafkaJS's DescribeAcls response. An
   * omitted `resourceName`, `principal` or `host` matches any. `throttleTime` is always 0
   * (librdkafka does not report it); `errorCode` is always 0 and `errorMessage` null (a failure
   * rejects instead).
   */
  async describeAcls(filter: AclFilter): Promise<DescribeAclResponse> {
    const f = filter ?? ({} as AclFilter);
    if (typeof f.principal !== 'string' && typeof f.principal !== 'undefined') throw new KafkaJSNonRetriableError('Invalid principal, the principal have to be a valid string');
    if (typeof f.host !== 'string' && typeof f.host !== 'undefined') throw new KafkaJSNonRetriableError('Invalid host, the host have to be a valid string');
    if (typeof f.resourceName !== 'string' && typeof f.resourceName !== 'undefined') throw new KafkaJSNonRetriableError('Invalid resourceName, the resourceName have to be a valid string');
    if (!codes(AclOperationTypes).includes(f.operation)) throw new KafkaJSNonRetriableError(`Invalid operation type ${String(f.operation)}`);
    if (!codes(ResourcePatternTypes).includes(f.resourcePatternType)) throw new KafkaJSNonRetriableError(`Invalid resource pattern filter type ${String(f.resourcePatternType)}`);
    if (!codes(AclPermissionTypes).includes(f.permissionType)) throw new KafkaJSNonRetriableError(`Invalid permission type ${String(f.permissionType)}`);
    if (!codes(AclResourceTypes).includes(f.resourceType)) throw new KafkaJSNonRetriableError(`Invalid resource type ${String(f.resourceType)}`);
    const found = await this.call((a) => a.describeAcls(toAclFilter(f)));
    const resources: DescribeAclResource[] = [];
    const byResource = new Map<string, DescribeAclResource>();
    for (const b of found) {
      const resource = {
        resourceType: aclCode(ACL_RESOURCE_NAMES, b.resourceType) as AclResourceTypes,
        resourceName: b.resourceName,
        resourcePatternType: aclCode(ACL_PATTERN_NAMES, b.patternType) as ResourcePatternTypes,
      };
      const key = JSON.stringify(resource);
      let entry = byResource.get(key);
      if (!entry) {
        entry = { ...resource, acls: [] };
        byResource.set(key, entry);
        resources.push(entry);
      }
      entry.acls.push({
        principal: b.principal,
        host: b.host,
        operation: aclCode(ACL_OPERATION_NAMES, b.operation) as AclOperationTypes,
        permissionType: aclCode(ACL_PERMISSION_NAMES, b.permission) as AclPermissionTypes,
      });
    }
    return { throttleTime: 0, errorCode: 0, errorMessage: null, resources };
  }

  /**
   * Deletes the ACLs each filter selects; resolves with what each filter deleted (in filter
   * order). As in KafkaJS, a filter or entry the broker could not delete rejects with its error
   * (a {@link KafkaJSProtocolError}); `throttleTime` is always 0.
   */
  async deleteAcls({ filters }: { filters: AclFilter[] }): Promise<DeleteAclResponse> {
    checkAclArgs(filters, 'ACL Filter array', false);
    const deletions = await this.call((a) => a.deleteAcls(filters.map(toAclFilter)));
    return {
      throttleTime: 0,
      filterResponses: deletions.map((d) => ({
        errorCode: 0,
        errorMessage: null,
        matchingAcls: d.deleted.map((b) => ({
          errorCode: 0,
          errorMessage: null,
          resourceType: aclCode(ACL_RESOURCE_NAMES, b.resourceType) as AclResourceTypes,
          resourceName: b.resourceName,
          resourcePatternType: aclCode(ACL_PATTERN_NAMES, b.patternType) as ResourcePatternTypes,
          principal: b.principal,
          host: b.host,
          operation: aclCode(ACL_OPERATION_NAMES, b.operation) as AclOperationTypes,
          permissionType: aclCode(ACL_PERMISSION_NAMES, b.permission) as AclPermissionTypes,
        })),
      })),
    };
  }

  /** Not supported: librdkafka 2.14.2 has no AlterPartitionReassignments request (its C API offers none). */
  async alterPartitionReassignments(_request: unknown): Promise<void> {
    throw new KafkaJSNotImplemented(
      'alterPartitionReassignments is not supported: librdkafka 2.14.2, which octokafka is built on, has no AlterPartitionReassignments request (its C API offers none); use Kafka\'s kafka-reassign-partitions tool or a Java AdminClient',
    );
  }

  /** Not supported: librdkafka 2.14.2 has no ListPartitionReassignments request (its C API offers none). */
  async listPartitionReassignments(_request: unknown): Promise<any> {
    throw new KafkaJSNotImplemented(
      'listPartitionReassignments is not supported: librdkafka 2.14.2, which octokafka is built on, has no ListPartitionReassignments request (its C API offers none); use Kafka\'s kafka-reassign-partitions tool or a Java AdminClient',
    );
  }
}

export { protocolError };

/** A partition as KafkaJS's metadata gives it (the producer's partitioner reads the same shape). */
export function toPartitionMetadata(p: PartitionDescription): PartitionMetadata {
  return {
    partitionErrorCode: p.error ? p.error.code : 0,
    partitionId: p.partition,
    leader: p.leader,
    replicas: p.replicas,
    isr: p.isr,
    offlineReplicas: [],
  };
}

/** The numeric values of a TypeScript enum (its object also maps the numbers back to names). */
function codes(e: object): unknown[] {
  return Object.values(e).filter((v) => typeof v === 'number');
}

/**
 * KafkaJS's checks of createAcls' entries and deleteAcls' filters, with its messages (`what`:
 * 'ACL array' or 'ACL Filter array'). In filters the strings may be left out (any).
 */
function checkAclArgs(list: Array<Partial<AclFilter>>, what: string, entries: boolean): void {
  if (!list || !Array.isArray(list)) throw new KafkaJSNonRetriableError(`Invalid ${what} ${String(list)}`);
  if (list.length === 0) throw new KafkaJSNonRetriableError(`Empty ${what}`);
  const badString = (key: 'principal' | 'host' | 'resourceName') => list.some((a) => typeof a?.[key] !== 'string' && (entries || typeof a?.[key] !== 'undefined'));
  if (badString('principal')) throw new KafkaJSNonRetriableError(`Invalid ${what}, the principals have to be a valid string`);
  if (badString('host')) throw new KafkaJSNonRetriableError(`Invalid ${what}, the hosts have to be a valid string`);
  if (badString('resourceName')) throw new KafkaJSNonRetriableError(`Invalid ${what}, the resourceNames have to be a valid string`);
  const invalid = (key: 'operation' | 'resourcePatternType' | 'permissionType' | 'resourceType', values: object, label: string) => {
    const at = list.findIndex((a) => !codes(values).includes(a?.[key]));
    if (at >= 0) throw new KafkaJSNonRetriableError(`Invalid ${label} ${String(list[at]?.[key])}: ${JSON.stringify(list[at])}`);
  };
  invalid('operation', AclOperationTypes, 'operation type');
  invalid('resourcePatternType', ResourcePatternTypes, 'resource pattern type');
  invalid('permissionType', AclPermissionTypes, 'permission type');
  invalid('resourceType', AclResourceTypes, 'resource type');
}

/**
 * octokafka's name of a KafkaJS ACL enum value. An entry to create needs concrete values (not
 * ANY, MATCH or UNKNOWN); DELEGATION_TOKEN has no librdkafka counterpart.
 */
function aclName<E extends number, N extends string>(
  table: Readonly<Partial<Record<E, N>>>,
  value: E,
  label: string,
  entry: object,
  concrete: boolean,
): N {
  if ((table as object) === ACL_RESOURCE_NAMES && value === (AclResourceTypes.DELEGATION_TOKEN as number)) {
    throw new KafkaJSNotImplemented(`DELEGATION_TOKEN ACLs are not supported: librdkafka 2.14.2, which octokafka is built on, has no such resource type (${JSON.stringify(entry)})`);
  }
  const name = table[value];
  if (name === undefined || (concrete && (name === 'any' || name === 'match'))) {
    throw new KafkaJSNonRetriableError(`Invalid ${label} ${String(value)}: ${concrete ? 'an ACL to create needs a concrete value (not UNKNOWN, ANY or MATCH)' : 'UNKNOWN matches nothing'}: ${JSON.stringify(entry)}`);
  }
  return name;
}

/** A KafkaJS ACL filter (checked) as octokafka's: left-out strings match any. */
function toAclFilter(f: AclFilter): AclBindingFilter {
  return {
    resourceType: aclName(ACL_RESOURCE_NAMES, f.resourceType, 'resource type', f, false) as AclBindingFilter['resourceType'],
    resourceName: f.resourceName ?? null,
    patternType: aclName(ACL_PATTERN_NAMES, f.resourcePatternType, 'resource pattern type', f, false) as AclBindingFilter['patternType'],
    principal: f.principal ?? null,
    host: f.host ?? null,
    operation: aclName(ACL_OPERATION_NAMES, f.operation, 'operation type', f, false) as AclBindingFilter['operation'],
    permission: aclName(ACL_PERMISSION_NAMES, f.permissionType, 'permission type', f, false) as AclBindingFilter['permission'],
  };
}
