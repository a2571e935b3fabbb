/**
 * Secret handling: which configuration properties hold secrets, redacted copies of
 * configurations, scrubbing known secret values out of free text (logs, errors, statistics),
 * and a wrapper type that holds a credential without ever printing it.
 */
import { inspect } from 'node:util';

import { resolveProperty } from './config-names';

/** What every secret prints as. */
export const REDACTED = '[redacted]';

/**
 * Secret names librdkafka does not know: the Java client's, which people copy into
 * configurations by habit.
 */
const FOREIGN_SECRET_PROPERTIES: ReadonlySet<string> = new Set(['ssl.truststore.password', 'sasl.jaas.config']);

/**
 * Words that make any unknown name a secret's, wherever they appear in it. Not `credential`:
 * a `credentials` object (AWS) is walked into, its secret fields matched one by one, so that
 * the access key id stays visible.
 */
const SECRET_WORDS = /pass(word|phrase)|secret|jaas|private\.?key|token/i;

/**
 * Endings of key names that hold secrets in JS-style objects (AWS credentials, OAuth tokens,
 * environment variables), compared after lower-casing and dropping separators so that
 * `secretAccessKey`, `AWS_SECRET_ACCESS_KEY` and `secret-access-key` all match.
 */
const SECRET_KEY_SUFFIXES: readonly string[] = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'secretaccesskey',
  'secretkey',
  'sessiontoken',
  'securitytoken',
  'token',
  'privatekey',
  'clientkey',
  'apikey',
  'keypem',
];

/**
 * True when a configuration property or object key holds a secret. The one matcher of the
 * package (configuration errors, redacted printing, log scrubbing all ask it):
 *
 * - a property librdkafka knows is secret exactly when librdkafka marks it `_RK_SENSITIVE`,
 *   directly or through the property it is an alias of (`sasl.username`, `sasl.password`,
 *   `ssl.key.pem`, `ssl.key.password`, `ssl.keystore.password`, `sasl.oauthbearer.config`,
 *   `sasl.oauthbearer.client.secret`, …), so both views of a configuration agree. A public
 *   certificate (`ssl.certificate.pem`, `ssl.certificate.location`) is not a secret;
 * - any other name is judged by its wording: the Java client's `ssl.truststore.password` and
 *   `sasl.jaas.config`, keys such as `password`, `secretAccessKey`, `sessionToken`, `token`,
 *   `apiKey`, `KAFKA_SASL_PASSWORD`, `KAFKA_CLIENT_KEY`.
 */
export function isSecretProperty(name: string): boolean {
  const resolved = resolveProperty(name);
  if (resolved) return resolved.entry.sensitive === true || resolved.target.sensitive === true;
  const lower = name.toLowerCase();
  if (FOREIGN_SECRET_PROPERTIES.has(lower) || SECRET_WORDS.test(lower)) return true;
  const squashed = lower.replace(/[^a-z0-9]/g, '');
  return SECRET_KEY_SUFFIXES.some((suffix) => squashed.endsWith(suffix));
}

/**
 * A value that must not be printed: `String()`, template literals, `JSON.stringify` and
 * `util.inspect`/`console.log` all give `[redacted]`; only {@link Secret.reveal} gives the
 * value. Use it to hold passwords, keys and tokens in configuration objects.
 */
export class Secret<T = string> {
  // A private field, not a property: inspect, JSON and spreading never see it.
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  /** The secret itself; call it only where the value is handed to what needs it. */
  reveal(): T {
    return this.#value;
  }

  /** Always `[redacted]`. */
  toString(): string {
    return REDACTED;
  }

  /** Always `[redacted]`, so configs containing secrets serialise safely. */
  toJSON(): string {
    return REDACTED;
  }

  /** Always `[redacted]`, so template literals and `+` concatenation stay safe. */
  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  /** What `util.inspect` and `console.log` show. */
  [inspect.custom](): string {
    return REDACTED;
  }
}

/** A secret string (password, private key PEM, token). */
export class SecretString extends Secret<string> {}

/** The plain value of a string that may be wrapped in a {@link Secret}. */
export function reveal<T>(value: T | Secret<T>): T {
  return value instanceof Secret ? (value.reveal() as T) : value;
}

/** True for plain objects (literal or null-prototype), the only objects redaction descends into. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A deep copy of `config` in which every secret property (see {@link isSecretProperty}) and
 * every {@link Secret} is replaced by `[redacted]`. Plain objects and arrays are copied;
 * other values (functions, Buffers, class instances) are kept by reference.
 */
export function redactConfig<T>(config: T): T {
  const seen = new WeakMap<object, unknown>();
  const walk = (value: unknown): unknown => {
    if (value instanceof Secret) return REDACTED;
    if (Array.isArray(value)) {
      if (seen.has(value)) return seen.get(value);
      const out: unknown[] = [];
      seen.set(value, out);
      for (const item of value) out.push(walk(item));
      return out;
    }
    if (!isPlainObject(value)) return value;
    if (seen.has(value)) return seen.get(value);
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const [key, item] of Object.entries(value)) {
      out[key] = isSecretProperty(key) && item !== undefined && item !== null ? REDACTED : walk(item);
    }
    return out;
  };
  return walk(config) as T;
}

/**
 * Every secret value in `config` (string values of secret properties and revealed
 * {@link Secret}s, at any depth), for feeding {@link redactText} when logging text that
 * may echo configuration, such as librdkafka logs or errors.
 */
export function collectSecrets(config: unknown): string[] {
  const found = new Set<string>();
  const seen = new WeakSet<object>();
  const walk = (value: unknown, secretKey: boolean): void => {
    if (value instanceof Secret) {
      const inner: unknown = value.reveal();
      if (typeof inner === 'string') found.add(inner);
      return;
    }
    if (typeof value === 'string') {
      if (secretKey) found.add(value);
      return;
    }
    if (!Array.isArray(value) && !isPlainObject(value)) return;
    if (seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      for (const item of value) walk(item, secretKey);
      return;
    }
    for (const [key, item] of Object.entries(value)) walk(item, secretKey || isSecretProperty(key));
  };
  walk(config, false);
  return [...found].filter((s) => s.length > 0);
}

/** Escapes a string for literal use inside a regular expression. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `text` with every occurrence of each known secret value replaced by `[redacted]`; also
 * catches the secret's URL-encoded form (session tokens travel inside presigned URLs).
 * Every non-empty secret is replaced, however short: a garbled log line is better than a
 * leaked password.
 */
export function redactText(text: string, secrets: Iterable<string | Secret<string> | null | undefined>): string {
  const needles = new Set<string>();
  for (const s of secrets) {
    const value = s instanceof Secret ? s.reveal() : s;
    if (typeof value !== 'string' || value.length === 0) continue;
    needles.add(value);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) needles.add(encoded);
  }
  if (needles.size === 0) return text;
  // Longest first, so a secret that contains another is replaced whole.
  const pattern = [...needles]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|');
  return text.replace(new RegExp(pattern, 'g'), REDACTED);
}

/**
 * Makes `config` print redacted: adds non-enumerable `toJSON` and `util.inspect.custom`
 * methods that show {@link redactConfig}'s copy. Enumeration (`Object.entries`, spreading,
 * handing the properties to librdkafka) still sees the real values. Returns `config`.
 */
export function withRedactedDisplay<T extends object>(config: T): T {
  Object.defineProperty(config, 'toJSON', {
    value: function (this: T) {
      return redactConfig({ ...this });
    },
    enumerable: false,
    configurable: true,
    writable: true,
  });
  Object.defineProperty(config, inspect.custom, {
    value: function (this: T, depth: number, options: object) {
      return inspect(redactConfig({ ...this }), { ...options, depth });
    },
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return config;
}
