/**
 * Precise configuration types: what the compiler checks in a configuration written in code.
 * Every librdkafka property a client takes is a named optional property with the type of
 * value the runtime accepts (lib/config/config-values.ts) and librdkafka's description as
 * TSDoc, so a misspelt name, `acks: 'most'` or `'bootstrap.servers': 9092` fails to compile
 * and editors complete names and values. The property types are generated
 * (./config-property-types.ts); this file composes them by client role.
 *
 * {@link KafkaConfig} stays the wide type, for configurations only known at run time (JSON
 * files, environment variables, `--property` pairs): those are checked by `validateConfig`
 * when the client is created, which runs for typed configurations as well.
 */
import type { KafkaConfig } from './client-config';
import type { CommonProperties, ConsumerProperties, IntegerValue, ProducerProperties } from './config-property-types';

/**
 * Undocumented properties the runtime lets through (`HIDDEN` in ./config-names.ts): the
 * mock-cluster switches and the KIP-511 client name a wrapper may report to brokers.
 */
export type HiddenProperties = {
  /** Number of mock brokers to create; overrides `bootstrap.servers` with the mock cluster. Range 0 .. 10000. */
  'test.mock.num.brokers'?: IntegerValue | undefined;
  /** Simulated mock broker latency in milliseconds. Range 0 .. 3600000. */
  'test.mock.broker.rtt'?: IntegerValue | undefined;
  /** Client software name reported to brokers (KIP-511). @defaultValue `librdkafka` */
  'client.software.name'?: string | undefined;
  /** Client software version reported to brokers (KIP-511). */
  'client.software.version'?: string | undefined;
};

/** Marks what {@link uncheckedConfig} returns; exists only for the compiler. */
declare const unchecked: unique symbol;

/**
 * Properties the compiler does not check, made by {@link uncheckedConfig}. A type literal
 * (not an interface) so that typed configurations stay assignable to {@link KafkaConfig}.
 */
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
export type UncheckedProperties = {
  /** Never set: the mark exists only in the types. */
  readonly [unchecked]?: true;
};

/** The librdkafka properties of an admin client: only those every client shares. */
export type AdminConfig = CommonProperties & HiddenProperties & UncheckedProperties;

/** The librdkafka properties of a producer. */
export type ProducerConfig = AdminConfig & ProducerProperties;

/** The librdkafka properties of a consumer. */
export type ConsumerConfig = AdminConfig & ConsumerProperties;

/**
 * The librdkafka properties of a configuration shared by producers and consumers (a topic
 * Driver's, a worker's connection): each client takes the properties of its role
 * (`configForRole`).
 */
export type ClientConfig = AdminConfig & ProducerProperties & ConsumerProperties;

/**
 * The escape hatch of the typed configurations: properties whose names or values the
 * compiler should not check, spread into a typed configuration. Use it for values the types
 * are stricter about than the runtime (mixed-case names such as `'Gzip'`, `topic.`-prefixed
 * topic properties, a value computed as a plain `string`), or for a wide {@link KafkaConfig}
 * read at run time. The runtime still validates everything when the client is created, so a
 * name librdkafka does not know (for instance one only a newer librdkafka has) is still
 * rejected with a ConfigError, as librdkafka itself would reject it.
 *
 * @example
 * ```ts
 * const producer = new KafkaProducer({
 *   'bootstrap.servers': 'localhost:9092',
 *   'linger.ms': 10, // checked
 *   ...uncheckedConfig({ 'compression.type': process.env.COMPRESSION }), // not checked
 * });
 * ```
 */
export function uncheckedConfig(properties: KafkaConfig): UncheckedProperties {
  return properties as UncheckedProperties;
}
