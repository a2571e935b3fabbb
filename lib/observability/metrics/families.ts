/**
 * The metrics octokafka exposes: one fixed list, so that Prometheus and OpenTelemetry
 * instruments can be created up front and every exporter shows the same names.
 */

/** `counter`: only goes up (rates come from it); `gauge`: a current level. */
export type MetricType = 'counter' | 'gauge';

/** One metric: its name, help text, type, unit and label names. */
export interface MetricFamily {
  /** Name without the prefix (`octokafka_` by default). */
  name: string;
  /** The help text exporters show. */
  help: string;
  /** Counter or gauge. */
  type: MetricType;
  /** UCUM unit for OpenTelemetry (`s`, `By`, `{message}`). */
  unit: string;
  /** The label names of its series. */
  labels: readonly string[];
}

/** Labels that identify a client: librdkafka's instance name, `client.id`, and producer/consumer/admin. */
const CLIENT = ['client', 'client_id', 'type'] as const;
const PARTITION = [...CLIENT, 'topic', 'partition'] as const;
const BROKER = [...CLIENT, 'broker', 'node_id'] as const;
const WORKER = ['group'] as const;

function family(name: string, type: MetricType, unit: string, labels: readonly string[], help: string): MetricFamily {
  return { name, type, unit, labels, help };
}

/** From librdkafka's statistics (`statistics.interval.ms`). */
export const STATISTICS_FAMILIES = [
  family('consumer_lag', 'gauge', '{message}', PARTITION, 'Messages between the committed offset and the end of the partition (librdkafka consumer_lag).'),
  family('consumer_lag_stored', 'gauge', '{message}', PARTITION, 'Messages between the stored (processed, not yet committed) offset and the end of the partition.'),
  family('consumer_fetch_queue_messages', 'gauge', '{message}', PARTITION, 'Messages fetched for a partition and waiting in the client.'),
  family('consumer_assigned_partitions', 'gauge', '{partition}', CLIENT, 'Partitions assigned to the consumer.'),
  family('messages_sent_total', 'counter', '{message}', CLIENT, 'Messages sent to brokers (rate: produce rate).'),
  family('messages_sent_bytes_total', 'counter', 'By', CLIENT, 'Message bytes sent to brokers.'),
  family('messages_received_total', 'counter', '{message}', CLIENT, 'Messages received from brokers (rate: consume rate).'),
  family('messages_received_bytes_total', 'counter', 'By', CLIENT, 'Message bytes received from brokers.'),
  family('queue_messages', 'gauge', '{message}', CLIENT, 'Messages in the producer queue, not yet acknowledged (msg_cnt).'),
  family('queue_bytes', 'gauge', 'By', CLIENT, 'Bytes in the producer queue, not yet acknowledged (msg_size).'),
  family('reply_queue_events', 'gauge', '{event}', CLIENT, 'Events waiting to be served by the application (replyq).'),
  family('broker_up', 'gauge', '1', BROKER, '1 when the connection to the broker is up.'),
  family('broker_rtt_avg_seconds', 'gauge', 's', BROKER, 'Average request round-trip time over the last statistics window.'),
  family('broker_rtt_p99_seconds', 'gauge', 's', BROKER, '99th percentile request round-trip time over the last statistics window.'),
  family('broker_outbuf_requests', 'gauge', '{request}', BROKER, 'Requests waiting to be sent to the broker.'),
  family('broker_inflight_requests', 'gauge', '{request}', BROKER, 'Requests sent and waiting for a response.'),
  family('broker_errors_total', 'counter', '{error}', BROKER, 'Transmit and receive errors.'),
  family('broker_request_timeouts_total', 'counter', '{request}', BROKER, 'Requests that timed out.'),
  family('broker_disconnects_total', 'counter', '{event}', BROKER, 'Connections to the broker that were lost.'),
] as const;

/** From client events (no statistics needed). */
export const EVENT_FAMILIES = [
  family('consumer_rebalances_total', 'counter', '{event}', ['client', 'type', 'kind'], 'Rebalance events by kind (assign, revoke, lost).'),
  family('client_errors_total', 'counter', '{error}', ['client', 'type', 'code'], 'Errors not tied to one call (broker down, fatal errors), by code.'),
] as const;

/** From workers (runWorker). */
export const WORKER_FAMILIES = [
  family('worker_messages_processed_total', 'counter', '{message}', WORKER, 'Messages whose handler succeeded (and whose output was acknowledged).'),
  family('worker_handler_failures_total', 'counter', '{attempt}', WORKER, 'Handler attempts that threw, returned false, or whose output failed.'),
  family('worker_retries_total', 'counter', '{attempt}', WORKER, 'Handler attempts after a failure.'),
  family('worker_dead_lettered_total', 'counter', '{message}', WORKER, 'Messages sent to the dead-letter topic after their last attempt.'),
  family('worker_commits_total', 'counter', '{commit}', WORKER, 'Offset commits (or transactions) that succeeded.'),
  family('worker_commit_failures_total', 'counter', '{commit}', WORKER, 'Offset commits that failed (retried at the next commit).'),
  family('worker_in_flight', 'gauge', '{message}', WORKER, 'Messages being processed now.'),
] as const;

/** Every family, in exposition order. */
export const ALL_FAMILIES: readonly MetricFamily[] = [...STATISTICS_FAMILIES, ...EVENT_FAMILIES, ...WORKER_FAMILIES];

export type FamilyName = (typeof STATISTICS_FAMILIES)[number]['name'] | (typeof EVENT_FAMILIES)[number]['name'] | (typeof WORKER_FAMILIES)[number]['name'];

/** One value of a family. */
export interface Sample {
  /** The family the sample belongs to. */
  name: FamilyName;
  /** The series' label values. */
  labels: Record<string, string>;
  /** The value at collection time. */
  value: number;
}
