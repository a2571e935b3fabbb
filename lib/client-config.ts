/**
 * Turns a user's client configuration into the string map librdkafka takes, applying
 * octokafka's defaults. Validation (names, types, ranges, roles, cross-field rules) is
 * done by ./config before librdkafka sees anything.
 */
import { ConfigError } from './errors';

/** A librdkafka configuration: property names as in librdkafka's CONFIGURATION.md. */
export type KafkaConfig = Record<string, string | number | boolean | string[] | undefined>;

export type ClientRole = 'producer' | 'consumer' | 'admin';

/** Plain stringification; used until (and beneath) full validation. */
export function stringifyConfig(config: KafkaConfig): Record<string, string> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ConfigError('config', 'must be an object of librdkafka properties');
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) out[name] = value.join(',');
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[name] = String(value);
    else throw new ConfigError(name, `expected a string, number or boolean, got ${value === null ? 'null' : typeof value}`);
  }
  return out;
}
