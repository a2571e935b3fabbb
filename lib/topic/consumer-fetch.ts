/**
 * The topic consumer's fetch size: the bytes one fetch response may carry
 * (`fetch.max.bytes`), 4 MiB unless the application chose its own.
 *
 * Why (issue 21, measured with bench/topic-start.mjs on one Kafka 4.1 broker, 64 partitions,
 * 1 M events of 136 B): a fresh group's first fetch carries the one partition whose start
 * offset librdkafka resolved first (1 MiB, ~7,100 events); the next one asks for every
 * partition at once, and with librdkafka's default (50 MiB) the broker answers with ~50 MB,
 * which librdkafka receives whole before handing over any of it. The reader, done with the
 * first 7,100 events long before, waited for it: 0–250 ms (median ~20 ms) of idle event loop
 * in the first 100,000 events. With 4 MiB responses that wait was gone (idle 0–1 ms), the
 * first 100,000 events came 1.2× faster (median of 8 alternating runs) and the steady rate
 * did not drop. librdkafka keeps one fetch in flight per broker, so the response size
 * bounds a broker's rate at size / round trip: 4 MiB is ~4 GB/s at 1 ms, ~400 MB/s at 10 ms;
 * applications reading over slower links set `fetch.max.bytes` themselves.
 */
import type { KafkaConfig } from '../config/client-config';
import { resolveProperty } from '../config/config-names';
import { defaultFetchMaxBytes } from '../config/fetch-size';

/** The default fetch response size of topic consumers. */
export const TOPIC_FETCH_MAX_BYTES = 4 << 20;

/**
 * `kafka` with the topic consumer's `fetch.max.bytes`, unless the application set its own.
 * Like librdkafka's adjustment of its own default, it is at most `queued.max.messages.kbytes`
 * and at least `message.max.bytes` (which librdkafka requires), when those are given.
 */
export function withTopicFetchSize(kafka: KafkaConfig): KafkaConfig {
  let queueBytes = Infinity;
  let messageMax = 0;
  for (const [name, value] of Object.entries(kafka)) {
    if (value === undefined) continue;
    const property = resolveProperty(name)?.target.name;
    if (property === 'fetch.max.bytes') return kafka;
    // (Values that are not numbers are left for the configuration check to report.)
    const n = Number(value);
    if (!Number.isFinite(n)) continue;
    if (property === 'queued.max.messages.kbytes') queueBytes = n * 1024;
    if (property === 'message.max.bytes') messageMax = n;
  }
  return { ...kafka, 'fetch.max.bytes': defaultFetchMaxBytes(TOPIC_FETCH_MAX_BYTES, queueBytes, messageMax) };
}
