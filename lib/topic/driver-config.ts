/**
 * The Octopus driver configuration (JSON), checked with zod so that an error names the JSON
 * path (e.g. `kafka.bootstrap.servers`) and says why.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ClientOptions } from '../client-base';
import { ConfigError } from '../errors';
import type { KafkaConfig } from '../client-config';

const kafkaValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

const schema = z
  .object({
    kafka: z
      .object({
        'bootstrap.servers': z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
      })
      .catchall(kafkaValue)
      .default({}),
    namespace: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'must be a non-empty Kafka topic-name prefix (letters, digits, ".", "_", "-")')
      .optional(),
    disable_info_topic: z.boolean().optional(),
    info_topic_prefix: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'must be a non-empty Kafka topic-name prefix (letters, digits, ".", "_", "-")')
      .optional(),
    aws_msk_iam: z.object({ region: z.string().min(1) }).strict().optional(),
  })
  .strict();

/** The driver configuration, as Octopus reads it. */
export type DriverConfig = z.input<typeof schema>;

/** The checked configuration with its defaults applied. */
export interface ResolvedDriverConfig {
  /** librdkafka properties; `bootstrap.servers` is absent when an embedded cluster is wanted. */
  kafka: KafkaConfig;
  /** `<namespace>.`, or empty. */
  prefix: string;
  disableInfoTopic: boolean;
  infoTopicPrefix: string;
  /** Options for every raw client the driver makes (authentication). */
  clientOptions: ClientOptions;
}

/**
 * Checks a driver configuration.
 * @throws ConfigError whose `property` is the offending JSON path.
 */
export function resolveDriverConfig(config: unknown): ResolvedDriverConfig {
  const parsed = schema.safeParse(config ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(issue.path.map(String).join('.') || '(root)', issue.message);
  }
  const c = parsed.data;
  const kafka: KafkaConfig = { ...c.kafka };
  const servers = c.kafka['bootstrap.servers'];
  if (Array.isArray(servers)) kafka['bootstrap.servers'] = servers.join(',');
  // AWS MSK IAM: SASL_SSL + OAUTHBEARER with signed tokens, on every raw client.
  const clientOptions: ClientOptions = c.aws_msk_iam ? { awsMskIam: { region: c.aws_msk_iam.region } } : {};
  return {
    kafka,
    clientOptions,
    prefix: c.namespace === undefined ? '' : `${c.namespace}.`,
    disableInfoTopic: c.disable_info_topic ?? false,
    infoTopicPrefix: c.info_topic_prefix ?? '__info_',
  };
}

/**
 * Reads a driver configuration from a JSON file.
 * @throws ConfigError when the file cannot be read or is not JSON.
 */
export async function readDriverConfig(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, `cannot read the configuration file: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ConfigError(path, `the configuration file is not JSON: ${(e as Error).message}`);
  }
}
