import type { KafkaConfig as RawConfig } from '../config/client-config';
import type { ConsumerOptions } from '../client/consumer';

/**
 * What a KafkaJS consumer fetches and buffers when `maxBytes` is unset: 2 MiB.
 *
 * KafkaJS holds one fetch response (at most `maxBytes`, 10 MiB by default) while the handler
 * runs and fetches the next one after it. librdkafka fetches ahead into its queue while the
 * handler runs, and octokafka hands messages over in blocks, so three buffers are filled at
 * once: librdkafka's queue, the hand-off and the messages waiting for the handler. Sized by
 * octokafka's raw defaults (a 64 MiB queue, a 32 MiB hand-off mark) a consumer peaked at
 * 255–290 MiB of RSS reading 1 KiB messages, against KafkaJS's 171–215 MiB. With 4 MiB each
 * it peaked at 121–126 MiB in `eachBatch` on a real broker, against KafkaJS's 124; 2 MiB
 * each (real broker, 1 KiB, alternating runs) gave 116–118 MiB for `eachBatch` and 120–121
 * for `eachMessage` (4 MiB: 152–155) at 6–12 % less throughput, still 4–8× KafkaJS's.
 */
export const KAFKAJS_FETCH_BYTES = 2 << 20;

/**
 * librdkafka's fetch and queue sizes for a KafkaJS consumer: `fetch.max.bytes` is `maxBytes`
 * (unset: {@link KAFKAJS_FETCH_BYTES}), and librdkafka queues at most that much ahead
 * (`queued.max.messages.kbytes`), so that what a consumer holds follows the one figure
 * KafkaJS applications already tune.
 */
export function fetchBuffers(maxBytes: number | undefined): RawConfig {
  const bytes = maxBytes ?? KAFKAJS_FETCH_BYTES;
  // A maxBytes that is not a byte count goes to librdkafka's validation as it is, which names it.
  if (!isByteCount(bytes)) return { 'fetch.max.bytes': bytes };
  return {
    'fetch.max.bytes': bytes,
    'queued.max.messages.kbytes': Math.min(MAX_QUEUE_KBYTES, Math.max(1, Math.ceil(bytes / 1024))),
  };
}

/** The bound of messages handed to JS but not yet given to the handler: `maxBytes` too. */
export function handOffMark(maxBytes: number | undefined): NonNullable<ConsumerOptions['highWaterMark']> {
  const bytes = maxBytes ?? KAFKAJS_FETCH_BYTES;
  return isByteCount(bytes) ? { bytes } : {};
}

/** librdkafka's maximum of `queued.max.messages.kbytes`. */
const MAX_QUEUE_KBYTES = 2_097_151;

function isByteCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
}
