/**
 * KafkaMetrics: collects what clients report — librdkafka statistics, rebalances, errors —
 * and what workers count, and hands it to exporters (Prometheus text, prom-client,
 * OpenTelemetry) at scrape time. Nothing is computed between scrapes except counting.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

import { clientErrorChannel, type ClientBase } from '../../core/client-base';
import { ConfigError, type KafkaError } from '../../util/errors';
import { ALL_FAMILIES, type FamilyName, type MetricFamily, type Sample } from './families';
import { registerOpenTelemetry, type OpenTelemetryMeter } from './opentelemetry';
import { registerPrometheus, renderPrometheus, type PrometheusRegistry } from './prometheus';
import { samplesFromStatistics } from './statistics';
import type { CollectedFamily } from './types';

/** Options of {@link KafkaMetrics}. */
export interface KafkaMetricsOptions {
  /** Prefix of every metric name (default `octokafka_`). */
  prefix?: string;
}

interface Observed {
  type: 'producer' | 'consumer' | 'admin';
  stats: Record<string, unknown> | undefined;
  detach: () => void;
}

function clientType(client: ClientBase): Observed['type'] {
  if ('subscribe' in client) return 'consumer';
  if ('send' in client) return 'producer';
  return 'admin';
}

function clientName(client: ClientBase): string {
  return (client as { name?: string | undefined }).name ?? 'unknown';
}

function sampleKey(name: string, labels: Record<string, string>): string {
  return `${name}${JSON.stringify(labels)}`;
}

/**
 * A metrics collector. Observe clients (their `statistics.interval.ms` must be set for
 * the statistics-based metrics), then export:
 *
 * ```ts
 * const metrics = new KafkaMetrics();
 * metrics.observe(consumer);
 * await metrics.registerPrometheus(register);   // prom-client
 * await metrics.registerOpenTelemetry();        // @opentelemetry/api's global meter
 * metrics.toPrometheus();                       // or the text format directly
 * ```
 */
export class KafkaMetrics {
  /** Prefix of every metric name. */
  readonly prefix: string;
  private readonly observed = new Map<ClientBase, Observed>();
  /** Counters and gauges kept here (events, workers), by name and labels. */
  private readonly values = new Map<string, Sample>();
  private readonly onClientError = (message: unknown): void => {
    const { client, error } = message as { client: ClientBase; error: KafkaError };
    const o = this.observed.get(client);
    if (o) this.count('client_errors_total', { client: clientName(client), type: o.type, code: error.codeName });
  };
  private subscribed = false;
  /** Exporters already fed by this collector (registering twice is a no-op). */
  private readonly exports = new Map<unknown, Promise<() => void>>();
  /** The last collection, valid until a statistics document, a count or a client changes it. */
  private cached: Sample[] | undefined;

  constructor(options: KafkaMetricsOptions = {}) {
    const prefix = options.prefix ?? 'octokafka_';
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$|^$/.test(prefix)) throw new ConfigError('prefix', `must be a Prometheus name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*), got ${JSON.stringify(prefix)}`);
    this.prefix = prefix;
  }

  /**
   * Starts observing a client: its statistics, rebalances and errors. Idempotent; the
   * client is forgotten (its statistics-based series disappear) once it is closed.
   * @returns a function that stops observing it.
   */
  observe(client: ClientBase): () => void {
    if (this.observed.has(client)) return () => this.unobserve(client);
    const type = clientType(client);
    const onStats = (stats: Record<string, unknown>): void => {
      const o = this.observed.get(client);
      if (o) o.stats = stats;
      this.cached = undefined;
    };
    const onRebalance = (info: { kind: string }): void => {
      this.count('consumer_rebalances_total', { client: clientName(client), type, kind: info.kind });
    };
    client.on('stats', onStats);
    client.on('rebalance', onRebalance);
    this.observed.set(client, {
      type,
      stats: undefined,
      detach: () => {
        client.off('stats', onStats);
        client.off('rebalance', onRebalance);
      },
    });
    if (!this.subscribed) {
      subscribe(clientErrorChannel.name, this.onClientError);
      this.subscribed = true;
    }
    return () => this.unobserve(client);
  }

  /** Stops observing a client (its event counters stay). */
  unobserve(client: ClientBase): void {
    const o = this.observed.get(client);
    if (!o) return;
    o.detach();
    this.observed.delete(client);
    this.cached = undefined;
    if (this.observed.size === 0 && this.subscribed) {
      unsubscribe(clientErrorChannel.name, this.onClientError);
      this.subscribed = false;
    }
  }

  /** Adds to a counter kept here (workers and client events use it). */
  count(name: FamilyName, labels: Record<string, string>, by = 1): void {
    const key = sampleKey(name, labels);
    const sample = this.values.get(key);
    if (sample) sample.value += by;
    else this.values.set(key, { name, labels, value: by });
    this.cached = undefined;
  }

  /** Sets a gauge kept here. */
  set(name: FamilyName, labels: Record<string, string>, value: number): void {
    this.values.set(sampleKey(name, labels), { name, labels, value });
    this.cached = undefined;
  }

  /**
   * Every current sample (statistics of open observed clients, counters, gauges). The
   * result is kept until something changes (exporters ask once per family per scrape).
   */
  collect(): Sample[] {
    for (const client of this.observed.keys()) {
      if (client.isClosed) this.unobserve(client);
    }
    if (this.cached) return this.cached;
    const out: Sample[] = [];
    for (const o of this.observed.values()) if (o.stats) out.push(...samplesFromStatistics(o.stats));
    for (const sample of this.values.values()) out.push({ ...sample, labels: { ...sample.labels } });
    this.cached = out;
    return out;
  }

  /** The families with their samples (families without samples included, empty). */
  families(): CollectedFamily[] {
    const byName = new Map<string, Sample[]>();
    for (const s of this.collect()) {
      let list = byName.get(s.name);
      if (!list) byName.set(s.name, (list = []));
      list.push(s);
    }
    return ALL_FAMILIES.map((f) => ({ ...f, fullName: this.prefix + f.name, samples: byName.get(f.name) ?? [] }));
  }

  /**
   * The sum of the series of `name` whose labels include `labels` (all of them when
   * empty); undefined when there is none.
   */
  value(name: FamilyName, labels: Record<string, string> = {}): number | undefined {
    let total: number | undefined;
    for (const s of this.collect()) {
      if (s.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total = (total ?? 0) + s.value;
    }
    return total;
  }

  /** The Prometheus text exposition format (version 0.0.4) of every family. */
  toPrometheus(): string {
    return renderPrometheus(this.families());
  }

  /**
   * Registers every family in a prom-client registry (default: prom-client's global
   * `register`); values are read from this collector at each scrape. Needs the optional
   * package `prom-client`.
   * @returns a function that removes them again.
   * @throws ConfigError when prom-client is not installed or the names are taken.
   */
  registerPrometheus(registry?: PrometheusRegistry): Promise<() => void> {
    return this.once(registry ?? 'prom-client default registry', () => registerPrometheus(this, registry));
  }

  /**
   * Registers observable instruments for every family with an OpenTelemetry meter
   * (default: `metrics.getMeter('octokafka')` of `@opentelemetry/api`, which must be
   * installed); values are read at each collection.
   * @returns a function that removes the callback again.
   */
  registerOpenTelemetry(meter?: OpenTelemetryMeter): Promise<() => void> {
    return this.once(meter ?? 'opentelemetry global meter', () => registerOpenTelemetry(this, meter));
  }

  private once(target: unknown, register: () => Promise<() => void>): Promise<() => void> {
    let done = this.exports.get(target);
    if (!done) {
      done = register().then((remove) => () => {
        this.exports.delete(target);
        remove();
      });
      this.exports.set(target, done);
      done.catch(() => this.exports.delete(target));
    }
    return done;
  }
}

let processMetrics: KafkaMetrics | undefined;

/** The process's default collector: workers report to it unless given their own. */
export function defaultMetrics(): KafkaMetrics {
  processMetrics ??= new KafkaMetrics();
  return processMetrics;
}
