import { isSecretProperty } from './secrets';
import { ConfigError } from '../util/errors';
import { explainTlsCreationError } from './tls-errors';

/** Client configuration types shared by the raw clients. */

/**
 * A librdkafka configuration: property names as in librdkafka's CONFIGURATION.md; values
 * may be strings, numbers, booleans or (for list properties) arrays. Validated by
 * `validateConfig` (./config) before librdkafka sees it.
 */
export type KafkaConfig = Record<string, string | number | boolean | string[] | undefined>;

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
