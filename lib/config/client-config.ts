import { isSecretProperty } from './secrets';
import { ConfigError } from '../util/errors';
import { explainTlsCreationError } from './tls-errors';

/** Client configuration types shared by the raw clients. */

/**
 * A librdkafka configuration of any client, as a plain map: property names as in librdkafka's
 * CONFIGURATION.md; values may be strings, numbers, bigints, booleans or (for list
 * properties) arrays. The compiler checks only the kinds of values, so this is the type of
 * configurations read at run time (JSON files, environment variables, `--property` pairs),
 * which `validateConfig` (./config) checks before librdkafka sees them. Code that writes a
 * configuration should use `ProducerConfig`, `ConsumerConfig` or `AdminConfig`
 * (./typed-config), which the compiler checks property by property; `uncheckedConfig` turns
 * a `KafkaConfig` into one.
 */
export type KafkaConfig = Record<string, string | number | bigint | boolean | readonly string[] | undefined>;

/**
 * librdkafka refuses a configuration with a plain error: make it a ConfigError (whose
 * message never carries the value of a sensitive property). With the configuration given,
 * TLS set-up failures name the property at fault and the likely cause.
 */
export function toConfigError(e: unknown, config?: Readonly<Record<string, string>>): unknown {
  if (e instanceof Error && /invalid configuration "([^"]+)": (.*)/s.test(e.message)) {
    const [, property, reason] = /invalid configuration "([^"]+)": (.*)/s.exec(e.message)!;
    return new ConfigError(property!, isSecretProperty(property!) ? 'librdkafka refused the value (value redacted)' : reason!);
  }
  if (e instanceof Error && typeof (e as { code?: unknown }).code === 'number') {
    return (config && explainTlsCreationError(e.message, config)) ?? new ConfigError('config', e.message);
  }
  return e;
}
