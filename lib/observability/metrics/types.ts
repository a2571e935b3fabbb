/**
 * The types the collector and its exporters share. They live here, not in collector.ts, so
 * that the exporters (prometheus.ts, opentelemetry.ts), which the collector imports, need not
 * import the collector back.
 */
import type { MetricFamily, Sample } from './families';

/** A family with its current samples. */
export interface CollectedFamily extends MetricFamily {
  /** Name with the prefix. */
  fullName: string;
  /** The family's series, computed at collection time. */
  samples: Sample[];
}

/** What an exporter reads from a collector (`KafkaMetrics` is one) at each scrape. */
export interface MetricsSource {
  /** Prefix of every metric name. */
  readonly prefix: string;
  /** Every sample, computed now. */
  collect(): Sample[];
}
