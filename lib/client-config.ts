/** Client configuration types shared by the raw clients. */

/**
 * A librdkafka configuration: property names as in librdkafka's CONFIGURATION.md; values
 * may be strings, numbers, booleans or (for list properties) arrays. Validated by
 * `validateConfig` (./config) before librdkafka sees it.
 */
export type KafkaConfig = Record<string, string | number | boolean | string[] | undefined>;
