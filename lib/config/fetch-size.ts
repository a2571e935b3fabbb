/**
 * The fetch response size librdkafka uses when `fetch.max.bytes` is not set
 * (rd_kafka_conf_finalize): the default, but no more than the consumer queue holds
 * (`queued.max.messages.kbytes`) and no less than one message (`message.max.bytes`).
 */
export function defaultFetchMaxBytes(fetchMaxBytes: number, queueBytes: number, messageMaxBytes: number): number {
  return Math.max(Math.min(fetchMaxBytes, queueBytes), messageMaxBytes);
}
