/**
 * Maps one librdkafka statistics document (the `stats` event, see librdkafka's
 * STATISTICS.md) to metric samples. Pure: the same JSON always gives the same samples.
 *
 * Units: librdkafka reports latencies in microseconds; samples are in seconds. Counters
 * (`tx`, `rxmsgs`, ...) are librdkafka's totals since the client started, which is what a
 * Prometheus counter is.
 */
import type { Sample } from './families';

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Microseconds to seconds (undefined stays undefined: no sample). */
function micros(v: unknown): number | undefined {
  const n = num(v);
  return n === undefined ? undefined : n / 1e6;
}

/**
 * The samples of one statistics document. Partitions librdkafka uses internally (-1, the
 * "unassigned" queue) and logical brokers (the group coordinator alias, bootstrap
 * placeholders) are left out; lags librdkafka does not know (-1) too.
 */
export function samplesFromStatistics(stats: Json): Sample[] {
  const out: Sample[] = [];
  const client = {
    client: String(stats.name ?? ''),
    client_id: String(stats.client_id ?? ''),
    type: String(stats.type ?? ''),
  };
  const add = (name: Sample['name'], value: unknown, labels: Record<string, string> = client): void => {
    const v = num(value);
    if (v !== undefined) out.push({ name, labels, value: v });
  };

  add('messages_sent_total', stats.txmsgs);
  add('messages_sent_bytes_total', stats.txmsg_bytes);
  add('messages_received_total', stats.rxmsgs);
  add('messages_received_bytes_total', stats.rxmsg_bytes);
  add('reply_queue_events', stats.replyq);
  if (client.type === 'producer') {
    add('queue_messages', stats.msg_cnt);
    add('queue_bytes', stats.msg_size);
  }
  const cgrp = obj(stats.cgrp);
  if (cgrp) add('consumer_assigned_partitions', cgrp.assignment_size);

  for (const broker of Object.values(obj(stats.brokers) ?? {})) {
    const b = obj(broker);
    const nodeId = num(b?.nodeid);
    if (!b || b.source === 'logical' || nodeId === undefined || nodeId < 0) continue;
    const labels = { ...client, broker: String(b.nodename ?? b.name ?? ''), node_id: String(nodeId) };
    add('broker_up', b.state === 'UP' ? 1 : 0, labels);
    const rtt = obj(b.rtt);
    // An empty window (cnt 0) has no latency to report, not a latency of zero.
    if (rtt && (num(rtt.cnt) ?? 0) > 0) {
      add('broker_rtt_avg_seconds', micros(rtt.avg), labels);
      add('broker_rtt_p99_seconds', micros(rtt.p99), labels);
    }
    add('broker_outbuf_requests', b.outbuf_cnt, labels);
    add('broker_inflight_requests', b.waitresp_cnt, labels);
    add('broker_errors_total', (num(b.txerrs) ?? 0) + (num(b.rxerrs) ?? 0), labels);
    add('broker_request_timeouts_total', b.req_timeouts, labels);
    add('broker_disconnects_total', b.disconnects, labels);
  }

  if (client.type === 'consumer') {
    for (const [topicName, topic] of Object.entries(obj(stats.topics) ?? {})) {
      for (const partition of Object.values(obj(obj(topic)?.partitions) ?? {})) {
        const p = obj(partition);
        const id = num(p?.partition);
        if (!p || id === undefined || id < 0 || p.desired === false) continue;
        const labels = { ...client, topic: topicName, partition: String(id) };
        const lag = num(p.consumer_lag);
        if (lag !== undefined && lag >= 0) add('consumer_lag', lag, labels);
        const stored = num(p.consumer_lag_stored);
        if (stored !== undefined && stored >= 0) add('consumer_lag_stored', stored, labels);
        add('consumer_fetch_queue_messages', p.fetchq_cnt, labels);
      }
    }
  }
  return out;
}
