/**
 * `octokafka/metrics`: the metrics collector and its exporters (Prometheus text, prom-client,
 * OpenTelemetry). The package root exports the same names.
 */
export { KafkaMetrics, defaultMetrics, type KafkaMetricsOptions } from './collector';
export type { CollectedFamily } from './types';
export { ALL_FAMILIES as METRIC_FAMILIES, type MetricFamily, type MetricType, type Sample } from './families';
export { samplesFromStatistics } from './statistics';
export { renderPrometheus, PROMETHEUS_CONTENT_TYPE, type PrometheusRegistry } from './prometheus';
export type { OpenTelemetryMeter } from './opentelemetry';
