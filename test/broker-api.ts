/**
 * What the broker under test can do, by the API versions it reports (ApiVersions), not by its
 * version string: tests of features a broker line lacks (KIP-848 groups on Kafka 3.x) skip
 * with the missing API named. The answers are synchronous (the request runs in a child
 * process, test/api-versions.mjs) so that test files can use them in `describe.skipIf` and in
 * test titles while they are collected.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { realCluster } from './helpers';

/** API keys the tests gate on (Kafka's protocol numbering). */
export const ApiKey = {
  ApiVersions: 18,
  /** KIP-848: the consumer group protocol's heartbeat (`group.protocol=consumer`). */
  ConsumerGroupHeartbeat: 68,
  /** KIP-848: describing a consumer-protocol group. */
  ConsumerGroupDescribe: 69,
} as const;

/** An API the broker supports, with its version range. */
export interface ApiRange {
  min: number;
  max: number;
}

/** Asks `host:port` for the APIs it supports; throws when it does not answer within `timeoutMs`. */
export function brokerApiVersions(hostPort: string, timeoutMs = 5000): Map<number, ApiRange> {
  const r = spawnSync(process.execPath, [join(__dirname, 'api-versions.mjs'), hostPort, String(timeoutMs)], {
    encoding: 'utf8',
    timeout: timeoutMs + 5000,
  });
  if (r.status !== 0) throw new Error(r.stderr.trim() || `api-versions.mjs exited with ${r.status ?? r.signal}`);
  const parsed = JSON.parse(r.stdout) as Record<string, [number, number]>;
  return new Map(Object.entries(parsed).map(([k, [min, max]]) => [Number(k), { min, max }]));
}

let advertised: Map<number, ApiRange> | undefined;

/**
 * Why a test needing `needs` (API name → the version the client sends) cannot run on the
 * real broker under test (`KAFKA_BOOTSTRAP_SERVERS`), naming each API the broker does not
 * advertise at that version; undefined when it advertises them all, and on the mock cluster
 * (whose own support the mock run proves).
 */
export function missingBrokerApis(needs: Partial<Record<keyof typeof ApiKey, number>>): string | undefined {
  if (!realCluster) return undefined;
  const first = process.env.KAFKA_BOOTSTRAP_SERVERS!.split(',')[0]!.trim().replace(/^[A-Za-z_]+:\/\//, '');
  advertised ??= brokerApiVersions(first);
  const missing: string[] = [];
  for (const [name, version] of Object.entries(needs) as [keyof typeof ApiKey, number][]) {
    const range = advertised.get(ApiKey[name]);
    if (!range) missing.push(`${name} (API key ${ApiKey[name]})`);
    else if (range.max < version || range.min > version) missing.push(`${name} (API key ${ApiKey[name]}) v${version} (it has v${range.min}-${range.max})`);
  }
  if (missing.length === 0) return undefined;
  const which = process.env.OCTOKAFKA_KAFKA_VERSION ? ` (Kafka ${process.env.OCTOKAFKA_KAFKA_VERSION})` : '';
  return `the broker${which} does not advertise ${missing.join(', ')}`;
}

/**
 * Why KIP-848 (`group.protocol=consumer`) tests cannot run on this broker, or undefined when
 * they can. librdkafka 2.14 sends ConsumerGroupHeartbeat v1 only (KIP-1082: the member id is
 * the client's); Kafka 3.9 advertises v0 (a preview it keeps off by default), 4.x v0-v1.
 * Against a broker without it, the consumer never gets an assignment and raises one
 * _UNSUPPORTED_FEATURE error event (deps/patches/kip848-unsupported-error.patch).
 */
export function kip848Missing(): string | undefined {
  const missing = missingBrokerApis({ ConsumerGroupHeartbeat: 1 });
  return missing && `KIP-848 groups: ${missing}`;
}
