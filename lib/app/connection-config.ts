/**
 * Named connections: one JSON file can describe several clusters plus shared defaults, and
 * every tool (CLI, `connect()`, workers) resolves a connection the same way:
 *
 * ```json
 * {
 *   "defaults": { "client.id": "billing" },
 *   "default": "local",
 *   "connections": {
 *     "local": {},
 *     "prod": {
 *       "bootstrap.servers": "b-1.msk.example:9098",
 *       "aws_msk_iam": { "region": "eu-west-1" },
 *       "producer": { "linger.ms": 5 },
 *       "consumer": { "group.id": "billing" }
 *     }
 *   }
 * }
 * ```
 *
 * A file without `connections` is one unnamed connection (a plain librdkafka configuration).
 * Precedence, lowest first: `defaults` → the connection → its role section
 * (`producer`/`consumer`/`admin`) → `KAFKA_*` environment → explicit overrides (`-X`,
 * `--bootstrap-servers`). A connection that ends up without `bootstrap.servers` is an error,
 * unless it says `"embedded": true` (or its caller allows it, as the CLI does): it is then
 * *embedded*, run on an in-process MockCluster that keeps nothing. A deployment missing one
 * variable must not "work" on a cluster that keeps nothing.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ClientOptions } from '../core/client-base';
import type { KafkaConfig } from '../config/client-config';
import { configFromEnv } from '../config/env-config';
import { ConfigError } from '../util/errors';

/** The client roles a connection may specialise. */
export type ConnectionRole = 'producer' | 'consumer' | 'admin';
const ROLES: readonly ConnectionRole[] = ['producer', 'consumer', 'admin'];

const kafkaValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);
const kafkaConfig = z.record(z.string(), kafkaValue);
const mskIam = z
  .object({
    /** The cluster's AWS region, e.g. `eu-west-1`. */
    region: z.string().min(1),
  })
  .strict();

const connectionSchema = z
  .object({
    /** Properties only the connection's producers get. */
    producer: kafkaConfig.optional(),
    /** Properties only the connection's consumers get. */
    consumer: kafkaConfig.optional(),
    /** Properties only the connection's admin clients get. */
    admin: kafkaConfig.optional(),
    /** Authenticate every client of the connection with AWS MSK IAM. */
    aws_msk_iam: mskIam.optional(),
    /** Without `bootstrap.servers`, run on an embedded cluster (tests, demos) instead of failing. */
    embedded: z.boolean().optional(),
  })
  .catchall(kafkaValue);

const fileSchema = z
  .object({
    defaults: connectionSchema.optional(),
    default: z.string().min(1).optional(),
    connections: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/, 'connection names are letters, digits, ".", "_" and "-"'), connectionSchema),
  })
  .strict();

/** One connection as written in the file. */
export type ConnectionSpec = z.input<typeof connectionSchema>;

/** A checked connections file. */
export interface ConnectionsFile {
  /** Settings every connection starts from. */
  defaults: ConnectionSpec;
  /** The connection used when none is named. */
  defaultName: string | undefined;
  /** The connections, by name. */
  connections: Record<string, ConnectionSpec>;
  /** Where it came from, for error messages. */
  source: string;
}

/** What a client needs to connect. */
export interface ResolvedConnection {
  /** The connection's name (`default` for an unnamed one). */
  name: string;
  /** librdkafka properties for the role. */
  config: KafkaConfig;
  /** Authentication options for the raw client (MSK IAM). */
  clientOptions: ClientOptions;
  /** No `bootstrap.servers` anywhere: run on an embedded MockCluster. */
  embedded: boolean;
}

function zodToConfigError(source: string, error: z.ZodError): ConfigError {
  const issue = error.issues[0]!;
  const path = issue.path.map(String).join('.');
  return new ConfigError(path ? `${source}: ${path}` : source, issue.message);
}

/**
 * Checks a parsed connections file (or a plain librdkafka configuration, which becomes one
 * connection named `default`).
 * @param source names the file in errors.
 * @throws ConfigError naming the JSON path that is wrong.
 */
export function parseConnectionsFile(json: unknown, source = 'connections'): ConnectionsFile {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ConfigError(source, 'must be a JSON object');
  }
  if (!('connections' in json)) {
    const one = connectionSchema.safeParse(json);
    if (!one.success) throw zodToConfigError(source, one.error);
    return { defaults: {}, defaultName: 'default', connections: { default: one.data }, source };
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw zodToConfigError(source, parsed.error);
  const { defaults = {}, default: defaultName, connections } = parsed.data;
  if (defaultName !== undefined && !(defaultName in connections)) {
    throw new ConfigError(`${source}: default`, `names "${defaultName}", which is not among the connections (${Object.keys(connections).join(', ') || 'none'})`);
  }
  return { defaults, defaultName, connections, source };
}

/**
 * Reads and checks a connections file.
 * @throws ConfigError when it cannot be read, is not JSON, or is malformed.
 */
export function readConnectionsFile(path: string): ConnectionsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, `cannot read the configuration file: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, `the configuration file is not JSON: ${(e as Error).message}`);
  }
  return parseConnectionsFile(json, path);
}

/** Options of {@link resolveConnection}. */
export interface ResolveConnectionOptions {
  /** The connections file, if any. */
  file?: ConnectionsFile;
  /** The connection to use; default: the file's `default`, or its only connection. */
  name?: string;
  /** The role-specific section to apply. */
  role?: ConnectionRole;
  /** Environment for `KAFKA_*` variables (default `process.env`; pass `{}` to ignore it). */
  env?: NodeJS.ProcessEnv;
  /** Highest-precedence properties (`-X key=value`, `--bootstrap-servers`). */
  overrides?: KafkaConfig;
  /** A connection without `bootstrap.servers` is embedded rather than an error (the CLI). */
  allowEmbedded?: boolean;
}

function pickName(file: ConnectionsFile | undefined, name: string | undefined): string {
  if (!file) return name ?? 'default';
  const names = Object.keys(file.connections);
  if (name !== undefined) {
    if (!(name in file.connections)) {
      throw new ConfigError('connection', `"${name}" is not in ${file.source} (known: ${names.join(', ') || 'none'})`);
    }
    return name;
  }
  if (file.defaultName !== undefined) return file.defaultName;
  if (names.length === 1) return names[0]!;
  throw new ConfigError('connection', `${file.source} has ${names.length} connections and no "default": name one (${names.join(', ')})`);
}

/** The librdkafka properties of a spec (without the role sections and options). */
function properties(spec: ConnectionSpec, role: ConnectionRole | undefined): KafkaConfig {
  const out: KafkaConfig = {};
  for (const [k, v] of Object.entries(spec)) {
    if ((ROLES as readonly string[]).includes(k) || k === 'aws_msk_iam' || k === 'embedded') continue;
    out[k] = v as KafkaConfig[string];
  }
  if (role && spec[role]) Object.assign(out, spec[role]);
  return out;
}

/**
 * The configuration of one connection for one role, with defaults, environment and
 * overrides applied.
 * @throws ConfigError for an unknown connection name or a bad environment variable.
 */
export function resolveConnection(options: ResolveConnectionOptions = {}): ResolvedConnection {
  const { file, role, overrides = {} } = options;
  const name = pickName(file, options.name);
  const spec = file?.connections[name] ?? {};
  const config: KafkaConfig = {
    ...(file ? properties(file.defaults, role) : {}),
    ...properties(spec, role),
    ...configFromEnv(options.env ?? process.env),
    ...overrides,
  };
  const servers = config['bootstrap.servers'];
  if (Array.isArray(servers)) config['bootstrap.servers'] = servers.join(',');
  const iam = spec.aws_msk_iam ?? file?.defaults.aws_msk_iam;
  const clientOptions: ClientOptions = iam ? { awsMskIam: { region: iam.region } } : {};
  const embedded = config['bootstrap.servers'] === undefined || config['bootstrap.servers'] === '';
  if (embedded) {
    delete config['bootstrap.servers'];
    if (!(options.allowEmbedded || spec.embedded === true || file?.defaults.embedded === true)) {
      throw new ConfigError(
        'bootstrap.servers',
        `connection "${name}" names no Kafka cluster: set "bootstrap.servers" (or the KAFKA_BOOTSTRAP_SERVERS environment variable); ` +
          'for an in-memory cluster that keeps nothing (tests, demos), set "embedded": true on the connection or configureConnections({ embedded: true })',
      );
    }
  }
  return { name, config, clientOptions, embedded };
}

/**
 * Parses `key=value` pairs (the CLI's `-X`): values stay strings, as librdkafka takes them.
 * @throws ConfigError for a pair without `=` or with an empty key.
 */
export function parsePropertyPairs(pairs: readonly string[]): KafkaConfig {
  const out: KafkaConfig = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(pair, 'expected key=value (a librdkafka property)');
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return out;
}
