/**
 * What one command invocation works with: its resolved connection (connections file,
 * environment, `-X`), the embedded cluster when no cluster is configured, the clients it
 * opened (closed at the end, in reverse order), its diagnostics and Ctrl-C.
 */
import { KafkaAdmin } from '../admin/admin';
import type { ClusterDescription } from '../admin/admin-types';
import type { ClientOptions } from '../core/client-base';
import type { KafkaConfig } from '../config/client-config';
import {
  parsePropertyPairs,
  readConnectionsFile,
  resolveConnection,
  type ConnectionRole,
  type ConnectionsFile,
  type ResolvedConnection,
} from '../app/connection-config';
import { describeProperty, validateConfig } from '../config/config';
import { MockCluster } from '../testing/mock-cluster';
import { Driver } from '../topic/driver';
import { Diagnostics } from './diagnostics';
import { CliError, ExitCode } from './errors';
import type { ConnectionOptions } from './options';

/**
 * The properties a client of `role` takes: one command line (`-X`, the environment, a
 * connection's shared section) serves the producer, consumer and admin client a command
 * makes, so a consumer-only property must not reach the producer or the admin client.
 * Unknown names stay, for the client to reject with a "did you mean".
 */
function forRole(config: KafkaConfig, role: ConnectionRole): KafkaConfig {
  const out: KafkaConfig = {};
  for (const [name, value] of Object.entries(config)) {
    const owner = describeProperty(name)?.role;
    if (owner === undefined || owner === 'both' || owner === role) out[name] = value;
  }
  return out;
}

/** librdkafka's mock cluster: its cluster ids start with `mockCluster`. */
export function isMockCluster(cluster: ClusterDescription): boolean {
  return cluster.clusterId?.startsWith('mockCluster') ?? false;
}

/** A resolved connection with `bootstrap.servers` set (the embedded cluster's, if need be). */
export interface Connection extends ResolvedConnection {
  bootstrapServers: string;
}

interface Closable {
  close(): Promise<unknown>;
}

/** One invocation's connection, clients and lifecycle. */
export class CliContext {
  readonly diagnostics: Diagnostics;
  private fileRead = false;
  private file: ConnectionsFile | undefined;
  private overrides: KafkaConfig | undefined;
  private mock: Promise<MockCluster> | undefined;
  private readonly clients: Closable[] = [];
  private adminClient: KafkaAdmin | undefined;
  private readonly interrupt = new AbortController();

  constructor(readonly options: ConnectionOptions) {
    this.diagnostics = new Diagnostics(Boolean(options.verbose), process.stderr);
    this.diagnostics.captureProcessWarnings();
  }

  /** Aborted on the first Ctrl-C (see {@link handleInterrupt}). */
  get signal(): AbortSignal {
    return this.interrupt.signal;
  }

  /** True once Ctrl-C was pressed. */
  get interrupted(): boolean {
    return this.interrupt.signal.aborted;
  }

  /**
   * Lets the command stop cleanly on Ctrl-C: the first one aborts {@link signal} (the
   * command closes its clients and exits with 130), a second one exits at once.
   */
  handleInterrupt(): void {
    process.once('SIGINT', () => {
      this.interrupt.abort();
      process.once('SIGINT', () => process.exit(ExitCode.INTERRUPTED));
    });
  }

  private connectionsFile(): ConnectionsFile | undefined {
    if (!this.fileRead) {
      const path = this.options.config ?? (process.env.OCTOKAFKA_CONFIG || undefined);
      this.file = path === undefined ? undefined : readConnectionsFile(path);
      this.fileRead = true;
    }
    return this.file;
  }

  private overrideConfig(): KafkaConfig {
    if (this.overrides === undefined) {
      const overrides = parsePropertyPairs(this.options.property ?? []);
      if (this.options.bootstrapServers !== undefined) overrides['bootstrap.servers'] = this.options.bootstrapServers;
      this.overrides = overrides;
    }
    return this.overrides;
  }

  /**
   * The connection for a client role. Without `bootstrap.servers` anywhere, starts the
   * embedded cluster (once per invocation) and says so on stderr.
   * @throws ConfigError for a bad file, connection name, environment variable or `-X`.
   */
  async connection(role?: ConnectionRole): Promise<Connection> {
    // The CLI runs on an embedded cluster of its own when none is configured, and says so.
    const resolved = resolveConnection({ file: this.connectionsFile(), name: this.options.connection, role, overrides: this.overrideConfig(), allowEmbedded: true });
    resolved.config = forRole(resolved.config, role ?? 'admin');
    // Checked now, so that a bad property is reported before anything starts or connects.
    validateConfig(role ?? 'admin', resolved.config, { onWarning: () => undefined });
    if (!resolved.embedded) return { ...resolved, bootstrapServers: String(resolved.config['bootstrap.servers']) };
    if (this.mock === undefined) {
      this.diagnostics.print(
        'no cluster configured (--bootstrap-servers, -X bootstrap.servers, --config or KAFKA_BOOTSTRAP_SERVERS): ' +
          'using an embedded cluster that lasts for this command only; run `octokafka mock` to share one between commands',
      );
      this.mock = MockCluster.start();
    }
    const mock = await this.mock;
    return { ...resolved, config: { ...resolved.config, 'bootstrap.servers': mock.bootstrapServers }, bootstrapServers: mock.bootstrapServers };
  }

  /** True when this invocation runs on an embedded cluster of its own. */
  get embedded(): boolean {
    return this.mock !== undefined;
  }

  /** Client options for a connection: its authentication plus the CLI's logger. */
  clientOptions(connection: ResolvedConnection): ClientOptions {
    return { ...connection.clientOptions, logger: this.diagnostics.logger() };
  }

  /** Registers a client to close when the command ends. */
  track<T extends Closable>(client: T): T {
    this.clients.push(client);
    return client;
  }

  /**
   * The invocation's admin client.
   * @param extra properties below the user's own (only the first call makes the client).
   */
  async admin(timeoutMs: number, extra: KafkaConfig = {}): Promise<KafkaAdmin> {
    if (this.adminClient === undefined) {
      const c = await this.connection('admin');
      this.adminClient = this.track(new KafkaAdmin({ ...extra, ...c.config }, { ...this.clientOptions(c), timeoutMs }));
    }
    return this.adminClient;
  }

  /**
   * Asks the cluster for its brokers: the check that it can be reached at all, with the
   * last client error (e.g. "connection refused") in the message when it cannot.
   * @throws CliError when no answer comes within `timeoutMs`.
   */
  async reach(timeoutMs: number): Promise<ClusterDescription> {
    const admin = await this.admin(timeoutMs);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await admin.describeCluster({ timeoutMs: Math.max(1, deadline - Date.now()) });
      } catch (e) {
        // A refused connection fails the request at once; the cluster may still come up.
        if (Date.now() + 200 < deadline && !this.interrupted) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          continue;
        }
        const servers = (await this.connection('admin')).bootstrapServers;
        // The client's own report (e.g. "connection refused") says more than the request's
        // failure; it comes through the event pump, possibly just after the failure.
        for (let i = 0; i < 10 && this.diagnostics.lastError === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 50));
        const why = this.diagnostics.lastError ?? (e as Error).message;
        throw new CliError(`cannot reach the cluster at ${servers} within ${timeoutMs} ms: ${why}`);
      }
    }
  }

  /** A topic-layer driver on this invocation's connection (closed at the end). */
  async driver(namespace?: string): Promise<Driver> {
    const c = await this.connection();
    const region = c.clientOptions.awsMskIam?.region;
    const driver = await Driver.connect({
      kafka: c.config,
      ...(namespace === undefined ? {} : { namespace }),
      ...(region === undefined ? {} : { aws_msk_iam: { region } }),
    });
    return this.track(driver);
  }

  /** Closes every client (newest first), then the embedded cluster. */
  async close(): Promise<void> {
    for (const client of this.clients.splice(0).reverse()) {
      await client.close().catch(() => undefined);
    }
    const mock = this.mock;
    this.mock = undefined;
    if (mock) await (await mock).close();
  }
}

/**
 * Runs a command's work with a context and closes it afterwards, whatever happens.
 * Returns the exit code (130 when interrupted).
 */
export async function withContext(options: ConnectionOptions, work: (ctx: CliContext) => Promise<number | void>): Promise<number> {
  const ctx = new CliContext(options);
  try {
    const code = (await work(ctx)) ?? ExitCode.OK;
    return ctx.interrupted ? ExitCode.INTERRUPTED : code;
  } finally {
    await ctx.close();
  }
}
