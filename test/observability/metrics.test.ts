/**
 * Metrics: librdkafka statistics mapped to samples, the collector on live clients,
 * Prometheus text, prom-client and OpenTelemetry exporters, and a worker's /metrics
 * scraped over HTTP (lag, rates, rebalances, worker counters).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { ConfigError, KafkaConsumer, KafkaMetrics, KafkaProducer, METRIC_FAMILIES, runWorker, samplesFromStatistics, type Message } from '../../lib/index';
import { renderPrometheus } from '../../lib/observability/metrics/prometheus';
import { unique, useCluster } from '../helpers';
import { testConnections, waitUntil, workerConsumerConfig } from '../worker-helpers';

const cluster = useCluster();

/** The shape librdkafka 2.14 writes (trimmed to what the mapper reads, plus things it must skip). */
const consumerStats = {
  name: 'rdkafka#consumer-7',
  client_id: 'billing',
  type: 'consumer',
  replyq: 3,
  msg_cnt: 0,
  msg_size: 0,
  txmsgs: 0,
  txmsg_bytes: 0,
  rxmsgs: 120,
  rxmsg_bytes: 4800,
  brokers: {
    '127.0.0.1:9092/1': {
      name: '127.0.0.1:9092/1', nodeid: 1, nodename: '127.0.0.1:9092', source: 'learned', state: 'UP',
      outbuf_cnt: 2, waitresp_cnt: 1, txerrs: 1, rxerrs: 2, req_timeouts: 4, disconnects: 5,
      rtt: { min: 100, max: 9000, avg: 1500, p99: 8000, cnt: 12 },
    },
    '127.0.0.1:9093/2': {
      name: '127.0.0.1:9093/2', nodeid: 2, nodename: '127.0.0.1:9093', source: 'learned', state: 'DOWN',
      outbuf_cnt: 0, waitresp_cnt: 0, txerrs: 0, rxerrs: 0, req_timeouts: 0, disconnects: 1,
      rtt: { min: 0, max: 0, avg: 0, p99: 0, cnt: 0 },
    },
    GroupCoordinator: { name: 'GroupCoordinator', nodeid: -1, source: 'logical', state: 'UP', rtt: { avg: 1, p99: 1, cnt: 1 } },
    '127.0.0.1:9092/bootstrap': { name: '127.0.0.1:9092/bootstrap', nodeid: -1, source: 'configured', state: 'INIT' },
  },
  topics: {
    orders: {
      partitions: {
        '0': { partition: 0, desired: true, fetchq_cnt: 7, consumer_lag: 42, consumer_lag_stored: 40 },
        '1': { partition: 1, desired: true, fetchq_cnt: 0, consumer_lag: -1, consumer_lag_stored: -1 },
        '2': { partition: 2, desired: false, fetchq_cnt: 0, consumer_lag: 9, consumer_lag_stored: 9 },
        '-1': { partition: -1, fetchq_cnt: 0, consumer_lag: -1 },
      },
    },
  },
  cgrp: { state: 'up', rebalance_cnt: 2, assignment_size: 2 },
};

describe('statistics → samples', () => {
  it('maps a consumer document: lag per partition, rates, queues, brokers; skips what librdkafka does not know', () => {
    const samples = samplesFromStatistics(consumerStats);
    const client = { client: 'rdkafka#consumer-7', client_id: 'billing', type: 'consumer' };
    const b1 = { ...client, broker: '127.0.0.1:9092', node_id: '1' };
    const b2 = { ...client, broker: '127.0.0.1:9093', node_id: '2' };
    const p0 = { ...client, topic: 'orders', partition: '0' };
    const p1 = { ...client, topic: 'orders', partition: '1' };
    expect(samples).toEqual(
      expect.arrayContaining([
        { name: 'consumer_lag', labels: p0, value: 42 },
        { name: 'consumer_lag_stored', labels: p0, value: 40 },
        { name: 'consumer_fetch_queue_messages', labels: p0, value: 7 },
        { name: 'consumer_fetch_queue_messages', labels: p1, value: 0 },
        { name: 'consumer_assigned_partitions', labels: client, value: 2 },
        { name: 'messages_received_total', labels: client, value: 120 },
        { name: 'messages_received_bytes_total', labels: client, value: 4800 },
        { name: 'messages_sent_total', labels: client, value: 0 },
        { name: 'reply_queue_events', labels: client, value: 3 },
        { name: 'broker_up', labels: b1, value: 1 },
        { name: 'broker_up', labels: b2, value: 0 },
        { name: 'broker_rtt_avg_seconds', labels: b1, value: 0.0015 },
        { name: 'broker_rtt_p99_seconds', labels: b1, value: 0.008 },
        { name: 'broker_outbuf_requests', labels: b1, value: 2 },
        { name: 'broker_inflight_requests', labels: b1, value: 1 },
        { name: 'broker_errors_total', labels: b1, value: 3 },
        { name: 'broker_request_timeouts_total', labels: b1, value: 4 },
        { name: 'broker_disconnects_total', labels: b1, value: 5 },
      ]),
    );
    // Unknown lag (-1), the internal partition -1, a partition no longer wanted, logical and
    // bootstrap brokers, an empty rtt window, producer queues of a consumer: none of these.
    expect(samples.filter((s) => s.name === 'consumer_lag')).toHaveLength(1);
    expect(samples.some((s) => s.labels.partition === '-1' || s.labels.partition === '2')).toBe(false);
    expect(samples.some((s) => s.labels.node_id === '-1')).toBe(false);
    expect(samples.some((s) => s.name === 'broker_rtt_avg_seconds' && s.labels.node_id === '2')).toBe(false);
    expect(samples.some((s) => s.name === 'queue_messages')).toBe(false);
  });

  it('maps a producer document: queue depth and send counters, no consumer lag', () => {
    const samples = samplesFromStatistics({ name: 'rdkafka#producer-1', client_id: 'rdkafka', type: 'producer', msg_cnt: 17, msg_size: 1700, txmsgs: 1000, txmsg_bytes: 100_000, topics: consumerStats.topics });
    const client = { client: 'rdkafka#producer-1', client_id: 'rdkafka', type: 'producer' };
    expect(samples).toEqual(
      expect.arrayContaining([
        { name: 'queue_messages', labels: client, value: 17 },
        { name: 'queue_bytes', labels: client, value: 1700 },
        { name: 'messages_sent_total', labels: client, value: 1000 },
        { name: 'messages_sent_bytes_total', labels: client, value: 100_000 },
      ]),
    );
    expect(samples.some((s) => s.name.startsWith('consumer_'))).toBe(false);
    expect(samplesFromStatistics({})).toEqual([]);
  });
});

describe('KafkaMetrics on live clients', () => {
  it('reports produce and consume counters and the lag of committed offsets', async () => {
    const topic = await cluster.topic('m-live');
    const metrics = new KafkaMetrics();
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'statistics.interval.ms': 100 });
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('mg'), 'statistics.interval.ms': 100, 'enable.auto.commit': false });
    metrics.observe(producer);
    metrics.observe(consumer);
    expect(metrics.observe(producer)).toBeTypeOf('function'); // idempotent
    await producer.sendBatch(Array.from({ length: 25 }, (_, i) => ({ topic, value: `v${i}` })));
    await consumer.assign([{ topic, partition: 0, offset: 0n }]);
    const got: Message[] = [];
    while (got.length < 10) got.push(...(await consumer.consumeBatch(10 - got.length, { timeoutMs: 10_000 })));
    await consumer.commitMessage(got[9]!);
    const lag = { client: consumer.name!, topic, partition: '0' };
    await waitUntil('lag 15 after committing 10 of 25', () => metrics.value('consumer_lag', lag) === 15);
    await waitUntil('25 sent', () => metrics.value('messages_sent_total', { client: producer.name! }) === 25);
    expect(metrics.value('messages_received_total', { client: consumer.name! })).toBeGreaterThanOrEqual(10);
    expect(metrics.value('broker_up', { client: producer.name!, node_id: '1' })).toBe(1);
    // A window without requests has no round-trip time; the consumer's fetches give one.
    await waitUntil('a round-trip time', () => metrics.value('broker_rtt_avg_seconds', { client: consumer.name! }) !== undefined);
    expect(metrics.value('broker_rtt_avg_seconds', { client: consumer.name! })).toBeGreaterThan(0);
    expect(metrics.value('broker_rtt_p99_seconds', { client: consumer.name! })).toBeGreaterThan(0);
    expect(metrics.value('queue_messages', { client: producer.name! })).toBe(0);
    await consumer.close();
    // A closed client's statistics disappear.
    expect(metrics.value('consumer_lag', lag)).toBeUndefined();
    await producer.close();
  });
});

describe('exporters', () => {
  it('docs/observability.md documents every metric', () => {
    const page = readFileSync(join(__dirname, '..', '..', 'docs', 'observability.md'), 'utf8');
    for (const family of METRIC_FAMILIES) expect(page, family.name).toContain(`\`${family.name}\``);
  });

  it('writes the Prometheus text format with HELP, TYPE and escaped labels', () => {
    const metrics = new KafkaMetrics({ prefix: 'app_kafka_' });
    metrics.count('client_errors_total', { client: 'c"1\\', type: 'producer', code: 'line\nbreak' }, 2);
    metrics.set('worker_in_flight', { group: 'g' }, 3);
    const text = metrics.toPrometheus();
    expect(text).toContain('# HELP app_kafka_client_errors_total Errors not tied to one call');
    expect(text).toContain('# TYPE app_kafka_client_errors_total counter');
    expect(text).toContain('app_kafka_client_errors_total{client="c\\"1\\\\",type="producer",code="line\\nbreak"} 2\n');
    expect(text).toContain('# TYPE app_kafka_worker_in_flight gauge\napp_kafka_worker_in_flight{group="g"} 3\n');
    expect(renderPrometheus([])).toBe('\n');
    expect(() => new KafkaMetrics({ prefix: 'bad-prefix' })).toThrow(ConfigError);
  });

  it('registers in a prom-client registry (once per registry); values are read at scrape time', async () => {
    const registry = new Registry();
    new Counter({ name: 'app_requests_total', help: 'the application\'s own', registers: [registry] }).inc(5);
    const metrics = new KafkaMetrics();
    const remove = await metrics.registerPrometheus(registry);
    expect(await metrics.registerPrometheus(registry)).toBe(remove);
    metrics.count('worker_messages_processed_total', { group: 'g1' }, 7);
    let text = await registry.metrics();
    expect(text).toContain('app_requests_total 5');
    expect(text).toContain('octokafka_worker_messages_processed_total{group="g1"} 7');
    metrics.count('worker_messages_processed_total', { group: 'g1' }, 3);
    text = await registry.metrics();
    expect(text).toContain('octokafka_worker_messages_processed_total{group="g1"} 10');
    // Another collector with the same names in the same registry is refused.
    await expect(new KafkaMetrics().registerPrometheus(registry)).rejects.toThrow(/already has a metric named octokafka_/);
    remove();
    expect(await registry.metrics()).not.toContain('octokafka_');
  });

  it('feeds OpenTelemetry observable instruments', async () => {
    class Reader extends MetricReader {
      protected async onShutdown(): Promise<void> {}
      protected async onForceFlush(): Promise<void> {}
    }
    const reader = new Reader();
    const provider = new MeterProvider({ readers: [reader] });
    const metrics = new KafkaMetrics();
    const remove = await metrics.registerOpenTelemetry(provider.getMeter('octokafka-test'));
    metrics.count('worker_dead_lettered_total', { group: 'otel' }, 2);
    metrics.set('worker_in_flight', { group: 'otel' }, 4);
    const points = async (name: string): Promise<Array<DataPoint<number>>> => {
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
      return (metric?.dataPoints ?? []) as Array<DataPoint<number>>;
    };
    expect((await points('octokafka_worker_dead_lettered_total')).map((p) => [p.attributes, p.value])).toEqual([[{ group: 'otel' }, 2]]);
    expect((await points('octokafka_worker_in_flight')).map((p) => [p.attributes, p.value])).toEqual([[{ group: 'otel' }, 4]]);
    metrics.count('worker_dead_lettered_total', { group: 'otel' });
    expect((await points('octokafka_worker_dead_lettered_total'))[0]!.value).toBe(3);
    remove();
    await provider.shutdown();
  });
});

describe('a worker\'s /metrics over HTTP', () => {
  async function scrape(port: number): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  }

  function value(text: string, name: string, labels: Record<string, string>): number | undefined {
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`)) continue;
      if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return undefined;
  }

  it('shows the consumer lag, produce/consume counters, rebalances and the worker\'s counters', async () => {
    const connections = testConnections(cluster);
    const topic = await cluster.topic('m-http');
    const output = await cluster.topic('m-http-out');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.sendBatch(Array.from({ length: 30 }, (_, i) => ({ topic, value: `v${i}` })));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const group = unique('mg-http');
    const worker = await runWorker({
      connections,
      connection: 'test',
      topic,
      group,
      output,
      env: {},
      http: { port: 0, host: '127.0.0.1' },
      metrics: new KafkaMetrics(),
      openTelemetry: false,
      statisticsIntervalMs: 100,
      commitIntervalMs: 100,
      consumerConfig: workerConsumerConfig,
      handler: async (m: Message, ctx) => {
        if (m.offset === 10n) await gate;
        await ctx.produce({ value: m.value });
      },
    });
    try {
      const port = worker.httpPort!;
      const partition = { topic, partition: '0' };
      // Ten processed and committed, the eleventh held: 20 behind.
      await waitUntil('lag 20 on /metrics', async () => value(await scrape(port), 'octokafka_consumer_lag', partition) === 20);
      let text = await scrape(port);
      expect(value(text, 'octokafka_consumer_rebalances_total', { kind: 'assign' })).toBeGreaterThanOrEqual(1);
      expect(value(text, 'octokafka_messages_received_total', { type: 'consumer' })).toBeGreaterThanOrEqual(11);
      expect(value(text, 'octokafka_worker_messages_processed_total', { group })).toBe(10);
      expect(value(text, 'octokafka_worker_in_flight', { group })).toBe(1);
      expect(value(text, 'octokafka_broker_up', { type: 'consumer', node_id: '1' })).toBe(1);
      expect(text).toMatch(/^# TYPE octokafka_messages_sent_total counter$/m);
      release();
      await waitUntil('lag 0 on /metrics', async () => value(await scrape(port), 'octokafka_consumer_lag', partition) === 0);
      await waitUntil('30 sent by the worker\'s producer', async () => value(await scrape(port), 'octokafka_messages_sent_total', { type: 'producer' }) === 30);
      text = await scrape(port);
      expect(value(text, 'octokafka_worker_messages_processed_total', { group })).toBe(30);
      expect(value(text, 'octokafka_worker_commits_total', { group })).toBeGreaterThanOrEqual(2);
    } finally {
      release();
      await worker.stop();
      await producer.close();
      await connections.closeAll();
    }
  });

  it('serves a prom-client registry, the application\'s metrics included', async () => {
    const connections = testConnections(cluster);
    const topic = await cluster.topic('m-registry');
    const registry = new Registry();
    new Counter({ name: 'app_started_total', help: 'starts', registers: [registry] }).inc();
    const worker = await runWorker({
      connections, connection: 'test', topic, group: unique('mg-reg'), env: {}, registry,
      http: { port: 0, host: '127.0.0.1' }, metrics: new KafkaMetrics(), openTelemetry: false, consumerConfig: workerConsumerConfig,
      handler: () => undefined,
    });
    try {
      const res = await fetch(`http://127.0.0.1:${worker.httpPort}/metrics`);
      expect(res.headers.get('content-type')).toBe(registry.contentType);
      const text = await res.text();
      expect(text).toContain('app_started_total 1');
      expect(text).toContain('# TYPE octokafka_consumer_lag gauge');
    } finally {
      await worker.stop();
      await connections.closeAll();
    }
  });
});
