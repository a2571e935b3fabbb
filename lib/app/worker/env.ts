/**
 * Worker settings from the environment, for twelve-factor deployments. The connection
 * itself (`KAFKA_BOOTSTRAP_SERVERS`, `KAFKA_CLIENT_ID`, `KAFKA_SECURITY_PROTOCOL`, SASL, the
 * base64 certificates `KAFKA_CA_CERT`/`KAFKA_CLIENT_CERT`/`KAFKA_CLIENT_KEY`) is read by the
 * connection resolution (lib/config/env-config.ts); this adds what a worker needs besides.
 */
import { ConfigError } from '../../util/errors';

/** What {@link workerSettingsFromEnv} reads. */
export const WORKER_ENV = {
  /** Topics to consume, comma-separated. */
  topics: 'KAFKA_TOPIC',
  /** The consumer group. */
  group: 'KAFKA_CONSUMER_GROUP',
  /** Default topic of `ctx.produce`. */
  output: 'KAFKA_OUTPUT_TOPIC',
  /** Where messages go after their last failed attempt. */
  deadLetterTopic: 'KAFKA_DEAD_LETTER_TOPIC',
  /** The named connection to use (from the connections file). */
  connection: 'OCTOKAFKA_CONNECTION',
  /** Port of the /healthz and /metrics endpoint (0: any free port). */
  httpPort: 'OCTOKAFKA_HTTP_PORT',
} as const;

/** Worker settings found in the environment. */
export interface WorkerEnvSettings {
  /** From `KAFKA_TOPIC`. */
  topics?: string[];
  /** From `KAFKA_CONSUMER_GROUP`. */
  group?: string;
  /** From `KAFKA_OUTPUT_TOPIC`. */
  output?: string;
  /** From `KAFKA_DEAD_LETTER_TOPIC`. */
  deadLetterTopic?: string;
  /** From `OCTOKAFKA_CONNECTION`. */
  connection?: string;
  /** From `OCTOKAFKA_HTTP_PORT`. */
  httpPort?: number;
}

function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/**
 * Reads {@link WORKER_ENV}; unset or blank variables are left out.
 * @throws ConfigError naming a malformed variable.
 */
export function workerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnvSettings {
  const out: WorkerEnvSettings = {};
  const topics = read(env, WORKER_ENV.topics);
  if (topics !== undefined) {
    const list = topics.split(',').map((t) => t.trim());
    if (list.some((t) => t === '')) throw new ConfigError(WORKER_ENV.topics, 'has an empty topic name (comma-separated list expected)');
    out.topics = list;
  }
  const group = read(env, WORKER_ENV.group);
  if (group !== undefined) out.group = group;
  const output = read(env, WORKER_ENV.output);
  if (output !== undefined) out.output = output;
  const dlq = read(env, WORKER_ENV.deadLetterTopic);
  if (dlq !== undefined) out.deadLetterTopic = dlq;
  const connection = read(env, WORKER_ENV.connection);
  if (connection !== undefined) out.connection = connection;
  const port = read(env, WORKER_ENV.httpPort);
  if (port !== undefined) {
    if (!/^\d+$/.test(port) || Number(port) > 65_535) throw new ConfigError(WORKER_ENV.httpPort, 'must be a port number from 0 to 65535');
    out.httpPort = Number(port);
  }
  return out;
}
