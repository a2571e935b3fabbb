/**
 * Prometheus exposition: the text format written directly (no dependency), and a bridge
 * into a prom-client registry for applications that already have one. prom-client is an
 * optional peer dependency: the application's own copy is used, so our metrics land in
 * the registry it scrapes (a second private copy would be a second, unscraped registry).
 */
import { importOptionalPeer } from '../../util/optional-peer';
import { ConfigError } from '../../util/errors';
import type { CollectedFamily, MetricsSource } from './types';
import { ALL_FAMILIES } from './families';

/** What octokafka needs of a prom-client `Registry` (prom-client's own type fits). */
export interface PrometheusRegistry {
  /** The content type of {@link PrometheusRegistry.metrics}'s text. */
  readonly contentType: string;
  /** Every metric of the registry in the text format. */
  metrics(): Promise<string>;
  /** A registered metric by name, if any. */
  getSingleMetric(name: string): unknown;
  /** Removes a registered metric by name. */
  removeSingleMetric(name: string): void;
}

/** Content type of {@link renderPrometheus}'s output. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** The families in Prometheus's text format (version 0.0.4). */
export function renderPrometheus(families: readonly CollectedFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.fullName} ${escapeHelp(f.help)}`, `# TYPE ${f.fullName} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      lines.push(`${f.fullName}${labels.length ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

type PromClient = typeof import('prom-client');

/**
 * Registers one prom-client metric per family in `registry` (default prom-client's global
 * registry); each reads its samples from `collector` when scraped.
 * @returns a function that removes them.
 * @throws ConfigError when prom-client is missing or a name is already registered.
 */
export async function registerPrometheus(collector: MetricsSource, registry?: PrometheusRegistry): Promise<() => void> {
  const prom: PromClient = await importOptionalPeer('prom-client', 'metrics', () => import('prom-client'));
  const target = (registry ?? prom.register) as InstanceType<PromClient['Registry']>;
  const names = ALL_FAMILIES.map((f) => collector.prefix + f.name);
  const taken = names.find((n) => target.getSingleMetric(n) !== undefined);
  if (taken !== undefined) {
    throw new ConfigError('registry', `the registry already has a metric named ${taken} (registered twice? use another prefix)`);
  }
  const samplesOf = (name: string) => collector.collect().filter((s) => collector.prefix + s.name === name);
  for (const family of ALL_FAMILIES) {
    const name = collector.prefix + family.name;
    const common = { name, help: family.help, labelNames: [...family.labels], registers: [target] };
    if (family.type === 'counter') {
      new prom.Counter({
        ...common,
        collect() {
          // librdkafka and the workers keep the totals: set them, don't add to them.
          this.reset();
          for (const s of samplesOf(name)) this.inc(s.labels, s.value);
        },
      });
    } else {
      new prom.Gauge({
        ...common,
        collect() {
          this.reset();
          for (const s of samplesOf(name)) this.set(s.labels, s.value);
        },
      });
    }
  }
  return () => {
    for (const n of names) target.removeSingleMetric(n);
  };
}
