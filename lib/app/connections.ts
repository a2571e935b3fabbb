/**
 * Named connections at run time: `connect('prod')` gives every caller in the process the
 * same lazily created clients of that connection (one producer, one admin, one consumer per
 * group), and `closeAll()` closes all of them together. Configuration comes from a
 * connections file (lib/app/connection-config.ts: `OCTOKAFKA_CONFIG` names one by default) and
 * the `KAFKA_*` environment; a connection without `bootstrap.servers` runs on one embedded
 * MockCluster shared by the whole process.
 */
import { KafkaAdmin } from '../admin/admin';
import type { AdminOptions } from '../admin/admin-types';
import type { ClientOptions, Logger } from '../core/client-base';
import type { AdminConfig, ConsumerConfig, ProducerConfig } from '../config/typed-config';
import {
  parseConnectionsFile,
  readConnectionsFile,
  resolveConnection,
  type ConnectionRole,
  type ConnectionsFile,
  type ResolvedConnection,
} from './connection-config';
import { KafkaConsumer, type ConsumerOptions } from '../client/consumer';
import { ClosedError, ConfigError, ErrorCode, KafkaError } from '../util/errors';
import type { KafkaMetrics } from '../observability/metrics/collector';
import { MockCluster } from '../testing/mock-cluster';
import { KafkaProducer, type ProducerOptions } from '../client/producer';
import { timeoutOf, type BaseCloseReport, type TimeoutOptions } from '../core/call-options';

/** Where connections come from. */
export interface ConnectionsOptions {
  /**
   * A connections file: its path, its parsed content (the JSON object), or a checked
   * {@link ConnectionsFile}. Default: the file `OCTOKAFKA_CONFIG` names; without it, one
   * connection (`default`) configured by the `KAFKA_*` environment alone.
   */
  source?: string | ConnectionsFile | Record<string, unknown>;
  /** Environment for `OCTOKAFKA_CONFIG` and the `KAFKA_*` variables (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Receives every client's log lines and errors (pino-compatible). */
  logger?: Logger;
  /** Every client created through these connections is observed by this collector. */
  metrics?: KafkaMetrics;
  /**
   * `statistics.interval.ms` for clients whose configuration does not set it: librdkafka's
   * statistics feed {@link metrics}. Default 5000 when `metrics` is given, else unset.
   */
  statisticsIntervalMs?: number;
  /**
   * Connections without `bootstrap.servers` run on one embedded, in-process cluster that
   * keeps nothing (tests, demos, trying things out) instead of failing with a ConfigError
   * (default false; a connection may also say `"embedded": true` itself).
   */
  embedded?: boolean;
}

const OPTION_NAMES: readonly string[] = ['source', 'env', 'logger', 'metrics', 'statisticsIntervalMs', 'embedded'];

/**
 * What {@link Connection.close}, {@link Connections.closeAll} and {@link closeAll} report:
 * the clients' reports summed up.
 */
export interface ConnectionsCloseReport extends BaseCloseReport {
  /** True when some client (or the embedded cluster) did not finish closing by the deadline. */
  timedOut: boolean;
  /** Messages the producers failed at the deadline (see {@link KafkaProducer.close}). */
  undelivered: number;
}

/** Adds a client's close report (whatever its kind) to `total`. */
function addReport(total: ConnectionsCloseReport, report: unknown): void {
  const r = report as Partial<ConnectionsCloseReport> | undefined;
  if (r?.timedOut === true) total.timedOut = true;
  if (typeof r?.undelivered === 'number') total.undelivered += r.undelivered;
}

/** A client a connection made (and will close). */
type Client = KafkaProducer | KafkaConsumer | KafkaAdmin;

/** The embedded cluster of every connection without `bootstrap.servers`, one per process (per registry). */
interface Embedded {
  cluster: Promise<MockCluster>;
}

/**
 * One named connection: lazily created, cached clients, shared by everyone who asks.
 * Obtain it with {@link connect} (or {@link Connections.connect}).
 */
export class Connection {
  private producerClient: Promise<KafkaProducer> | undefined;
  private adminClient: Promise<KafkaAdmin> | undefined;
  private readonly consumers = new Map<string, Promise<KafkaConsumer>>();
  /** Every client made here, cached or not: closed by {@link close}. */
  private readonly clients = new Set<Client>();
  private closed = false;

  /** @internal Use {@link connect}. */
  constructor(
    /** The connection's name (`default` for an unnamed one). */
    readonly name: string,
    private readonly registry: Connections,
  ) {}

  /** True when the connection has no `bootstrap.servers` and runs on the embedded cluster. */
  get embedded(): boolean {
    return this.resolve().embedded;
  }

  /**
   * The connection's configuration for a role, with the file's defaults, the `KAFKA_*`
   * environment and the embedded cluster's address applied.
   */
  async config(role: ConnectionRole): Promise<ResolvedConnection> {
    const resolved = this.resolve(role);
    if (resolved.embedded) {
      resolved.config['bootstrap.servers'] = (await this.registry.embeddedCluster()).bootstrapServers;
    }
    if (this.registry.statisticsIntervalMs !== undefined && resolved.config['statistics.interval.ms'] === undefined) {
      resolved.config['statistics.interval.ms'] = this.registry.statisticsIntervalMs;
    }
    return resolved;
  }

  /** `bootstrap.servers` of the connection (the embedded cluster's when it has none). */
  async bootstrapServers(): Promise<string> {
    return String((await this.config('admin')).config['bootstrap.servers']);
  }

  /** The connection's producer: created on first use, then the same instance for every caller. */
  producer(): Promise<KafkaProducer> {
    this.assertOpen('producer()');
    this.producerClient ??= this.cache(this.createProducer(), () => (this.producerClient = undefined));
    return this.producerClient;
  }

  /** The connection's admin client: created on first use, then shared. */
  admin(): Promise<KafkaAdmin> {
    this.assertOpen('admin()');
    this.adminClient ??= this.cache(this.createAdmin(), () => (this.adminClient = undefined));
    return this.adminClient;
  }

  /**
   * The connection's consumer of a group: created on first use, then shared by every
   * caller asking for that group. Default group: the connection's `group.id`, else
   * `KAFKA_CONSUMER_GROUP`.
   * @throws ConfigError when no group is given or configured.
   */
  consumer(group?: string): Promise<KafkaConsumer> {
    this.assertOpen('consumer()');
    const id = this.groupId(group);
    let client = this.consumers.get(id);
    if (!client) {
      client = this.cache(this.createConsumer(id), () => this.consumers.delete(id));
      this.consumers.set(id, client);
    }
    return client;
  }

  /**
   * A new producer of its own (not shared), e.g. a transactional one. `config` adds to or
   * overrides the connection's producer configuration. Closed by {@link closeAll} unless
   * closed before.
   */
  async createProducer(config: ProducerConfig = {}, options: ProducerOptions = {}): Promise<KafkaProducer> {
    const resolved = await this.config('producer');
    return this.track(new KafkaProducer({ ...resolved.config, ...config }, this.clientOptions(resolved, options)));
  }

  /** A new consumer of its own in `group` (not shared); see {@link createProducer}. */
  async createConsumer(group?: string, config: ConsumerConfig = {}, options: ConsumerOptions = {}): Promise<KafkaConsumer> {
    const id = this.groupId(group);
    const resolved = await this.config('consumer');
    return this.track(new KafkaConsumer({ ...resolved.config, 'group.id': id, ...config }, this.clientOptions(resolved, options)));
  }

  /** A new admin client of its own (not shared). */
  async createAdmin(config: AdminConfig = {}, options: AdminOptions = {}): Promise<KafkaAdmin> {
    const resolved = await this.config('admin');
    return this.track(new KafkaAdmin({ ...resolved.config, ...config }, this.clientOptions(resolved, options)));
  }

  /**
   * Closes every client this connection made: consumers first (they leave their groups
   * and commit), then producers (they flush), then admin clients. Idempotent. Rejects with
   * an AggregateError of what failed once everything was tried.
   *
   * @param options - `timeoutMs`: one deadline for all of it (default 30 000 ms), each
   *   client getting what is left of it.
   */
  async close(options: TimeoutOptions = {}): Promise<ConnectionsCloseReport> {
    const timeoutMs = timeoutOf('close', options, 30_000);
    const deadline = performance.now() + timeoutMs;
    const report: ConnectionsCloseReport = { timedOut: false, undelivered: 0 };
    this.closed = true;
    // Clients still being created are closed once they exist.
    const pending = [this.producerClient, this.adminClient, ...this.consumers.values()].filter(Boolean) as Array<Promise<Client>>;
    await Promise.allSettled(pending);
    const all = [...this.clients];
    this.clients.clear();
    const order = [
      all.filter((c) => c instanceof KafkaConsumer),
      all.filter((c) => c instanceof KafkaProducer),
      all.filter((c) => c instanceof KafkaAdmin),
    ];
    const errors: unknown[] = [];
    for (const group of order) {
      const left = { timeoutMs: Math.max(0, deadline - performance.now()) };
      for (const r of await Promise.allSettled(group.map((c) => c.close(left)))) {
        if (r.status === 'rejected') errors.push(r.reason);
        else addReport(report, r.value);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `closing connection "${this.name}": ${errors.length} client(s) failed to close`);
    return report;
  }

  private resolve(role?: ConnectionRole): ResolvedConnection {
    return resolveConnection({ file: this.registry.file(), name: this.name, role, env: this.registry.environment(), allowEmbedded: this.registry.embeddedAllowed });
  }

  /**
   * The consumer group for `group` (default: the connection's `group.id`, else
   * `KAFKA_CONSUMER_GROUP`).
   * @throws ConfigError when there is none.
   */
  groupId(group?: string): string {
    if (group !== undefined) {
      if (typeof group !== 'string' || group.length === 0) throw new ConfigError('group', 'must be a non-empty string');
      return group;
    }
    const configured = this.resolve('consumer').config['group.id'] ?? this.registry.environment().KAFKA_CONSUMER_GROUP;
    if (configured === undefined || configured === '') {
      throw new ConfigError('group.id', `connection "${this.name}" has no consumer group: pass one, set group.id in its consumer section, or set KAFKA_CONSUMER_GROUP`);
    }
    return String(configured);
  }

  private clientOptions<O extends ClientOptions>(resolved: ResolvedConnection, options: O): O {
    const logger = options.logger ?? this.registry.logger;
    return { ...resolved.clientOptions, ...(logger ? { logger } : {}), ...options };
  }

  private track<C extends Client>(client: C): C {
    if (this.closed) {
      void client.close();
      throw new ClosedError(`connection "${this.name}"`);
    }
    this.clients.add(client);
    this.registry.metrics?.observe(client);
    return client;
  }

  /** A creation that failed is forgotten, so that the next call tries again. */
  private cache<C>(creation: Promise<C>, forget: () => void): Promise<C> {
    creation.catch(forget);
    return creation;
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new ClosedError(`connection "${this.name}" (${what} after closeAll)`);
  }
}

/**
 * A set of named connections with their clients. The process-wide one is behind
 * {@link connect}, {@link configureConnections} and {@link closeAll}; make your own for
 * isolation (tests, several configurations side by side).
 */
export class Connections {
  private readonly connections = new Map<string, Connection>();
  // Private fields: the environment and the connections file hold credentials
  // (KAFKA_SASL_PASSWORD, sasl.password, ...), which printing or enumerating this must not show.
  #loaded: ConnectionsFile | null | undefined;
  private embedded: Embedded | undefined;
  readonly #env: NodeJS.ProcessEnv;
  /** @internal Connections without servers may run on the embedded cluster ({@link ConnectionsOptions.embedded}). */ readonly embeddedAllowed: boolean;
  /** @internal */ readonly logger: Logger | undefined;
  /** @internal */ readonly metrics: KafkaMetrics | undefined;
  /** @internal */ readonly statisticsIntervalMs: number | undefined;
  readonly #source: ConnectionsOptions['source'];

  /**
   * Checks a given source at once (a file path is read on first use).
   * @throws ConfigError for a malformed source.
   */
  constructor(options: ConnectionsOptions = {}) {
    const unknown = Object.keys(options ?? {}).find((k) => !OPTION_NAMES.includes(k));
    if (unknown !== undefined) {
      throw new ConfigError(unknown, `is not an option of the connections (${OPTION_NAMES.join(', ')}); a connections file's content goes in "source"`);
    }
    this.#env = options.env ?? process.env;
    if (options.embedded !== undefined && typeof options.embedded !== 'boolean') {
      throw new ConfigError('embedded', `must be a boolean, got ${typeof options.embedded}`);
    }
    this.embeddedAllowed = options.embedded === true;
    this.logger = options.logger;
    this.metrics = options.metrics;
    const interval = options.statisticsIntervalMs ?? (options.metrics ? 5000 : undefined);
    if (interval !== undefined && (!Number.isInteger(interval) || interval < 0)) {
      throw new ConfigError('statisticsIntervalMs', `must be a non-negative integer, got ${String(interval)}`);
    }
    this.statisticsIntervalMs = interval;
    this.#source = options.source;
    if (options.source !== undefined && typeof options.source !== 'string') this.#loaded = toFile(options.source);
  }

  /** @internal The environment the connections read (a method: not shown when this is printed). */
  environment(): NodeJS.ProcessEnv {
    return this.#env;
  }

  /**
   * The connection of that name (default: the file's `default`, or its only connection).
   * The same object for every caller until {@link closeAll}.
   * @throws ConfigError for a name the configuration does not have.
   */
  connect(name?: string): Connection {
    // Resolving checks the name and maps "no name" to the default one.
    const resolved = resolveConnection({ file: this.file(), name, env: this.#env, allowEmbedded: this.embeddedAllowed });
    let connection = this.connections.get(resolved.name);
    if (!connection) {
      connection = new Connection(resolved.name, this);
      this.connections.set(resolved.name, connection);
    }
    return connection;
  }

  /** Names of the configured connections. */
  names(): string[] {
    const file = this.file();
    return file ? Object.keys(file.connections) : ['default'];
  }

  /**
   * Closes every client of every connection, then the embedded cluster. Later
   * {@link connect} calls start afresh with the same configuration.
   *
   * @param options - `timeoutMs`: one deadline for all of it (default 30 000 ms).
   */
  async closeAll(options: TimeoutOptions = {}): Promise<ConnectionsCloseReport> {
    const timeoutMs = timeoutOf('closeAll', options, 30_000);
    const deadline = performance.now() + timeoutMs;
    const report: ConnectionsCloseReport = { timedOut: false, undelivered: 0 };
    const connections = [...this.connections.values()];
    this.connections.clear();
    const embedded = this.embedded;
    this.embedded = undefined;
    const errors: unknown[] = [];
    for (const r of await Promise.allSettled(connections.map((c) => c.close({ timeoutMs })))) {
      if (r.status === 'rejected') errors.push(r.reason);
      else addReport(report, r.value);
    }
    if (embedded) {
      try {
        addReport(report, await (await embedded.cluster).close({ timeoutMs: Math.max(0, deadline - performance.now()) }));
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `closeAll: ${errors.length} failures`);
    return report;
  }

  /** True while some connection has been handed out since the last {@link closeAll}. */
  get inUse(): boolean {
    return this.connections.size > 0;
  }

  /** @internal The checked connections file, or null when the environment alone configures. */
  file(): ConnectionsFile | undefined {
    if (this.#loaded === undefined) {
      const path = typeof this.#source === 'string' ? this.#source : this.#env.OCTOKAFKA_CONFIG?.trim() || undefined;
      this.#loaded = path === undefined ? null : readConnectionsFile(path);
    }
    return this.#loaded ?? undefined;
  }

  /** @internal The process's (this registry's) embedded cluster, started on first use. */
  embeddedCluster(): Promise<MockCluster> {
    if (!this.embedded) {
      const cluster = MockCluster.start();
      const embedded: Embedded = { cluster };
      this.embedded = embedded;
      cluster.catch(() => {
        if (this.embedded === embedded) this.embedded = undefined;
      });
    }
    return this.embedded.cluster;
  }
}

function toFile(source: ConnectionsFile | Record<string, unknown>): ConnectionsFile {
  const s = source as Partial<ConnectionsFile>;
  if (typeof s.source === 'string' && 'defaultName' in s && typeof s.connections === 'object') return source as ConnectionsFile;
  return parseConnectionsFile(source, 'connections');
}

let processConnections: Connections | undefined;

function registry(): Connections {
  processConnections ??= new Connections();
  return processConnections;
}

/**
 * Configures the process's connections (before the first {@link connect}; call
 * {@link closeAll} first to reconfigure).
 * @throws KafkaError (STATE) while connections of the old configuration are in use;
 *   ConfigError for a malformed source.
 */
export function configureConnections(options: ConnectionsOptions | string = {}): Connections {
  if (processConnections?.inUse) {
    throw new KafkaError({ message: 'configureConnections: connections are in use; call closeAll() first', code: ErrorCode.STATE });
  }
  processConnections = new Connections(typeof options === 'string' ? { source: options } : options);
  return processConnections;
}

/**
 * The named connection of the process (default: the configured default connection).
 * Its clients are created on first use and shared by every caller:
 *
 * ```ts
 * const producer = await connect('prod').producer();   // the same instance everywhere
 * ```
 */
export function connect(name?: string): Connection {
  return registry().connect(name);
}

/**
 * Closes every client of every connection of the process, then the embedded cluster.
 *
 * @param options - `timeoutMs`: one deadline for all of it (default 30 000 ms).
 */
export async function closeAll(options: TimeoutOptions = {}): Promise<ConnectionsCloseReport> {
  const timeoutMs = timeoutOf('closeAll', options, 30_000);
  return (await processConnections?.closeAll({ timeoutMs })) ?? { timedOut: false, undelivered: 0 };
}
