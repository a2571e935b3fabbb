/**
 * Property names: finding the librdkafka property a configuration key denotes (the way
 * `rd_kafka_conf_set` does), and suggesting the intended name when a key is unknown.
 */
import { PROPERTIES, type PropertyInfo } from './config-properties';

/**
 * Undocumented (`_RK_HIDDEN`) properties octokafka lets through: the mock-cluster switches
 * tests use, and the KIP-511 client name a wrapper may report to brokers. Ranges are
 * rdkafka_conf.c's. Everything else hidden stays rejected, as it is librdkafka-internal.
 */
const HIDDEN: readonly PropertyInfo[] = [
  { name: 'test.mock.num.brokers', scope: 'global', role: 'both', type: 'integer', min: 0, max: 10000, default: '0', importance: 'low', summary: 'Number of mock brokers to create; overrides `bootstrap.servers` with the mock cluster.' },
  { name: 'test.mock.broker.rtt', scope: 'global', role: 'both', type: 'integer', min: 0, max: 3600000, default: '0', importance: 'low', summary: 'Simulated mock broker latency in milliseconds.' },
  { name: 'client.software.name', scope: 'global', role: 'both', type: 'string', default: 'librdkafka', importance: 'low', summary: 'Client software name reported to brokers (KIP-511).' },
  { name: 'client.software.version', scope: 'global', role: 'both', type: 'string', importance: 'low', summary: 'Client software version reported to brokers (KIP-511).' },
];

const globalByName = new Map<string, PropertyInfo>();
const topicByName = new Map<string, PropertyInfo>();
for (const p of [...PROPERTIES, ...HIDDEN]) (p.scope === 'global' ? globalByName : topicByName).set(p.name, p);

/** A configuration key resolved to librdkafka's property table. */
export interface ResolvedProperty {
  /** The entry of the name as given (possibly an alias). */
  readonly entry: PropertyInfo;
  /** The entry the value lands in: the alias target, else `entry` itself. */
  readonly target: PropertyInfo;
  /** Identifies the setting: two keys with the same `key` set the same thing. */
  readonly key: string;
}

/**
 * Resolves a key as `rd_kafka_conf_set` does: global properties first, then topic
 * properties (which may carry a `topic.` prefix); aliases are followed to their target.
 */
export function resolveProperty(name: string): ResolvedProperty | undefined {
  const entry =
    globalByName.get(name) ?? topicByName.get(name.startsWith('topic.') ? name.slice('topic.'.length) : name);
  if (!entry) return undefined;
  const table = entry.scope === 'global' ? globalByName : topicByName;
  const target = (entry.alias === undefined ? undefined : table.get(entry.alias)) ?? entry;
  return { entry, target, key: `${target.scope}:${target.name}` };
}

/** Every documented name, for suggestions (hidden test switches are not suggested). */
const KNOWN_NAMES: readonly string[] = [...new Set(PROPERTIES.map((p) => p.name))];

/**
 * Names from the Java client (and other clients' habits) that librdkafka does not have,
 * with what to use instead. Edit distance cannot find these.
 */
const FOREIGN_NAMES: Readonly<Record<string, string>> = {
  'sasl.jaas.config': 'JAAS is Java-only: use `sasl.username` and `sasl.password` with `sasl.mechanism`',
  'ssl.truststore.location': 'Java trust stores are not supported: use `ssl.ca.location` (a PEM file) or `ssl.ca.pem`',
  'ssl.truststore.password': 'Java trust stores are not supported: use `ssl.ca.location` (a PEM file) or `ssl.ca.pem`',
  'ssl.truststore.type': 'librdkafka reads PEM CA certificates (`ssl.ca.location`, `ssl.ca.pem`)',
  'ssl.keystore.type': 'librdkafka reads PKCS#12 keystores (`ssl.keystore.location`) or PEM (`ssl.key.pem`, `ssl.certificate.pem`)',
  'key.serializer': 'octokafka sends Buffers and strings: serialize in your code',
  'value.serializer': 'octokafka sends Buffers and strings: serialize in your code',
  'key.deserializer': 'octokafka delivers Buffers: deserialize in your code',
  'value.deserializer': 'octokafka delivers Buffers: deserialize in your code',
  'buffer.memory': 'the producer queue is bounded by `queue.buffering.max.kbytes` and `queue.buffering.max.messages`',
  'max.request.size': 'use `message.max.bytes`',
  'max.poll.records': 'librdkafka has no such property: batch sizes are octokafka consumer options, not librdkafka properties',
};

/** A hint for a name known from other clients, if any. */
export function foreignNameHint(name: string): string | undefined {
  return Object.hasOwn(FOREIGN_NAMES, name) ? FOREIGN_NAMES[name] : undefined;
}

/** `bootstrapServers`, `BOOTSTRAP_SERVERS`, `bootstrap-servers` → `bootstrap.servers`. */
function dotted(name: string): string {
  return name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1.$2')
    .toLowerCase()
    .replace(/[_\-\s]+/g, '.');
}

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions). */
function distance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

const sortedTokens = (name: string): string => name.split('.').sort().join('.');

/**
 * The known property a mistyped key most likely meant: the same name in another casing or
 * separator style, the same words in another order (`fetch.max.wait.ms`), or the nearest
 * name by edit distance within about a third of the key's length.
 */
export function suggestProperty(name: string): string | undefined {
  const wanted = dotted(name);
  const plain = wanted.startsWith('kafka.') ? wanted.slice('kafka.'.length) : wanted;
  for (const candidate of [wanted, plain]) if (resolveProperty(candidate)) return candidate;
  const tokens = sortedTokens(plain);
  const reordered = KNOWN_NAMES.find((n) => sortedTokens(n) === tokens);
  if (reordered) return reordered;
  const limit = Math.min(4, Math.max(1, Math.floor(plain.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const known of KNOWN_NAMES) {
    if (Math.abs(known.length - plain.length) > limit) continue;
    const d = distance(plain, known);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best;
}
