/**
 * Driver: the entry point of the topic layer (Octopus's model). Creates, opens, lists and
 * deletes topics; each topic `<ns.>name` comes with an info topic `<ns.>__info_name` that
 * holds its component descriptions.
 */
import { KafkaAdmin } from '../admin/admin';
import { AdminError } from '../admin/admin-types';
import { configForRole } from '../config/config';
import type { KafkaConfig } from '../config/client-config';
import { configFromEnv } from '../config/env-config';
import { ClosedError, ConfigError, ErrorCode, KafkaError } from '../util/errors';
import { MockCluster } from '../testing/mock-cluster';
import { KafkaProducer, type CloseReport } from '../client/producer';
import { timeoutOf, type TimeoutOptions } from '../core/call-options';
import { withRedactedDisplay } from '../config/secrets';
import {
  createPartitionSelector,
  createSerializer,
  createValidator,
  type ComponentDescription,
  type PartitionSelector,
  type Serializer,
  type Validator,
} from './components';
import { readDriverConfig, resolveDriverConfig, type DriverConfig, type DriverOptions, type ResolvedDriverConfig } from './driver-config';
import { parseOctopusJson } from './components/json-text';
import { readInfo, writeInfo } from './info';
import type { TopicConsumerCloseReport } from './consumer';
import { TopicHandle } from './topic-handle';
import type { DriverContext } from './types';

export type { DriverConfig, DriverOptions } from './driver-config';

/** Options of {@link Driver.createTopic}. */
export interface CreateTopicOptions {
  /** Number of partitions (default 1). */
  num_partitions?: number;
  /**
   * Default: the broker's (`default.replication.factor`), unlike Octopus's 3, which a
   * one-broker development cluster refuses. Give 3 to get Octopus's choice everywhere.
   */
  replication_factor?: number;
  /** Component descriptions (default `{"type":"default"}` each) or built components. */
  validator?: ComponentDescription | Validator;
  /** The partition selector: a description (default `{"type":"default"}`) or a built one. */
  selector?: ComponentDescription | PartitionSelector;
  /** The serializer: a description (default `{"type":"default"}`) or a built one. */
  serializer?: ComponentDescription | Serializer;
}

/** One topic of {@link Driver.listTopics}. */
export interface TopicInfo {
  /** The topic name, without the namespace. */
  name: string;
  /** The number of partitions. */
  num_partitions: number;
  /** The stored validator description. */
  validator: ComponentDescription;
  /** The stored partition selector description. */
  selector: ComponentDescription;
  /** The stored serializer description. */
  serializer: ComponentDescription;
}

/** A topic that does not exist. */
export class TopicNotFoundError extends KafkaError {
  constructor(
    /** The topic that was not found. */
    readonly topic: string,
  ) {
    super({ message: `topic not found: ${JSON.stringify(topic)}`, code: ErrorCode.UNKNOWN_TOPIC_OR_PART });
  }
}

function isComponent(x: unknown): x is { description: ComponentDescription } {
  return typeof x === 'object' && x !== null && typeof (x as { description?: unknown }).description === 'object';
}

/** What {@link Driver.close} reports. */
export interface DriverCloseReport extends CloseReport {
  /**
   * Some client did not finish closing by the deadline: a consumer did not finish leaving its
   * group (see KafkaConsumer.close), or a producer failed what it had not delivered.
   */
  timedOut: boolean;
  /** Acknowledged offsets of the driver's topic consumers whose commit was not confirmed (see TopicConsumer.close). */
  uncommitted: TopicConsumerCloseReport['uncommitted'];
}

/** Creates, opens, lists and deletes topics. Close it when done (it closes what it opened). */
export class Driver {
  private readonly clients = new Set<{ close(options?: { timeoutMs?: number }): Promise<unknown> }>();
  private sharedProducer: KafkaProducer | undefined;
  private closed = false;

  // Private fields: the configurations hold credentials, which printing or enumerating the
  // driver must not show (the getters below are on the prototype, not the instance).
  readonly #config: ResolvedDriverConfig;
  readonly #kafka: KafkaConfig;

  private constructor(
    config: ResolvedDriverConfig,
    kafka: KafkaConfig,
    private readonly admin: KafkaAdmin,
    private readonly mock: MockCluster | undefined,
  ) {
    this.#config = config;
    this.#kafka = kafka;
  }

  private get config(): ResolvedDriverConfig {
    return this.#config;
  }

  private get kafka(): KafkaConfig {
    return this.#kafka;
  }

  /**
   * Connects with an Octopus driver configuration. Without `kafka["bootstrap.servers"]`, the
   * cluster and its security settings come from the environment ({@link configFromEnv}:
   * `KAFKA_BOOTSTRAP_SERVERS`, `KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_*`, `KAFKA_CA_CERT`, …;
   * properties in `kafka` win). A configuration that names no cluster either way is an error:
   * for an in-memory cluster (tests, demos), ask for one with {@link Driver.embedded}.
   * @param options where warnings and debug notes go (see {@link DriverOptions}).
   * @throws ConfigError naming the JSON path of an invalid entry, or the environment variable;
   *   for `kafka.bootstrap.servers` when no cluster is named.
   */
  static async connect(config: DriverConfig = {}, options: DriverOptions = {}): Promise<Driver> {
    const resolved = resolveDriverConfig(config, options);
    let kafka: KafkaConfig = { ...resolved.kafka };
    if (kafka['bootstrap.servers'] === undefined) {
      if (!process.env.KAFKA_BOOTSTRAP_SERVERS) {
        // A deployment missing one variable must not "work" on a cluster that keeps nothing.
        throw new ConfigError(
          'kafka.bootstrap.servers',
          'no Kafka cluster named: set kafka["bootstrap.servers"] or the KAFKA_BOOTSTRAP_SERVERS environment variable ' +
            '(for an in-memory cluster that keeps nothing, for tests and demos, use Driver.embedded())',
        );
      }
      // A cluster named by the environment comes with the environment's security settings
      // (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_CA_CERT, ...): never plaintext to a
      // secured listener. Properties in the configuration win.
      kafka = { ...configFromEnv(), ...kafka };
    }
    return Driver.open(resolved, kafka, undefined);
  }

  /**
   * Starts an embedded, in-memory cluster (librdkafka's mock brokers, see {@link MockCluster})
   * and connects to it; the driver closes it with itself. For tests, demos and trying things
   * out: it keeps nothing once closed. The environment's `KAFKA_*` variables are not read.
   * @param config an Octopus driver configuration without `kafka["bootstrap.servers"]`.
   * @param options where warnings and debug notes go (see {@link DriverOptions}).
   * @throws ConfigError as {@link connect} does; for `kafka.bootstrap.servers` when it is given.
   */
  static async embedded(config: DriverConfig = {}, options: DriverOptions = {}): Promise<Driver> {
    const resolved = resolveDriverConfig(config, options);
    if (resolved.kafka['bootstrap.servers'] !== undefined) {
      throw new ConfigError('kafka.bootstrap.servers', 'Driver.embedded() runs on a cluster of its own: use Driver.connect() to reach the given servers');
    }
    const mock = await MockCluster.start();
    return Driver.open(resolved, { ...resolved.kafka, 'bootstrap.servers': mock.bootstrapServers }, mock);
  }

  private static async open(resolved: ResolvedDriverConfig, kafka: KafkaConfig, mock: MockCluster | undefined): Promise<Driver> {
    // Print redacted (both may hold passwords and keys).
    withRedactedDisplay(kafka);
    withRedactedDisplay(resolved.kafka);
    try {
      return new Driver(resolved, kafka, new KafkaAdmin(configForRole('admin', kafka), resolved.clientOptions), mock);
    } catch (e) {
      await mock?.close();
      throw e;
    }
  }

  /** {@link connect} with the JSON configuration in a file. */
  static async fromFile(path: string, options: DriverOptions = {}): Promise<Driver> {
    // JSON, typed only by what connect() checks at run time.
    return Driver.connect((await readDriverConfig(path)) as DriverConfig, options);
  }

  /** The embedded cluster, when the driver started one ({@link Driver.embedded}). */
  get embeddedCluster(): MockCluster | undefined {
    return this.mock;
  }

  /** The librdkafka configuration the driver's clients use (with `bootstrap.servers`). */
  get kafkaConfig(): Readonly<KafkaConfig> {
    return this.kafka;
  }

  private kafkaName(name: string): string {
    if (typeof name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(name)) {
      throw new ConfigError('name', `a topic name must be letters, digits, ".", "_" or "-", got ${JSON.stringify(name)}`);
    }
    return this.config.prefix + name;
  }

  private infoName(name: string): string {
    return this.config.prefix + this.config.infoTopicPrefix + name;
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new ClosedError(`driver (${what} after close)`);
  }

  /** Partition counts of the cluster's topics, by Kafka name. */
  private async partitionCounts(): Promise<Map<string, number>> {
    let topics;
    try {
      topics = await this.admin.describeTopics(undefined, { includeInternal: true });
    } catch (e) {
      if (!(e instanceof AdminError)) throw e;
      // Some topic of the cluster is in error (being deleted, or broken): that is no reason
      // to fail for the others. Describe those; a topic in error counts as absent.
      const broken = new Set(e.failures.map((f) => f.name));
      const names = (await this.admin.listTopics({ includeInternal: true })).filter((n) => !broken.has(`topic ${JSON.stringify(n)}`));
      topics = names.length === 0 ? [] : await this.admin.describeTopics(names, { includeInternal: true });
    }
    return new Map(topics.map((t) => [t.topic, t.partitions.length]));
  }

  /**
   * True when the Kafka topic exists, with or without an info topic (as in Octopus: a plain
   * Kafka topic opens with the default components).
   */
  async topicExists(name: string): Promise<boolean> {
    this.assertOpen('topicExists');
    const counts = await this.partitionCounts();
    return counts.has(this.kafkaName(name));
  }

  /**
   * Creates the topic and its info topic, then writes the component records.
   * @throws KafkaError (TOPIC_ALREADY_EXISTS) when it exists; ConfigError for bad components.
   */
  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<TopicHandle> {
    this.assertOpen('createTopic');
    const topic = this.kafkaName(name);
    const partitions = options.num_partitions ?? 1;
    if (!Number.isSafeInteger(partitions) || partitions < 1) throw new ConfigError('num_partitions', `must be a positive integer, got ${String(partitions)}`);
    const rf = options.replication_factor;
    if (rf !== undefined && (!Number.isSafeInteger(rf) || rf < 1)) throw new ConfigError('replication_factor', `must be a positive integer, got ${String(rf)}`);
    const validator = isComponent(options.validator) ? (options.validator as Validator) : createValidator(options.validator);
    const selector = isComponent(options.selector) ? (options.selector as PartitionSelector) : createPartitionSelector(options.selector);
    const serializer = isComponent(options.serializer) ? (options.serializer as Serializer) : createSerializer(options.serializer);
    if (this.config.disableInfoTopic && [validator, selector, serializer].some((c) => c.description.type !== 'default')) {
      throw new ConfigError('disable_info_topic', 'without an info topic only the default components can be used');
    }
    const counts = await this.partitionCounts();
    if (counts.has(topic)) {
      throw new KafkaError({ message: `topic ${JSON.stringify(name)} already exists`, code: ErrorCode.TOPIC_ALREADY_EXISTS });
    }
    const specs = [{ topic, numPartitions: partitions, replicationFactor: rf }];
    if (!this.config.disableInfoTopic) specs.push({ topic: this.infoName(name), numPartitions: 1, replicationFactor: rf });
    await this.admin.createTopics(specs);
    if (!this.config.disableInfoTopic) await writeInfo(this.producer('createTopic'), this.infoName(name), { validator, selector, serializer });
    return this.handle(name, topic, partitions, validator, selector, serializer);
  }

  /**
   * Opens a topic: reads its info topic and rebuilds its components. A Kafka topic without an
   * info topic (a plain topic, or one made with `disable_info_topic`) opens with the default
   * components and a warning, as in Octopus, so it can be read and written through this API.
   * @throws TopicNotFoundError when the Kafka topic does not exist; ConfigError for an unknown
   *   component type; KafkaError (NOENT) when the info topic exists but lacks its three records
   *   (a topic being created, or a damaged one: defaults would silently drop its validator).
   */
  async openTopic(name: string): Promise<TopicHandle> {
    this.assertOpen('openTopic');
    const topic = this.kafkaName(name);
    const counts = await this.partitionCounts();
    const partitions = counts.get(topic);
    if (partitions === undefined) throw new TopicNotFoundError(name);
    if (this.config.disableInfoTopic) {
      return this.handle(name, topic, partitions, createValidator(), createPartitionSelector(), createSerializer());
    }
    if (!counts.has(this.infoName(name))) {
      this.config.notes.warn(
        { topic: name, kafkaTopic: topic, infoTopic: this.infoName(name) },
        `topic ${JSON.stringify(name)} has no info topic ${JSON.stringify(this.infoName(name))}: using the default validator, partition selector and serializer`,
      );
      return this.handle(name, topic, partitions, createValidator(), createPartitionSelector(), createSerializer());
    }
    const info = await readInfo(configForRole('consumer', this.kafka), this.infoName(name), undefined, this.config.clientOptions);
    return this.handle(name, topic, partitions, createValidator(info.validator), createPartitionSelector(info.selector), createSerializer(info.serializer));
  }

  /** The topics of this driver's namespace that have an info record, with their components. */
  async listTopics(): Promise<TopicInfo[]> {
    this.assertOpen('listTopics');
    const counts = await this.partitionCounts();
    const infoStart = this.config.prefix + this.config.infoTopicPrefix;
    const out: TopicInfo[] = [];
    for (const [kafkaName, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!kafkaName.startsWith(this.config.prefix) || kafkaName.startsWith(infoStart)) continue;
      const name = kafkaName.slice(this.config.prefix.length);
      if (!counts.has(this.infoName(name))) continue;
      const info = await readInfo(configForRole('consumer', this.kafka), this.infoName(name), undefined, this.config.clientOptions).catch(() => undefined);
      if (info === undefined) continue; // an info topic without its records: not a usable topic
      // Exact integers, as the components read them (a pattern may hold a 64-bit value).
      const parse = (t: string): ComponentDescription => parseOctopusJson(t) as ComponentDescription;
      out.push({ name, num_partitions: n, validator: parse(info.validator), selector: parse(info.selector), serializer: parse(info.serializer) });
    }
    return out;
  }

  /**
   * Deletes the topic and its info topic (when it has one). The cluster's refusal passes
   * through as an AdminError (the embedded MockCluster cannot delete topics: UNSUPPORTED_FEATURE).
   * @throws TopicNotFoundError when it does not exist.
   */
  async deleteTopic(name: string): Promise<void> {
    this.assertOpen('deleteTopic');
    const counts = await this.partitionCounts();
    if (!counts.has(this.kafkaName(name))) throw new TopicNotFoundError(name);
    const topics = [this.kafkaName(name)];
    if (!this.config.disableInfoTopic && counts.has(this.infoName(name))) topics.push(this.infoName(name));
    await this.admin.deleteTopics(topics);
  }

  /**
   * Closes every producer and consumer made through this driver, then the embedded cluster.
   * Producers deliver what is pending for up to `timeoutMs` (default 30 000), consumers get as
   * long to leave their group; resolves with how many events the producers left undelivered
   * and whether a client's close timed out.
   *
   * @param options - `timeoutMs`: the deadline of each client's close (default 30 000 ms).
   */
  close(options: TimeoutOptions = {}): Promise<DriverCloseReport> {
    try {
      timeoutOf('close', options, 30_000);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    this.closing ??= this.closeOnce(options);
    return this.closing;
  }

  private closing: Promise<DriverCloseReport> | undefined;

  private async closeOnce(options: TimeoutOptions): Promise<DriverCloseReport> {
    this.closed = true;
    const results = await Promise.allSettled([...this.clients].map((c) => c.close(options)));
    let undelivered = 0;
    let timedOut = false;
    const uncommitted: DriverCloseReport['uncommitted'] = [];
    for (const r of results) {
      if (r.status !== 'fulfilled') continue;
      const report = r.value as Partial<DriverCloseReport> | undefined;
      if (typeof report?.undelivered === 'number') undelivered += report.undelivered;
      if (report?.timedOut === true) timedOut = true;
      if (Array.isArray(report?.uncommitted)) uncommitted.push(...report.uncommitted);
    }
    if (this.sharedProducer) {
      const report = await this.sharedProducer.close(options);
      undelivered += report.undelivered;
      timedOut ||= report.timedOut;
    }
    timedOut = (await this.admin.close(options)).timedOut || timedOut;
    if (this.mock) timedOut = (await this.mock.close(options)).timedOut || timedOut;
    return { undelivered, timedOut, uncommitted };
  }

  /** The producer for info records and end-of-stream markers, made on first use. */
  private producer(what: string): KafkaProducer {
    this.assertOpen(what);
    this.sharedProducer ??= new KafkaProducer(configForRole('producer', this.kafka), this.config.clientOptions);
    return this.sharedProducer;
  }

  private handle(name: string, topic: string, partitions: number, validator: Validator, selector: PartitionSelector, serializer: Serializer): TopicHandle {
    selector.setPartitions(Array.from({ length: partitions }, (_, i) => ({ partition_id: i })));
    const context: DriverContext = {
      kafka: this.kafka,
      clientOptions: this.config.clientOptions,
      groupPrefix: this.config.groupPrefix,
      producer: () => this.producer('markAsComplete'),
      track: (client) => {
        this.assertOpen('a topic producer or consumer');
        this.clients.add(client);
        return () => this.clients.delete(client);
      },
      notes: this.config.notes,
    };
    return new TopicHandle(context, { name, kafkaTopic: topic, partitions, validator, selector, serializer });
  }
}
