import { native } from './binding';

/** The version of the librdkafka built into the addon, e.g. `2.14.2`. */
export function librdkafkaVersion(): string {
  return native().librdkafkaVersion;
}

/** librdkafka's `builtin.features` (note: `sasl_gssapi` is listed but has no provider in the prebuilt binary). */
export function librdkafkaFeatures(): string[] {
  return native().features.split(',');
}
