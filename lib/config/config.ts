/**
 * Client configuration validation: everything librdkafka would reject (or silently ignore)
 * is reported before librdkafka sees the configuration, as a {@link ConfigError} that names
 * the property and says why. Secrets never appear in messages.
 *
 * @example
 * ```ts
 * const props = validateConfig('producer', { 'bootstrap.servers': ['b1:9092', 'b2:9092'], 'linger.ms': 10 });
 * // { 'bootstrap.servers': 'b1:9092,b2:9092', 'linger.ms': '10', 'enable.idempotence': 'true', acks: '-1', ... }
 * ```
 */
import { PROPERTIES, type PropertyInfo } from './config-properties';
import { foreignNameHint, resolveProperty, suggestProperty, type ResolvedProperty } from './config-names';
import { checkRules, type ConfigRole, type ConfigWarning, type Settings } from './config-rules';
import { kindOf, parseValue, REDACTED } from './config-values';
import { ConfigError } from '../util/errors';
import { isSecretProperty } from './secrets';

export type { ConfigRole, ConfigWarning } from './config-rules';
export type { PropertyInfo, PropertyType } from './config-properties';

/**
 * What octokafka sets unless the configuration says otherwise. Only settings where
 * librdkafka's default is wrong for octokafka's users, or must not drift between librdkafka
 * releases, are here; each is applied beneath the user's configuration (an alias the user
 * gives, e.g. `request.required.acks` for `acks`, overrides it too).
 *
 * Producer:
 * - `enable.idempotence: true`: no duplicates or reordering per partition when requests
 *   are retried; librdkafka then also caps in-flight requests at 5 and retries forever.
 * - `acks: all`: what idempotence requires (and librdkafka 2.14's documented default);
 *   explicit so that a reader of the configuration sees the durability it gets.
 * - `linger.ms: 5`: librdkafka 2.x's default, pinned so that a librdkafka upgrade cannot
 *   change batching latency silently.
 * - `partitioner: murmur2_random`: the Java client's partitioner (keyed messages land on the
 *   same partition as from Java producers, Kafka Streams and ksqlDB; keyless ones spread
 *   randomly). librdkafka's own default, `consistent_random` (CRC32), is not compatible.
 *
 * Consumer:
 * - `fetch.queue.backoff.ms: 10`: once `queued.min.messages` are buffered, librdkafka stops
 *   fetching for this long (default 1000 ms); a consumer that drains in bursts then idles up
 *   to a second at a time (measured: 2–4.6× lower throughput with the default).
 * - `auto.offset.reset: earliest`: a group without a committed offset (new, or whose
 *   offsets expired on the broker) starts at the oldest message instead of skipping all
 *   that was produced before it joined: duplicates rather than silent loss, as at-least-once
 *   processing expects. librdkafka and Java default to `latest`.
 * - Not changed: `enable.auto.commit` / `enable.auto.offset.store` keep librdkafka's `true`,
 *   which a raw consumer that expects periodic commits needs (layers that store offsets after
 *   processing turn the store off themselves); `enable.partition.eof` is already `false`.
 *
 * Admin: none.
 */
export const DEFAULTS: Readonly<Record<ConfigRole, Readonly<Record<string, string>>>> = Object.freeze({
  producer: Object.freeze({
    'enable.idempotence': 'true',
    acks: 'all',
    'linger.ms': '5',
    partitioner: 'murmur2_random',
  }),
  consumer: Object.freeze({
    'fetch.queue.backoff.ms': '10',
    'auto.offset.reset': 'earliest',
    // An offset is stored when the application has processed the message (KafkaConsumer
    // marks it), not when librdkafka hands it over: auto-commit then commits only
    // processed messages — at-least-once.
    'enable.auto.offset.store': 'false',
  }),
  admin: Object.freeze({}),
});

/** Options of {@link validateConfig}. */
export interface ValidateConfigOptions {
  /**
   * Receives deprecated or experimental properties and doubtful combinations; they do not
   * stop the client. Default: ignore (librdkafka also logs them as CONFWARN).
   */
  onWarning?: (warning: ConfigWarning) => void;
  /** Apply `DEFAULTS` ({@link PRODUCER_DEFAULTS}, {@link CONSUMER_DEFAULTS}) for the role beneath the configuration (default true). */
  applyDefaults?: boolean;
}

/** A validated property: which setting it is, how it was spelled, what librdkafka gets. */
interface Slot {
  readonly resolved: ResolvedProperty;
  readonly label: string;
  readonly value: string;
  readonly user: boolean;
}

const ROLES: readonly ConfigRole[] = ['producer', 'consumer', 'admin'];

/** Why a property of another client kind is rejected rather than ignored as librdkafka does. */
function roleProblem(role: ConfigRole, entry: PropertyInfo): string | undefined {
  if (entry.role === 'both' || entry.role === role) return undefined;
  const owner = `is a ${entry.role} property`;
  return role === 'admin'
    ? `${owner}; an admin client accepts only properties common to producers and consumers`
    : `${owner}; a ${role} does not use it (librdkafka would ignore it with a warning)`;
}

const UNSUPPORTED: Readonly<Record<NonNullable<PropertyInfo['unsupported']>, string>> = {
  libcurl:
    "is not available in octokafka's prebuilt librdkafka, which is built without libcurl (so without librdkafka's " +
    'built-in OAuth/OIDC token fetcher and HTTPS client): supply OAUTHBEARER tokens with an octokafka token provider instead',
  windows: 'only works on Windows (Windows certificate stores); use `ssl.ca.location` or `ssl.ca.pem`',
};

function unknownProperty(name: string): ConfigError {
  const hint = foreignNameHint(name);
  if (hint !== undefined) return new ConfigError(name, `is not a librdkafka property: ${hint}`);
  const suggestion = suggestProperty(name);
  return new ConfigError(
    name,
    suggestion !== undefined
      ? `unknown librdkafka property; did you mean \`${suggestion}\`?`
      : "unknown librdkafka property (librdkafka's CONFIGURATION.md lists them all)",
  );
}

/** Resolves, role-checks and converts one property; throws {@link ConfigError}. */
function toSlot(role: ConfigRole, name: string, value: unknown, user: boolean, warn: (w: ConfigWarning) => void): Slot {
  const resolved = resolveProperty(name);
  if (!resolved) throw unknownProperty(name);
  const { entry, target } = resolved;
  if (entry.type === 'api' || target.type === 'api') {
    throw new ConfigError(
      name,
      `cannot be given in a configuration object: librdkafka takes it through a dedicated C API (${entry.summary.replace(/\.$/, '')}); ` +
        'octokafka installs the callbacks it needs and exposes them as events and options',
    );
  }
  const unsupported = entry.unsupported ?? target.unsupported;
  if (unsupported) throw new ConfigError(name, UNSUPPORTED[unsupported]);
  const wrongRole = roleProblem(role, entry);
  if (wrongRole) throw new ConfigError(name, wrongRole);
  const parsed = parseValue(entry, target, value);
  if (!parsed.ok) {
    // Say that the value is withheld on purpose, so nobody "fixes" the message to show it.
    const secret = isSecretProperty(name) && !parsed.reason.includes(REDACTED);
    throw new ConfigError(name, secret ? `${parsed.reason} ${REDACTED}` : parsed.reason);
  }
  if (entry.deprecated || target.deprecated) {
    warn({ property: name, kind: 'deprecated', message: `\`${name}\` is deprecated in librdkafka: ${entry.summary || target.summary}` });
  } else if (entry.experimental || target.experimental) {
    warn({ property: name, kind: 'experimental', message: `\`${name}\` is experimental in librdkafka: ${entry.summary}` });
  }
  return { resolved, label: name, value: parsed.value, user };
}

/** librdkafka's documented default of a property, by canonical name (global first). */
function documentedDefault(name: string): string | undefined {
  return resolveProperty(name)?.target.default;
}

function settingsOf(slots: ReadonlyMap<string, Slot>): Settings {
  const slot = (name: string): Slot | undefined => slots.get(`global:${name}`) ?? slots.get(`topic:${name}`);
  return {
    get: (name) => slot(name)?.value,
    effective: (name) => slot(name)?.value ?? documentedDefault(name),
    fromUser: (name) => slot(name)?.user === true,
    fromDefault: (name) => slot(name)?.user === false,
    label: (name) => slot(name)?.label ?? name,
    userNames: () => [...slots.values()].filter((s) => s.user).map((s) => s.resolved.target.name),
  };
}

/**
 * Validates a client configuration and converts it into the string map librdkafka takes,
 * with octokafka's `DEFAULTS` ({@link PRODUCER_DEFAULTS}, {@link CONSUMER_DEFAULTS}) for the role beneath it.
 *
 * Accepted values: strings; numbers for integer and float properties (a number for a string
 * property is refused: `'bootstrap.servers': 9092` is a mistake); booleans (and
 * librdkafka's `"true"`/`"false"`/`"1"`/`"0"`) for boolean ones; arrays for list-valued
 * properties (`bootstrap.servers`, `debug`, `partition.assignment.strategy`, ...). Enum and
 * flag values match case-insensitively. `undefined` values are skipped.
 *
 * Roles: a producer rejects consumer-only properties and vice versa; an `admin` client
 * accepts only the properties both share (an admin client neither produces nor joins groups).
 *
 * @throws ConfigError naming the property: unknown names (with a suggestion), callback
 *   properties, properties the prebuilt librdkafka lacks, wrong roles, wrong types or ranges,
 *   and librdkafka's cross-property rules (idempotence, KIP-848, SASL/TLS, fetch sizes, ...).
 */
export function validateConfig(
  role: ConfigRole,
  input: Readonly<Record<string, unknown>>,
  options: ValidateConfigOptions = {},
): Record<string, string> {
  if (!ROLES.includes(role)) {
    const got = typeof role === 'string' ? JSON.stringify(role) : kindOf(role);
    throw new ConfigError('role', `must be one of ${ROLES.join(', ')}, got ${got}`);
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError('config', `must be an object of librdkafka properties, got ${kindOf(input)}`);
  }
  const warn = options.onWarning ?? ((): void => {});
  const slots = new Map<string, Slot>();
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const slot = toSlot(role, name, value, true, warn);
    const prior = slots.get(slot.resolved.key);
    if (prior) {
      throw new ConfigError(name, `sets the same librdkafka property (\`${slot.resolved.target.name}\`) as \`${prior.label}\`; give only one of them`);
    }
    slots.set(slot.resolved.key, slot);
  }
  if (options.applyDefaults !== false) {
    for (const [name, value] of Object.entries(DEFAULTS[role])) {
      const slot = toSlot(role, name, value, false, warn);
      if (!slots.has(slot.resolved.key)) slots.set(slot.resolved.key, slot);
    }
  }
  checkRules(role, settingsOf(slots), warn);
  return Object.fromEntries([...slots.values()].map((s) => [s.label, s.value]));
}

/** What {@link describeProperty} tells about a property. */
export interface PropertyDescription extends PropertyInfo {
  /** The property the name is an alias of, or the name itself. */
  readonly canonical: string;
  /** octokafka's `DEFAULTS` ({@link PRODUCER_DEFAULTS}, {@link CONSUMER_DEFAULTS}) for it, per role that has one. */
  readonly octokafkaDefaults: Partial<Record<ConfigRole, string>>;
  /** False for callback properties and properties the prebuilt librdkafka lacks. */
  readonly settable: boolean;
}

/**
 * Everything known about a property (its table row, its canonical name, octokafka's
 * defaults for it), for documentation and the CLI; `undefined` for unknown names.
 */
export function describeProperty(name: string): PropertyDescription | undefined {
  const resolved = resolveProperty(name);
  if (!resolved) return undefined;
  const octokafkaDefaults: Partial<Record<ConfigRole, string>> = {};
  for (const role of ROLES) {
    for (const [defaultName, value] of Object.entries(DEFAULTS[role])) {
      if (resolveProperty(defaultName)?.key === resolved.key) octokafkaDefaults[role] = value;
    }
  }
  const { entry, target } = resolved;
  return {
    ...entry,
    canonical: target.name,
    octokafkaDefaults,
    settable: entry.type !== 'api' && entry.unsupported === undefined,
  };
}

/** All documented librdkafka properties, for tooling. */
export const CONFIG_PROPERTIES: readonly PropertyInfo[] = PROPERTIES;

/**
 * The part of a configuration shared by several kinds of clients that a client of `role`
 * uses: properties of another role (a consumer's `session.timeout.ms` for a producer, a
 * producer's `linger.ms` for a consumer, either for an admin client) are left out, as
 * librdkafka ignores them. Unknown names and wrong values are kept, so that
 * {@link validateConfig} still reports them.
 */
export function configForRole<C extends Readonly<Record<string, unknown>>>(role: ConfigRole, config: C): C {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(config)) {
    const entry = resolveProperty(name)?.entry;
    if (entry && entry.role !== 'both' && entry.role !== role) continue;
    out[name] = value;
  }
  return out as C;
}
