/**
 * OpenTelemetry metrics: one observable instrument per family, fed by one batch callback
 * that reads the collector at each collection. `@opentelemetry/api` is an optional peer
 * dependency (the application's copy holds the global MeterProvider it configured).
 */
import { importOptionalPeer } from '../../util/optional-peer';
import type { MetricsSource } from './types';
import { ALL_FAMILIES } from './families';

type OtelApi = typeof import('@opentelemetry/api');
type Meter = import('@opentelemetry/api').Meter;
type Observable = import('@opentelemetry/api').Observable;
type BatchObservableCallback = import('@opentelemetry/api').BatchObservableCallback;

/** What octokafka needs of an OpenTelemetry `Meter` (the API's own type fits). */
export interface OpenTelemetryMeter {
  /** Creates an observable gauge (one per gauge family). */
  createObservableGauge(name: string, options?: { description?: string; unit?: string }): unknown;
  /** Creates an observable counter (one per counter family). */
  createObservableCounter(name: string, options?: { description?: string; unit?: string }): unknown;
  /** Registers the callback that observes every family at collection time. */
  addBatchObservableCallback(callback: never, observables: never[]): void;
  /** Unregisters that callback. */
  removeBatchObservableCallback(callback: never, observables: never[]): void;
}

/** True when `@opentelemetry/api` can be loaded (workers register their metrics then). */
export function openTelemetryAvailable(): boolean {
  try {
    require.resolve('@opentelemetry/api');
    return true;
  } catch {
    return false;
  }
}

/**
 * Registers the collector's families with a meter (default `metrics.getMeter('octokafka')`).
 * @returns a function that removes the callback.
 * @throws ConfigError when no meter is given and `@opentelemetry/api` is not installed.
 */
export async function registerOpenTelemetry(collector: MetricsSource, meter?: OpenTelemetryMeter): Promise<() => void> {
  let m = meter as unknown as Meter | undefined;
  if (!m) {
    const api: OtelApi = await importOptionalPeer('@opentelemetry/api', 'metrics', () => import('@opentelemetry/api'));
    m = api.metrics.getMeter('octokafka');
  }
  const instruments = new Map<string, Observable>();
  for (const family of ALL_FAMILIES) {
    const options = { description: family.help, unit: family.unit };
    const name = collector.prefix + family.name;
    instruments.set(family.name, family.type === 'counter' ? m.createObservableCounter(name, options) : m.createObservableGauge(name, options));
  }
  const callback: BatchObservableCallback = (result) => {
    for (const s of collector.collect()) {
      const instrument = instruments.get(s.name);
      if (instrument) result.observe(instrument, s.value, s.labels);
    }
  };
  const observables = [...instruments.values()];
  m.addBatchObservableCallback(callback, observables);
  const meterRef = m;
  return () => meterRef.removeBatchObservableCallback(callback, observables);
}
