/**
 * The Octopus driver configuration (JSON), checked with zod so that an error names the JSON
 * path (e.g. `kafka.bootstrap.servers`) and says why.
 *
 * Every configuration Octopus accepts is accepted here, so an existing Octopus configuration
 * file loads as it is: `"namespace": ""` means no namespace (Octopus adds no prefix for an
 * empty one), and top-level blocks this library does not use (Octopus's `"octopus"` cloud-service
 * block, or a block of the application's own) are ignored with a debug-level note. What is
 * wrong inside the parts read here is still an error.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ClientOptions, Logger } from '../core/client-base';
import { ConfigError } from '../util/errors';
import type { KafkaConfig } from '../config/client-config';
import type { ClientConfig } from '../config/typed-config';
import { checkLoggerOption, checkOptions } from '../config/checks';
import { TopicNotes } from './notes';

/**
 * An array schema whose input type is readonly, so that a configuration written in code with
 * readonly arrays type-checks. Not zod's `.readonly()`: that freezes the value it is given (the
 * caller's own array) and throws on any other object it meets in a union (a Buffer), where
 * the check must only say the value is wrong.
 */
function readonlyArray<T extends z.ZodType>(item: T, min = 0): z.ZodType<readonly z.output<T>[], readonly z.input<T>[]> {
  return z.array(item).min(min) as unknown as z.ZodType<readonly z.output<T>[], readonly z.input<T>[]>;
}

// Octopus joins the elements of a list with commas (any JSON scalar, as its text). Bigints:
// what the typed ClientConfig allows for integers, in a configuration written in code.
const kafkaValue = z.union([z.string(), z.number(), z.bigint(), z.boolean(), readonlyArray(z.union([z.string(), z.number(), z.boolean()]))]);

const TOPIC_PREFIX = /^[A-Za-z0-9._-]+$/;
const TOPIC_PREFIX_MESSAGE = 'must be a Kafka topic-name prefix (letters, digits, ".", "_", "-")';

/** The top-level keys this library reads; any other is ignored (see the module comment). */
const KNOWN_KEYS = new Set(['kafka', 'namespace', 'disable_info_topic', 'info_topic_prefix', 'aws_msk_iam', 'namespace_consumer_groups']);

const schema = z
  .object({
    kafka: z
      .object({
        'bootstrap.servers': z.union([z.string().min(1), readonlyArray(z.string().min(1), 1)]).optional(),
      })
      // undefined: a property left out, as the clients skip it.
      .catchall(kafkaValue.optional())
      .default({}),
    // "" is no namespace, as in Octopus.
    namespace: z.union([z.literal(''), z.string().regex(TOPIC_PREFIX, TOPIC_PREFIX_MESSAGE)]).optional(),
    disable_info_topic: z.boolean().optional(),
    // Not empty: the info topic would be the topic itself.
    info_topic_prefix: z.string().regex(TOPIC_PREFIX, `${TOPIC_PREFIX_MESSAGE}, not empty`).optional(),
    aws_msk_iam: z.object({ region: z.string().min(1) }).strict().optional(),
    // octokafka's own (Octopus ignores it): consumer groups under the namespace too.
    namespace_consumer_groups: z.boolean().optional(),
  })
  .passthrough();

/**
 * The driver configuration, as Octopus reads it (the JSON of a file, or an object in code).
 * In code, `kafka` is checked by the compiler as a {@link ClientConfig} (the properties of
 * producers and consumers: the driver makes both); JSON read at run time is checked when the
 * driver connects, as is everything given here.
 */
export interface DriverConfig {
  /** librdkafka properties of every client the driver makes. */
  kafka?: ClientConfig;
  /** Put in front of every topic name (`<namespace>.`); `""` is none. */
  namespace?: string;
  /** Open topics without reading or writing their info topics. */
  disable_info_topic?: boolean;
  /** What info topic names start with (default `__info_`, or `info_` with an `"octopus"` block). */
  info_topic_prefix?: string;
  /** AWS MSK IAM authentication of every client. */
  aws_msk_iam?: {
    /** The AWS region of the cluster (the tokens are signed for it). */
    region: string;
  };
  /** Consumer groups under the namespace too (octokafka's own; Octopus ignores it). */
  namespace_consumer_groups?: boolean;
  /** Blocks this library ignores (Octopus's `"octopus"` cloud-service block, the application's own). */
  [block: string]: unknown;
}

/** What the schema accepts must cover DriverConfig (a compile-time check of the two). */
type Covers<Wide, Narrow extends Wide> = Narrow;
type DriverConfigChecked = Covers<z.input<typeof schema>, DriverConfig>;

/** The checked configuration with its defaults applied. */
export interface ResolvedDriverConfig {
  /** librdkafka properties; `bootstrap.servers` is absent when an embedded cluster is wanted. */
  kafka: KafkaConfig;
  /** `<namespace>.`, or empty. */
  prefix: string;
  /**
   * What consumer group names get in front: empty (Octopus's behaviour: a topic consumer's
   * group is its name, whatever the namespace, so both libraries share groups), or the
   * namespace prefix with `"namespace_consumer_groups": true`.
   */
  groupPrefix: string;
  disableInfoTopic: boolean;
  infoTopicPrefix: string;
  /** Options for every raw client the driver makes (authentication). */
  clientOptions: ClientOptions;
  /** Top-level keys of the configuration that this library ignores, sorted. */
  ignoredKeys: string[];
  /** Where warnings and debug notes go. */
  notes: TopicNotes;
}

/** Options of `Driver.connect` besides the JSON configuration. */
export interface DriverOptions {
  /**
   * Receives the driver's notes: warnings (a topic opened without its info topic) and debug
   * notes (configuration blocks ignored). Without one, warnings are process warnings
   * (`process.emitWarning`, code `OCTOKAFKA_TOPIC`) and debug notes go to `NODE_DEBUG=octokafka`.
   */
  logger?: Logger;
}

/**
 * Checks a driver configuration; notes the top-level blocks it ignores (debug level).
 * @throws ConfigError whose `property` is the offending JSON path.
 */
export function resolveDriverConfig(config: unknown, options: DriverOptions = {}): ResolvedDriverConfig {
  checkOptions(options, 'driver options');
  checkLoggerOption(options?.logger);
  const notes = new TopicNotes(options?.logger);
  const misplaced = (config as { kafka?: { aws_msk_iam?: unknown } } | null | undefined)?.kafka?.aws_msk_iam;
  if (typeof misplaced === 'object' && misplaced !== null) {
    // Octopus's AWS_MSK_IAM_INTEGRATION.md shows it there, but Octopus reads it at the top level
    // and hands "kafka" to librdkafka, which has no such property.
    throw new ConfigError('kafka.aws_msk_iam', 'belongs at the top level of the configuration: {"kafka": {...}, "aws_msk_iam": {"region": "..."}}');
  }
  const parsed = schema.safeParse(config ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(issue.path.map(String).join('.') || '(root)', issue.message);
  }
  const c = parsed.data;
  const ignoredKeys = Object.keys(c).filter((k) => !KNOWN_KEYS.has(k)).sort();
  const kafka: KafkaConfig = {};
  for (const [key, value] of Object.entries(c.kafka)) {
    // typeof, not Array.isArray, which does not narrow readonly arrays.
    if (value !== undefined) kafka[key] = typeof value === 'object' ? value.map(String).join(',') : value;
  }
  // AWS MSK IAM: SASL_SSL + OAUTHBEARER with signed tokens, on every raw client.
  const clientOptions: ClientOptions = c.aws_msk_iam ? { awsMskIam: { region: c.aws_msk_iam.region } } : {};
  if (options?.logger) clientOptions.logger = options.logger;
  if (ignoredKeys.length > 0) {
    notes.debug(
      { ignored: ignoredKeys },
      `driver configuration: ignoring ${ignoredKeys.map((k) => JSON.stringify(k)).join(', ')} (not used by octokafka)` +
        ('octopus' in c ? '; the "octopus" cloud-service block: topic administration goes straight to Kafka, info topics default to the "info_" prefix as in Octopus' : ''),
    );
  }
  return {
    kafka,
    clientOptions,
    prefix: c.namespace === undefined || c.namespace === '' ? '' : `${c.namespace}.`,
    groupPrefix: c.namespace_consumer_groups === true && c.namespace ? `${c.namespace}.` : '',
    disableInfoTopic: c.disable_info_topic ?? false,
    // Octopus's default: "info_" with its cloud-service block (the service refuses names that
    // start with "_"), "__info_" otherwise. The same default here finds the topics it made.
    infoTopicPrefix: c.info_topic_prefix ?? ('octopus' in c ? 'info_' : '__info_'),
    ignoredKeys,
    notes,
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
