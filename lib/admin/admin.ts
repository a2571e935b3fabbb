/**
 * KafkaAdmin: topics, partitions, offsets, consumer groups and configs through librdkafka's
 * Admin API. Every operation runs on the client's native thread; none blocks the event loop.
 *
 * On a {@link MockCluster} (librdkafka's mock, which lacks most admin requests):
 * - `createTopics` goes through the in-process cluster's own API, or through the control
 *   socket of a local `octokafka mock` process (../testing/mock-control; both found through
 *   ../core/mock-registry, which the mock fills); for another mock cluster in another process
 *   it fails fast, saying how to create topics there;
 * - `deleteTopics`, `createPartitions`, `describeConfigs`, `alterConfigs`, `deleteRecords`,
 *   `listConsumerGroups`, `describeConsumerGroups`, `deleteConsumerGroups`, `createAcls`,
 *   `describeAcls` and `deleteAcls` fail at once with a {@link KafkaError} of code
 *   `UNSUPPORTED_FEATURE`;
 * - metadata (`describeCluster`, `listTopics`, `describeTopics`), `listOffsets` and
 *   `listConsumerGroupOffsets` work (the mock cannot look offsets up by timestamp: -1n).
 */
import {
  AdminError,
  type AclBinding,
  type AclBindingFilter,
  type AclDeletion,
  type AclDescription,
  type AdminCallOptions,
  type AdminFailure,
  type AdminOptions,
  type BrokerInfo,
  type ClusterDescription,
  type ConfigDescription,
  type ConfigResource,
  type ConfigResourceType,
  type ConfigUpdate,
  type ConsumerGroupDescription,
  type ConsumerGroupList,
  type DeletedRecords,
  type DeleteRecordsRequest,
  type DescribeGroupsOptions,
  type GroupOffset,
  type GroupOffsetsOptions,
  type ListedOffset,
  type ListOffsetsOptions,
  type ListOffsetsRequest,
  type ListTopicsOptions,
  type NewPartitions,
  type NewTopic,
  type OffsetSpec,
  type TopicDescription,
  type ValidateOptions,
} from './admin-types';
import {
  ACL_OPERATIONS,
  ACL_PATTERN_TYPES,
  ACL_PERMISSIONS,
  ACL_RESOURCE_TYPES,
  checkAclBindings,
  checkAclFilter,
  checkArray,
  checkName,
  checkNames,
  checkNewTopics,
  checkObject,
  checkPositiveInt,
  checkResources,
  checkTimeout,
  checkTopicPartition,
} from './admin-checks';
import {
  nativeAdminClass,
  type NativeAdmin,
  type RawAcl,
  type RawAclInput,
  type RawBroker,
  type RawConfigResource,
  type RawGroupDescription,
  type RawItemResult,
  type RawMetadata,
} from './admin-native';
import { ClientBase, type LogEntry } from '../core/client-base';
import { settlesWithin, timeoutOf, type BaseCloseReport, type TimeoutOptions } from '../core/call-options';
import { toConfigError } from '../config/client-config';
import type { AdminConfig } from '../config/typed-config';
import { validateConfig } from '../config/config';
import { ClosedError, ErrorCode, KafkaError, type KafkaErrorInit } from '../util/errors';
import type { TopicPartition } from '../core/message';
import { findInProcessMock, findMock, type MockTopicCreator } from '../core/mock-registry';
import { nativeError, type NativeEvent, type NativePartitionInput } from '../native/binding';

/** librdkafka defaults octokafka changes for admin clients (each overridable). */
export const ADMIN_DEFAULTS: Readonly<Record<string, string>> = {
  // Looking up offsets or leaders must never create a topic as a side effect.
  'allow.auto.create.topics': 'false',
};

const RESOURCE_NAMES: Record<number, ConfigResourceType> = { 2: 'topic', 3: 'group', 4: 'broker' };
const RESOURCE_TYPES_BY_NAME: Record<ConfigResourceType, number> = { topic: 2, group: 3, broker: 4 };
const CONFIG_OPS = { set: 0, delete: 1, append: 2, subtract: 3 } as const;
const OFFSET_SPECS = { latest: -1n, earliest: -2n, maxTimestamp: -3n } as const;
/** The config source of entries set on the resource itself, per resource type (DescribeConfigs). */
const OWN_DYNAMIC_SOURCE: Partial<Record<ConfigResourceType, string>> = { topic: 'DYNAMIC_TOPIC_CONFIG', broker: 'DYNAMIC_BROKER_CONFIG' };
/** Broker error: the replication factor is larger than the number of brokers. */
const INVALID_REPLICATION_FACTOR = 38;
const MOCK_CLUSTER_ID_PREFIX = 'mockCluster';
/** Group errors of a coordinator that is not ready yet: COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR. */
const COORDINATOR_NOT_READY = new Set([14, 15, 16]);
/** Pause before asking again for groups whose coordinator was not ready. */
const COORDINATOR_RETRY_MS = 200;

/**
 * A Kafka admin client.
 *
 * @example
 * ```ts
 * const admin = new KafkaAdmin({ 'bootstrap.servers': 'localhost:9092' });
 * await admin.createTopics([{ topic: 'events', numPartitions: 6, replicationFactor: 3 }]);
 * const [events] = await admin.describeTopics(['events']);
 * console.log(events.partitions.map((p) => p.leader));
 * await admin.close();
 * ```
 */
export class KafkaAdmin extends ClientBase {
  private readonly handle: NativeAdmin;
  private readonly bootstrapServers: string;
  private readonly timeoutMs: number;
  private mockCluster: Promise<boolean> | undefined;

  constructor(config: AdminConfig, options: AdminOptions = {}) {
    super('admin', options);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    checkTimeout(this.timeoutMs, 'options.timeoutMs');
    const auth = this.withAuth({ ...ADMIN_DEFAULTS, ...config }, options);
    const props = validateConfig('admin', auth.config, { onWarning: (w) => this.configWarning(w.property, w.message) });
    this.bootstrapServers = props['bootstrap.servers'] ?? props['metadata.broker.list'] ?? '';
    this.rememberServers(props);
    try {
      this.handle = new (nativeAdminClass())(props, (_d, _m, events) => this.onEvents(events), auth.native);
    } catch (e) {
      throw toConfigError(e, props);
    }
    this.startTokens(this.handle);
  }

  /** librdkafka's name for this client instance. */
  get name(): string | undefined {
    return this.handle.name();
  }

  /**
   * Creates topics. Rejects with an {@link AdminError} naming each topic that failed (e.g.
   * `TOPIC_ALREADY_EXISTS`); the others are created. On an in-process MockCluster the
   * topics are created through the cluster's own API.
   */
  async createTopics(topics: NewTopic[], options: ValidateOptions = {}): Promise<void> {
    this.assertOpen('createTopics');
    const specs = checkNewTopics(topics);
    const timeoutMs = this.timeout(options);
    const mock = await findMock(this.bootstrapServers, timeoutMs);
    if (mock) return this.createTopicsOnMock(mock, specs, options.validateOnly ?? false, timeoutMs);
    const validateOnly = options.validateOnly ?? false;
    const request = (list: NewTopic[]) =>
      this.call(
        this.handle.createTopics(
          list.map((t) => ({
            topic: t.topic,
            // With an explicit assignment librdkafka wants the partition count and no replication factor.
            numPartitions: t.replicaAssignment ? t.replicaAssignment.length : (t.numPartitions ?? -1),
            replicationFactor: t.replicaAssignment ? -1 : (t.replicationFactor ?? -1),
            config: Object.entries(t.config ?? {}).map(([k, v]): [string, string] => [k, String(v)]),
            replicaAssignment: t.replicaAssignment ?? null,
          })),
          timeoutMs,
          validateOnly,
        ),
        'createTopics',
      );
    let results: RawItemResult[];
    try {
      results = await request(specs);
    } catch (e) {
      // Brokers before 2.4 (CreateTopics < v4) have no "broker default" (-1, KIP-464):
      // librdkafka refuses the request; ask again with the broker's configured defaults.
      if (!(e instanceof KafkaError && e.code === ErrorCode.UNSUPPORTED_FEATURE && /KIP-464/.test(e.message))) throw e;
      const defaults = await this.brokerTopicDefaults(specs, timeoutMs);
      results = await request(
        specs.map((t) =>
          t.replicaAssignment
            ? t
            : {
                ...t,
                numPartitions: positiveOr(t.numPartitions, defaults.numPartitions),
                replicationFactor: positiveOr(t.replicationFactor, defaults.replicationFactor),
              },
        ),
      );
    }
    throwItemFailures('createTopics', results, 'topic');
  }

  /**
   * The controller's (else any broker's) `num.partitions` and `default.replication.factor`, for
   * brokers that cannot apply their defaults to CreateTopics themselves. Only the values that
   * `specs` leave out are required.
   */
  private async brokerTopicDefaults(specs: NewTopic[], timeoutMs: number): Promise<{ numPartitions: number; replicationFactor: number }> {
    const md = await this.call(this.handle.metadata(false, timeoutMs), 'createTopics: find a broker for its topic defaults');
    const broker = md.controllerId >= 0 ? md.controllerId : md.brokers[0]?.id;
    const unsupported = (message: string) => new KafkaError({ code: ErrorCode.UNSUPPORTED_FEATURE, message: `createTopics failed: ${message}` });
    if (broker === undefined) throw unsupported('the broker cannot apply its default partition count or replication factor (KIP-464, Kafka < 2.4), and no broker was found to read them from');
    const [described] = await this.describeConfigs([{ type: 'broker', name: String(broker) }], { timeoutMs });
    const read = (name: string): number | undefined => {
      const value = Number(described?.entries.find((e) => e.name === name)?.value ?? NaN);
      return Number.isInteger(value) && value > 0 ? value : undefined;
    };
    const numPartitions = read('num.partitions');
    const replicationFactor = read('default.replication.factor');
    const needs = (key: 'numPartitions' | 'replicationFactor') => specs.some((t) => !t.replicaAssignment && positiveOr(t[key], 0) === 0);
    for (const [value, config, option] of [
      [numPartitions, 'num.partitions', 'numPartitions'],
      [replicationFactor, 'default.replication.factor', 'replicationFactor'],
    ] as const) {
      if (value === undefined && needs(option)) {
        throw unsupported(
          `the broker cannot apply its default (KIP-464, Kafka < 2.4) and broker ${broker} did not tell its ${config}: give ${option} for each topic`,
        );
      }
    }
    return { numPartitions: numPartitions ?? 1, replicationFactor: replicationFactor ?? 1 };
  }

  /** Deletes topics; rejects with an {@link AdminError} naming each topic that failed. */
  async deleteTopics(topics: string[], options: AdminCallOptions = {}): Promise<void> {
    this.assertOpen('deleteTopics');
    const names = checkNames(topics, 'deleteTopics(topics)', 'topic name');
    const results = await this.call(this.handle.deleteTopics(names, this.timeout(options)), 'deleteTopics');
    throwItemFailures('deleteTopics', results, 'topic');
  }

  /** Raises topics' partition counts to `totalCount` (partitions can only be added). */
  async createPartitions(topics: NewPartitions[], options: ValidateOptions = {}): Promise<void> {
    this.assertOpen('createPartitions');
    checkArray(topics, 'createPartitions(topics)');
    topics.forEach((t, i) => {
      checkObject(t, `createPartitions(topics): topics[${i}]`);
      checkName(t.topic, `createPartitions(topics): topics[${i}].topic`);
      checkPositiveInt(t.totalCount, `createPartitions(topics): topics[${i}].totalCount`);
    });
    const results = await this.call(
      this.handle.createPartitions(
        topics.map((t) => ({ topic: t.topic, totalCount: t.totalCount })),
        this.timeout(options),
        options.validateOnly ?? false,
      ),
      'createPartitions',
    );
    throwItemFailures('createPartitions', results, 'topic');
  }

  /** The cluster id, the controller and the brokers (from a metadata request). */
  async describeCluster(options: AdminCallOptions = {}): Promise<ClusterDescription> {
    this.assertOpen('describeCluster');
    const md = await this.call(this.handle.metadata(false, this.timeout(options)), 'describeCluster');
    const brokers = md.brokers.map(toBroker).sort((a, b) => a.id - b.id);
    const controller = brokers.find((b) => b.id === md.controllerId) ?? null;
    return { clusterId: md.clusterId, controllerId: md.controllerId, controller, brokers };
  }

  /** Names of the cluster's topics, sorted (without `__`-prefixed internal ones by default). */
  async listTopics(options: ListTopicsOptions = {}): Promise<string[]> {
    this.assertOpen('listTopics');
    const md = await this.call(this.handle.metadata(true, this.timeout(options)), 'listTopics');
    return md.topics
      .map((t) => t.topic)
      .filter((name) => options.includeInternal || !name.startsWith('__'))
      .sort();
  }

  /**
   * Partitions of the given topics (default: every topic) with their leader, replicas and
   * in-sync replicas. Rejects with an {@link AdminError} (`UNKNOWN_TOPIC_OR_PART`) naming
   * topics that do not exist. Never creates a topic.
   */
  async describeTopics(topics?: string[], options: ListTopicsOptions = {}): Promise<TopicDescription[]> {
    this.assertOpen('describeTopics');
    const names = topics === undefined ? undefined : checkNames(topics, 'describeTopics(topics)', 'topic name');
    const md = await this.call(this.handle.metadata(true, this.timeout(options)), 'describeTopics');
    const byName = new Map(md.topics.map((t) => [t.topic, t]));
    const wanted = names ?? [...byName.keys()].filter((n) => options.includeInternal || !n.startsWith('__')).sort();
    const failures: AdminFailure[] = [];
    const out: TopicDescription[] = [];
    for (const name of wanted) {
      const t = byName.get(name);
      const error = t ? t.error : { code: ErrorCode.UNKNOWN_TOPIC_OR_PART, message: 'Broker: Unknown topic or partition' };
      if (error || !t) {
        failures.push(failure(`topic ${JSON.stringify(name)}`, error!));
        continue;
      }
      out.push({
        topic: name,
        partitions: t.partitions
          .map((p) => ({
            partition: p.partition,
            leader: p.leader,
            replicas: p.replicas,
            isr: p.isr,
            ...(p.error ? { error: nativeError(p.error, `${name} [${p.partition}]`) } : {}),
          }))
          .sort((a, b) => a.partition - b.partition),
      });
    }
    if (failures.length > 0) throw new AdminError('describeTopics', failures);
    return out;
  }

  /** Looks up offsets of partitions (earliest, latest, by timestamp); results are in request order. */
  async listOffsets(partitions: ListOffsetsRequest[], options: ListOffsetsOptions = {}): Promise<ListedOffset[]> {
    this.assertOpen('listOffsets');
    checkArray(partitions, 'listOffsets(partitions)', true);
    const input: NativePartitionInput[] = partitions.map((p, i) => {
      const at = `listOffsets(partitions): partitions[${i}]`;
      checkTopicPartition(p, at);
      return { topic: p.topic, partition: p.partition, offset: specToOffset(p.spec, `${at}.spec`) };
    });
    const level = options.isolationLevel ?? 'read_uncommitted';
    if (level !== 'read_committed' && level !== 'read_uncommitted') {
      throw new TypeError(`listOffsets: options.isolationLevel must be 'read_committed' or 'read_uncommitted'`);
    }
    const raw = await this.call(this.handle.listOffsets(input, this.timeout(options), level === 'read_committed'), 'listOffsets');
    const byKey = new Map(raw.map((r) => [key(r), r]));
    const failures: AdminFailure[] = [];
    const out: ListedOffset[] = [];
    for (const p of partitions) {
      const r = byKey.get(key(p));
      const error = r ? r.error : { code: ErrorCode.UNKNOWN_PARTITION, message: 'no result for this partition' };
      if (error || !r) {
        failures.push(failure(`${p.topic} [${p.partition}]`, error!));
        continue;
      }
      out.push({
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        timestamp: r.timestamp >= 0 ? r.timestamp : null,
        leaderEpoch: r.leaderEpoch >= 0 ? r.leaderEpoch : null,
      });
    }
    if (failures.length > 0) throw new AdminError('listOffsets', failures);
    return out;
  }

  /** Every consumer group the brokers know (not supported by a MockCluster). */
  async listConsumerGroups(options: AdminCallOptions = {}): Promise<ConsumerGroupList> {
    this.assertOpen('listConsumerGroups');
    const timeoutMs = this.timeout(options);
    const raw = await this.call(this.handle.listConsumerGroups(timeoutMs), 'listConsumerGroups');
    const groups = raw.groups.sort((a, b) => a.groupId.localeCompare(b.groupId));
    // Brokers before 2.6 (ListGroups < v4, KIP-518) do not report states: librdkafka says
    // "Unknown". DescribeGroups reports them on every broker; a group that cannot be
    // described keeps "Unknown".
    const unknown = groups.filter((g) => g.state === 'Unknown').map((g) => g.groupId);
    if (unknown.length > 0) {
      const described = await this.describeConsumerGroups(unknown, { timeoutMs }).catch((e: unknown) => {
        if (e instanceof KafkaError && !(e instanceof ClosedError)) return [];
        throw e;
      });
      const states = new Map(described.map((d) => [d.groupId, d.state]));
      for (const g of groups) g.state = states.get(g.groupId) ?? g.state;
    }
    return { groups, errors: raw.errors.map((e) => nativeError(e, 'listConsumerGroups')) };
  }

  /**
   * Deletes consumer groups and their committed offsets. A group with members is refused by
   * the broker: the call rejects with an {@link AdminError} whose failure for that group has
   * code `NON_EMPTY_GROUP` (an unknown group: `GROUP_ID_NOT_FOUND`); the other groups are
   * deleted. Not supported by a MockCluster.
   */
  async deleteConsumerGroups(groupIds: string[], options: AdminCallOptions = {}): Promise<void> {
    this.assertOpen('deleteConsumerGroups');
    const ids = checkNames(groupIds, 'deleteConsumerGroups(groupIds)', 'group id');
    if (new Set(ids).size !== ids.length) throw new TypeError('deleteConsumerGroups(groupIds): group ids must not repeat');
    const results = await this.call(this.handle.deleteGroups(ids, this.timeout(options)), 'deleteConsumerGroups');
    throwItemFailures('deleteConsumerGroups', results, 'group');
  }

  /**
   * Deletes the records of partitions below the given offsets (Kafka's DeleteRecords): the
   * partitions' earliest offset moves up; consumers positioned below it get an out-of-range
   * offset and apply `auto.offset.reset`. Resolves with each partition's new earliest offset,
   * in request order. Not supported by a MockCluster.
   */
  async deleteRecords(partitions: DeleteRecordsRequest[], options: AdminCallOptions = {}): Promise<DeletedRecords[]> {
    this.assertOpen('deleteRecords');
    checkArray(partitions, 'deleteRecords(partitions)', true);
    const input: NativePartitionInput[] = partitions.map((p, i) => {
      const at = `deleteRecords(partitions): partitions[${i}]`;
      checkTopicPartition(p, at);
      if (p.offset !== 'end' && (typeof p.offset !== 'bigint' || p.offset < 0n)) {
        throw new TypeError(`${at}.offset must be a non-negative bigint or 'end'`);
      }
      // -1: librdkafka's "up to the high watermark".
      return { topic: p.topic, partition: p.partition, offset: p.offset === 'end' ? -1n : p.offset };
    });
    if (new Set(partitions.map(key)).size !== partitions.length) throw new TypeError('deleteRecords(partitions): partitions must not repeat');
    const raw = await this.call(this.handle.deleteRecords(input, this.timeout(options)), 'deleteRecords');
    const byKey = new Map(raw.map((r) => [key(r), r]));
    const failures: AdminFailure[] = [];
    const out: DeletedRecords[] = [];
    for (const p of partitions) {
      const r = byKey.get(key(p));
      const error = r ? r.error : { code: ErrorCode.UNKNOWN_PARTITION, message: 'no result for this partition' };
      if (error || !r) failures.push(failure(`${p.topic} [${p.partition}]`, error!));
      else out.push({ topic: r.topic, partition: r.partition, lowWatermark: r.offset });
    }
    if (failures.length > 0) throw new AdminError('deleteRecords', failures);
    return out;
  }

  /** Members, assignments and state of consumer groups (not supported by a MockCluster). */
  async describeConsumerGroups(groupIds: string[], options: DescribeGroupsOptions = {}): Promise<ConsumerGroupDescription[]> {
    this.assertOpen('describeConsumerGroups');
    const ids = checkNames(groupIds, 'describeConsumerGroups(groupIds)', 'group id');
    if (new Set(ids).size !== ids.length) throw new TypeError('describeConsumerGroups(groupIds): group ids must not repeat');
    const timeoutMs = this.timeout(options);
    const deadline = performance.now() + timeoutMs;
    const described = new Map<string, RawGroupDescription>();
    let todo = ids;
    for (;;) {
      const left = Math.max(1, Math.floor(deadline - performance.now()));
      const batch = await this.call(this.handle.describeConsumerGroups(todo, left, options.includeAuthorizedOperations ?? false), 'describeConsumerGroups');
      // librdkafka does not retry a group whose coordinator is not ready (on a fresh cluster
      // the first describe gets NOT_COORDINATOR while __consumer_offsets loads): ask again
      // while the deadline allows.
      const again = batch.filter((g) => g.error && COORDINATOR_NOT_READY.has(g.error.code) && deadline - performance.now() > 2 * COORDINATOR_RETRY_MS);
      for (const g of batch) if (!again.includes(g)) described.set(g.groupId, g);
      if (again.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, COORDINATOR_RETRY_MS));
      this.assertOpen('describeConsumerGroups');
      todo = again.map((g) => g.groupId);
    }
    const raw = ids.map((id) => described.get(id)).filter((g): g is RawGroupDescription => g !== undefined);
    const failures = raw.filter((g) => g.error).map((g) => failure(`group ${JSON.stringify(g.groupId)}`, g.error!));
    if (failures.length > 0) throw new AdminError('describeConsumerGroups', failures);
    return raw.map((g) => ({
      groupId: g.groupId,
      isSimple: g.isSimple,
      partitionAssignor: g.partitionAssignor ?? '',
      state: g.state,
      type: g.type,
      coordinator: g.coordinator ? toBroker(g.coordinator) : null,
      members: g.members.map((m) => ({
        memberId: m.memberId ?? '',
        clientId: m.clientId ?? '',
        host: m.host ?? '',
        groupInstanceId: m.groupInstanceId,
        assignment: m.assignment,
        targetAssignment: m.targetAssignment,
      })),
      authorizedOperations: g.authorizedOperations,
    }));
  }

  /**
   * A group's committed offsets: of the given partitions (offset -1n where none is
   * committed), or of every partition the group committed to.
   */
  async listConsumerGroupOffsets(groupId: string, partitions?: TopicPartition[], options: GroupOffsetsOptions = {}): Promise<GroupOffset[]> {
    this.assertOpen('listConsumerGroupOffsets');
    checkName(groupId, 'listConsumerGroupOffsets(groupId): groupId');
    let input: NativePartitionInput[] | null = null;
    let committedOnly = false;
    if (partitions !== undefined) {
      checkArray(partitions, 'listConsumerGroupOffsets(groupId, partitions)', true);
      partitions.forEach((p, i) => checkTopicPartition(p, `listConsumerGroupOffsets(groupId, partitions): partitions[${i}]`));
      input = partitions.map((p) => ({ topic: p.topic, partition: p.partition }));
    } else if (await this.isMockCluster(this.timeout(options))) {
      // The mock answers an "all partitions" request with nothing: ask for every partition.
      const md = await this.call(this.handle.metadata(true, this.timeout(options)), 'listConsumerGroupOffsets');
      input = md.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition })));
      committedOnly = true;
      if (input.length === 0) return [];
    }
    const raw = await this.call(
      this.handle.listConsumerGroupOffsets(groupId, input, this.timeout(options), options.requireStable ?? false),
      'listConsumerGroupOffsets',
    );
    const failures = raw.filter((r) => r.error).map((r) => failure(`${r.topic} [${r.partition}]`, r.error!));
    if (failures.length > 0) throw new AdminError('listConsumerGroupOffsets', failures);
    return raw
      .filter((r) => !committedOnly || r.offset >= 0n)
      .map((r) => ({
        topic: r.topic,
        partition: r.partition,
        // librdkafka reports "nothing committed" as its INVALID offset (-1001).
        offset: r.offset < 0n ? -1n : r.offset,
        metadata: r.metadata,
        leaderEpoch: r.leaderEpoch >= 0 ? r.leaderEpoch : null,
      }))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  /** Configuration entries of topics, brokers or groups (not supported by a MockCluster). */
  async describeConfigs(resources: ConfigResource[], options: AdminCallOptions = {}): Promise<ConfigDescription[]> {
    this.assertOpen('describeConfigs');
    const input = checkResources(resources, 'describeConfigs(resources)');
    const raw = await this.call(this.handle.describeConfigs(input, this.timeout(options)), 'describeConfigs');
    throwResourceFailures('describeConfigs', raw);
    return raw.map((r) => ({ type: RESOURCE_NAMES[r.type] ?? 'topic', name: r.name, entries: r.entries }));
  }

  /**
   * Changes configuration entries incrementally (only the named entries change; Kafka's
   * IncrementalAlterConfigs). Not supported by a MockCluster.
   */
  async alterConfigs(updates: ConfigUpdate[], options: ValidateOptions = {}): Promise<void> {
    this.assertOpen('alterConfigs');
    const input = checkResources(updates, 'alterConfigs(updates)').map((r, i) => {
      const changes = updates[i]!.changes;
      checkArray(changes, `alterConfigs(updates): updates[${i}].changes`, true);
      return {
        ...r,
        ops: changes.map((c, j) => {
          const at = `alterConfigs(updates): updates[${i}].changes[${j}]`;
          checkObject(c, at);
          checkName(c.name, `${at}.name`);
          const op = c.op ?? 'set';
          if (!(op in CONFIG_OPS)) throw new TypeError(`${at}.op must be 'set', 'delete', 'append' or 'subtract'`);
          if (op !== 'delete' && !['string', 'number', 'boolean'].includes(typeof c.value)) {
            throw new TypeError(`${at}.value must be a string, number or boolean`);
          }
          return { name: c.name, op: CONFIG_OPS[op], value: op === 'delete' ? null : String(c.value) };
        }),
      };
    });
    const timeoutMs = this.timeout(options);
    const validateOnly = options.validateOnly ?? false;
    let raw: RawConfigResource[];
    try {
      raw = await this.call(this.handle.incrementalAlterConfigs(input, timeoutMs, validateOnly), 'alterConfigs');
    } catch (e) {
      // Brokers before 2.3 lack IncrementalAlterConfigs (KIP-339): librdkafka refuses the
      // request. Their AlterConfigs replaces a resource's whole configuration, so the changes
      // are applied to the current configuration and the result written back.
      if (!(e instanceof KafkaError && e.code === ErrorCode.UNSUPPORTED_FEATURE && /KIP-339/.test(e.message))) throw e;
      raw = await this.legacyAlterConfigs(updates, timeoutMs, validateOnly);
    }
    throwResourceFailures('alterConfigs', raw);
  }

  /**
   * {@link alterConfigs} on brokers without IncrementalAlterConfigs: reads each resource's
   * own dynamic entries (DescribeConfigs), applies the changes and writes the whole set back
   * with the legacy AlterConfigs. Not atomic: a change made by someone else between the read
   * and the write is lost (as with any client on such brokers).
   */
  private async legacyAlterConfigs(updates: ConfigUpdate[], timeoutMs: number, validateOnly: boolean): Promise<RawConfigResource[]> {
    const unsupported = (message: string) =>
      new KafkaError({ code: ErrorCode.UNSUPPORTED_FEATURE, message: `alterConfigs failed: the broker lacks IncrementalAlterConfigs (Kafka < 2.3) and ${message}` });
    for (const u of updates) {
      if (OWN_DYNAMIC_SOURCE[u.type] === undefined) throw unsupported(`its AlterConfigs cannot change ${u.type} ${JSON.stringify(u.name)}`);
    }
    const current = await this.describeConfigs(
      updates.map((u) => ({ type: u.type, name: u.name })),
      { timeoutMs },
    );
    const resources = updates.map((u, i) => {
      const described = current[i]!;
      const own = described.entries.filter((e) => e.source === OWN_DYNAMIC_SOURCE[u.type] && !e.isSynonym);
      // A secret's value is not described: writing the set back without it would delete it.
      const hidden = own.find((e) => e.value === null);
      if (hidden) throw unsupported(`${u.type} ${JSON.stringify(u.name)} has a sensitive entry (${hidden.name}) that a full rewrite would delete`);
      const values = new Map(own.map((e) => [e.name, e.value!]));
      for (const c of u.changes) {
        const op = c.op ?? 'set';
        if (op === 'set') values.set(c.name, String(c.value));
        else if (op === 'delete') values.delete(c.name);
        else {
          // List values: the current value (own or inherited) split on commas.
          const base = values.get(c.name) ?? described.entries.find((e) => e.name === c.name)?.value ?? '';
          const items = base.split(',').filter((x) => x.length > 0);
          const given = String(c.value).split(',').filter((x) => x.length > 0);
          const next = op === 'append' ? [...items, ...given.filter((x) => !items.includes(x))] : items.filter((x) => !given.includes(x));
          values.set(c.name, next.join(','));
        }
      }
      return { type: RESOURCE_TYPES_BY_NAME[u.type], name: u.name, entries: [...values.entries()] };
    });
    return this.call(this.handle.alterConfigs(resources, timeoutMs, validateOnly), 'alterConfigs');
  }

  /**
   * Creates ACL bindings (Kafka's CreateAcls; the cluster needs an authorizer, and this client
   * the ALTER permission on the cluster). Creating a binding that exists already succeeds.
   * Rejects with an {@link AdminError} naming each binding the cluster refused (e.g.
   * `CLUSTER_AUTHORIZATION_FAILED`, `SECURITY_DISABLED` without an authorizer); the others are
   * created. Bad input is a TypeError naming the field (`createAcls(bindings): bindings[0].operation ...`).
   *
   * @example
   * ```ts
   * await admin.createAcls([
   *   { resourceType: 'topic', resourceName: 'orders', patternType: 'literal', principal: 'User:alice', operation: 'read', permission: 'allow' },
   * ]);
   * ```
   */
  async createAcls(bindings: AclBinding[], options: AdminCallOptions = {}): Promise<void> {
    this.assertOpen('createAcls');
    const input = checkAclBindings(bindings);
    const timeoutMs = this.timeout(options);
    const results = await this.call(this.handle.createAcls(input, timeoutMs), 'createAcls');
    const failures = results.flatMap((r, i) => (r.error ? [failure(`bindings[${i}] (${aclName(input[i]!)})`, r.error)] : []));
    if (failures.length > 0) throw new AdminError('createAcls', failures);
  }

  /**
   * The ACL bindings a filter selects (Kafka's DescribeAcls; needs the DESCRIBE permission on
   * the cluster), in the cluster's order. librdkafka 2.14.2 drops the error DescribeAcls
   * reports in its response body: a client without that permission gets an empty list, not an
   * error.
   *
   * @example
   * ```ts
   * const acls = await admin.describeAcls({ resourceType: 'topic', resourceName: 'orders', patternType: 'match', operation: 'any', permission: 'any' });
   * ```
   */
  async describeAcls(filter: AclBindingFilter, options: AdminCallOptions = {}): Promise<AclDescription[]> {
    this.assertOpen('describeAcls');
    const input = checkAclFilter(filter, 'describeAcls(filter): filter');
    const raw = await this.call(this.handle.describeAcls(input, this.timeout(options)), 'describeAcls');
    return raw.map(toAclDescription);
  }

  /**
   * Deletes the ACL bindings each filter selects (Kafka's DeleteAcls; needs the ALTER
   * permission on the cluster) and resolves with what each filter deleted, in filter order.
   * Rejects with an {@link AdminError} naming each filter (or matched binding) the cluster
   * could not delete; what the other filters selected is deleted.
   *
   * @example
   * ```ts
   * const [{ deleted }] = await admin.deleteAcls([{ resourceType: 'any', principal: 'User:alice', patternType: 'any', operation: 'any', permission: 'any' }]);
   * ```
   */
  async deleteAcls(filters: AclBindingFilter[], options: AdminCallOptions = {}): Promise<AclDeletion[]> {
    this.assertOpen('deleteAcls');
    checkArray(filters, 'deleteAcls(filters)', true);
    const input = filters.map((f, i) => checkAclFilter(f, `deleteAcls(filters): filters[${i}]`));
    const results = await this.call(this.handle.deleteAcls(input, this.timeout(options)), 'deleteAcls');
    const failures: AdminFailure[] = [];
    results.forEach((r, i) => {
      if (r.error) failures.push(failure(`filters[${i}]`, r.error));
      for (const m of r.matching) if (m.error) failures.push(failure(`filters[${i}]: ${aclName(m)}`, m.error));
    });
    if (failures.length > 0) throw new AdminError('deleteAcls', failures);
    return results.map((r) => ({ deleted: r.matching.map(toAclDescription) }));
  }

  /**
   * Releases the client; requests still in flight reject. Idempotent.
   *
   * @param options - `timeoutMs`: how long to wait for librdkafka to release the client
   *   (default 30 000 ms); past it the report says `timedOut: true` and the release finishes
   *   in the background.
   */
  async close(options: TimeoutOptions = {}): Promise<BaseCloseReport> {
    const timeoutMs = timeoutOf('close', options, 30_000);
    this.closing = true;
    this.stopTokens();
    const timedOut = await settlesWithin(this.handle.close(), timeoutMs);
    this.closed = true;
    return { timedOut };
  }

  protected refHandle(ref: boolean): void {
    this.handle.ref(ref);
  }

  /** True when the cluster is librdkafka's mock cluster (in this process or not). */
  private isMockCluster(timeoutMs: number): Promise<boolean> {
    if (findInProcessMock(this.bootstrapServers)) return Promise.resolve(true);
    this.mockCluster ??= this.call(this.handle.metadata(false, timeoutMs), 'identify the cluster').then(
      (md: RawMetadata) => md.clusterId?.startsWith(MOCK_CLUSTER_ID_PREFIX) ?? false,
    );
    // A failed lookup is not cached: the next call asks again.
    return this.mockCluster.catch((e: unknown) => {
      this.mockCluster = undefined;
      throw e;
    });
  }

  private async createTopicsOnMock(mock: MockTopicCreator, topics: NewTopic[], validateOnly: boolean, timeoutMs: number): Promise<void> {
    const existing = validateOnly ? new Set(await this.listTopics({ timeoutMs, includeInternal: true })) : new Set<string>();
    const failures: AdminFailure[] = [];
    for (const t of topics) {
      const partitions = t.replicaAssignment?.length ?? positiveOr(t.numPartitions, 1);
      const replication = t.replicaAssignment?.[0]?.length ?? positiveOr(t.replicationFactor, 1);
      const name = `topic ${JSON.stringify(t.topic)}`;
      if (replication > mock.brokers) {
        failures.push(
          failure(name, {
            code: INVALID_REPLICATION_FACTOR,
            name: 'INVALID_REPLICATION_FACTOR',
            message: `replication factor ${replication} is larger than the number of brokers (${mock.brokers})`,
          }),
        );
      } else if (existing.has(t.topic)) {
        failures.push(failure(name, { code: ErrorCode.TOPIC_ALREADY_EXISTS, message: 'Broker: Topic already exists' }));
      } else if (!validateOnly) {
        try {
          await mock.createTopic(t.topic, partitions, replication);
        } catch (e) {
          // The mock's own error, e.g. TOPIC_ALREADY_EXISTS, worded as a broker's would be.
          failures.push({ name, error: e instanceof KafkaError ? nativeError(e.code, name) : nativeError({ code: ErrorCode.FAIL, message: String(e) }, name) });
        }
      }
    }
    if (failures.length > 0) throw new AdminError('createTopics', failures);
  }

  private timeout(options: AdminCallOptions | undefined): number {
    if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeError('options must be an object');
    const t = options?.timeoutMs ?? this.timeoutMs;
    checkTimeout(t, 'options.timeoutMs');
    return t;
  }

  /** A native call; while every bootstrap broker refuses this client (credentials, TLS), it fails at once with that. */
  private async call<T>(promise: Promise<T>, what: string): Promise<T> {
    const result = await this.orRefused(this.nativeCall(promise, what), `${what} failed`);
    // An answer: the cluster accepts this client.
    this.noteAccepted();
    return result;
  }

  private async nativeCall<T>(promise: Promise<T>, what: string): Promise<T> {
    try {
      return await promise;
    } catch (e) {
      if (e instanceof KafkaError) throw this.withServers(e);
      if (e instanceof TypeError) throw e;
      throw this.withServers(nativeError(e as KafkaErrorInit, `${what} failed`));
    }
  }

  protected async probeCluster(timeoutMs: number): Promise<void> {
    await this.describeCluster({ timeoutMs });
  }

  private onEvents(events: NativeEvent[] | null): void {
    if (events) for (const event of events) this.handleCommonEvent(event);
  }
}

export interface KafkaAdmin {
  /** librdkafka's log lines (and the client's own), rate-limited per {@link ClientOptions.repeatWindowMs}. */
  on(event: 'log', listener: (entry: LogEntry) => void): this;
  /** Errors not tied to one call (all brokers down, a fatal error); calls reject their own promises. */
  on(event: 'error', listener: (error: KafkaError) => void): this;
  /** librdkafka's statistics, parsed, every `statistics.interval.ms`. */
  on(event: 'stats', listener: (stats: Record<string, unknown>) => void): this;
}

function toBroker(b: RawBroker): BrokerInfo {
  return { id: b.id, host: b.host, port: b.port };
}

function key(p: TopicPartition): string {
  return `${p.partition}:${p.topic}`;
}

function failure(name: string, error: KafkaErrorInit): AdminFailure {
  return { name, error: nativeError(error, name) };
}

function throwItemFailures(operation: string, results: RawItemResult[], kind: string): void {
  const failures = results.filter((r) => r.error).map((r) => failure(`${kind} ${JSON.stringify(r.name)}`, r.error!));
  if (failures.length > 0) throw new AdminError(operation, failures);
}

function throwResourceFailures(operation: string, results: Array<{ type: number; name: string; error?: KafkaErrorInit }>): void {
  const failures = results
    .filter((r) => r.error)
    .map((r) => failure(`${RESOURCE_NAMES[r.type] ?? 'resource'} ${JSON.stringify(r.name)}`, r.error!));
  if (failures.length > 0) throw new AdminError(operation, failures);
}

/** Reverse lookup of an ACL enum table; values librdkafka reports as UNKNOWN (0), or filter-only ones, are 'unknown'. */
function aclEnumName<T extends string>(table: Record<T, number>, value: number): Exclude<T, 'any' | 'match'> | 'unknown' {
  const found = (Object.keys(table) as T[]).find((k) => table[k] === value);
  return found === undefined || found === 'any' || found === 'match' ? 'unknown' : (found as Exclude<T, 'any' | 'match'>);
}

function toAclDescription(a: RawAcl): AclDescription {
  return {
    resourceType: aclEnumName(ACL_RESOURCE_TYPES, a.resourceType),
    resourceName: a.resourceName ?? '',
    patternType: aclEnumName(ACL_PATTERN_TYPES, a.patternType),
    principal: a.principal ?? '',
    host: a.host ?? '',
    operation: aclEnumName(ACL_OPERATIONS, a.operation),
    permission: aclEnumName(ACL_PERMISSIONS, a.permission),
  };
}

/** An ACL in words for error messages: `allow User:alice read on topic "orders" (literal) from *`. */
function aclName(a: RawAclInput | RawAcl): string {
  const d = toAclDescription(a);
  return `${d.permission} ${d.principal} ${d.operation} on ${d.resourceType} ${JSON.stringify(d.resourceName)} (${d.patternType}) from ${d.host}`;
}

function positiveOr(n: number | undefined, fallback: number): number {
  return n === undefined || n < 1 ? fallback : n;
}

function specToOffset(spec: OffsetSpec, at: string): bigint {
  if (typeof spec === 'string' && spec in OFFSET_SPECS) return OFFSET_SPECS[spec];
  if (spec !== null && typeof spec === 'object' && Number.isSafeInteger(spec.timestamp) && spec.timestamp >= 0) {
    return BigInt(spec.timestamp);
  }
  throw new TypeError(`${at} must be 'earliest', 'latest', 'maxTimestamp' or { timestamp: ms since the epoch }`);
}
