/**
 * JSON text as Octopus writes and reads it (nlohmann::json), for event metadata and component
 * descriptions:
 *
 * - **Keys sorted.** nlohmann objects are `std::map`s: keys come out ordered by their UTF-8
 *   bytes, i.e. by code point. {@link octopusJson} writes the same bytes, so an event pushed here
 *   is byte-identical to the same event pushed by Octopus.
 * - **Exact 64-bit integers.** nlohmann keeps integers as int64/uint64. {@link parseOctopusJson}
 *   returns an integer literal outside JavaScript's safe range (|n| > 2^53 − 1) as a `bigint`,
 *   and {@link octopusJson} writes a `bigint` as its digits, so such values round-trip exactly.
 *
 * Cost: `JSON.stringify` / `JSON.parse` stay the work horses. Writing first checks, without
 * allocating, whether `JSON.stringify` would already give the sorted text (every object's keys
 * in order, no bigint: the common case, e.g. single-key objects); only otherwise is the text
 * built here. Reading scans for a run of 16 digits (the shortest unsafe integer) before
 * taking the exact path.
 */

/** Makes the error thrown for a value that cannot be written; `path` is the dotted path. */
export type JsonErrorFactory = (path: string, reason: string) => Error;

const MIN_INT64 = -(2n ** 63n);
const MAX_UINT64 = 2n ** 64n - 1n;
/** Beyond this depth the quick check gives up and the writer (which detects cycles) decides. */
const QUICK_DEPTH = 64;
/** A character at or above U+D800: UTF-16 order may differ from code point order. */
const HIGH_UNIT = /[\ud800-\uffff]/;

/**
 * Orders two keys as nlohmann does: by UTF-8 bytes, which is code point order. Differs from
 * `<` (UTF-16 units) only between a surrogate pair (U+10000 and up) and U+E000–U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** A UTF-16 unit's rank in code point order: surrogates move above U+E000–U+FFFF. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit <= 0xdfff ? unit + 0x2000 : unit - 0x800;
}

/**
 * True when `JSON.stringify(value)` is already what nlohmann writes: no bigint, no `toJSON`,
 * every object's keys in code point order. Allocates only `Object.keys` arrays.
 */
function stringifyIsSorted(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return typeof value !== 'bigint';
  if (depth > QUICK_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!stringifyIsSorted(value[i], depth + 1)) return false;
    return true;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0) {
      // A later key lower in UTF-16 order is out of order; one with a unit ≥ U+D800 may be out
      // of code point order although in UTF-16 order (rare: let the writer sort it).
      if (!(keys[i - 1]! < key) || HIGH_UNIT.test(key)) return false;
    }
    if (!stringifyIsSorted(record[key], depth + 1)) return false;
  }
  return true;
}

/**
 * The compact JSON text nlohmann writes for a value: keys sorted by code point at every
 * level, bigints as integers. Otherwise as `JSON.stringify` (`toJSON` is called, `undefined`,
 * functions and symbols are left out of objects and are `null` in arrays, non-finite numbers
 * are `null`).
 * @param error makes the error for what cannot be written (a cycle, a bigint outside
 *   nlohmann's integers [−2^63, 2^64 − 1], a top-level value with no JSON form).
 */
export function octopusJson(value: unknown, error: JsonErrorFactory): string {
  if (stringifyIsSorted(value, 0)) {
    let text: string | undefined;
    try {
      text = JSON.stringify(value) as string | undefined;
    } catch (e) {
      throw error('', `not JSON-serializable: ${(e as Error).message}`);
    }
    if (text === undefined) throw error('', `not JSON-serializable (${typeof value})`);
    return text;
  }
  const text = write(value, '', '', [], error);
  if (text === undefined) throw error('', `not JSON-serializable (${typeof value})`);
  return text;
}

/** Dotted path of a child, for error messages. */
function child(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}.${key}`;
}

/** Writes one value; `undefined` for a value that has no JSON form (left out by the caller). */
function write(value: unknown, key: string, path: string, stack: object[], error: JsonErrorFactory): string | undefined {
  let v = value;
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON(key: string): unknown }).toJSON(key);
  }
  // Boxed primitives are their value, as in JSON.stringify.
  if (v instanceof Number || v instanceof String || v instanceof Boolean) v = v.valueOf();
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      if (v < MIN_INT64 || v > MAX_UINT64) {
        throw error(path, `out of range: integer ${v} is outside the 64-bit integers Octopus reads exactly (−2^63 to 2^64 − 1)`);
      }
      return v.toString();
    case 'object':
      break;
    default:
      return undefined; // undefined, function, symbol
  }
  if (v === null) return 'null';
  const object = v as object;
  if (stack.includes(object)) throw error(path, 'not JSON-serializable: it contains a cycle');
  stack.push(object);
  let out: string;
  if (Array.isArray(object)) {
    const parts: string[] = [];
    for (let i = 0; i < object.length; i++) parts.push(write(object[i], String(i), child(path, i), stack, error) ?? 'null');
    out = `[${parts.join(',')}]`;
  } else {
    const record = object as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of Object.keys(record).sort(compareKeys)) {
      const text = write(record[k], k, child(path, k), stack, error);
      if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
    }
    out = `{${parts.join(',')}}`;
  }
  stack.pop();
  return out;
}

/** A run of 16 digits: every integer beyond 2^53 − 1 has one (9007199254740992 has 16). */
const LONG_DIGITS = /\d{16}/;
const INTEGER_LITERAL = /^-?\d+$/;

/** JSON.parse's reviver gets the source text (Node 21+, V8's JSON.parse-with-source). */
const HAS_SOURCE_TEXT = (() => {
  let seen = false;
  JSON.parse('1', (_key, value: unknown, context?: { source?: unknown }) => {
    seen = typeof context?.source === 'string';
    return value;
  });
  return seen;
})();

/**
 * Parses JSON text as nlohmann reads it: integer literals beyond ±(2^53 − 1) become exact
 * `bigint`s; everything else is what `JSON.parse` returns. Throws `JSON.parse`'s SyntaxError
 * for text that is not JSON.
 * @param sourceText use the runtime's JSON source-text access when it has it (tests pass
 *   false to exercise the fallback parser on runtimes that have it).
 */
export function parseOctopusJson(text: string, sourceText = HAS_SOURCE_TEXT): unknown {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text) as unknown;
  if (sourceText) return JSON.parse(text, reviveExact) as unknown;
  const checked = JSON.parse(text) as unknown; // the syntax check, and its error message
  return new ExactParser(text).parse(checked);
}

function reviveExact(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined && INTEGER_LITERAL.test(context.source)) {
    return BigInt(context.source);
  }
  return value;
}

/** True when a parsed value holds a number that was an unsafe integer literal (so may need bigint). */
function mayHoldUnsafeInteger(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(mayHoldUnsafeInteger);
  return Object.values(value).some(mayHoldUnsafeInteger);
}

/** A parser for text already known to be valid JSON (runtimes without source-text access). */
class ExactParser {
  private at = 0;
  constructor(private readonly text: string) {}

  parse(checked: unknown): unknown {
    if (!mayHoldUnsafeInteger(checked)) return checked;
    return this.value();
  }

  private skip(): void {
    const t = this.text;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.at++;
    }
  }

  private value(): unknown {
    this.skip();
    const t = this.text;
    const c = t[this.at];
    if (c === '{') {
      this.at++;
      const out: Record<string, unknown> = {};
      this.skip();
      if (t[this.at] === '}') {
        this.at++;
        return out;
      }
      for (;;) {
        this.skip();
        const key = this.string();
        this.skip();
        this.at++; // ':'
        const v = this.value();
        // As JSON.parse: an own property, even for "__proto__".
        Object.defineProperty(out, key, { value: v, writable: true, enumerable: true, configurable: true });
        this.skip();
        if (t[this.at++] === '}') return out;
      }
    }
    if (c === '[') {
      this.at++;
      const out: unknown[] = [];
      this.skip();
      if (t[this.at] === ']') {
        this.at++;
        return out;
      }
      for (;;) {
        out.push(this.value());
        this.skip();
        if (t[this.at++] === ']') return out;
      }
    }
    if (c === '"') return this.string();
    if (t.startsWith('true', this.at)) return (this.at += 4), true;
    if (t.startsWith('false', this.at)) return (this.at += 5), false;
    if (t.startsWith('null', this.at)) return (this.at += 4), null;
    return this.number();
  }

  private string(): string {
    const t = this.text;
    const start = this.at;
    let i = start + 1;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 0x22) break;
      i += c === 0x5c ? 2 : 1;
    }
    this.at = i + 1;
    return JSON.parse(t.slice(start, i + 1)) as string;
  }

  private number(): number | bigint {
    const t = this.text;
    const start = this.at;
    let i = start;
    let integer = true;
    for (; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if ((c >= 0x30 && c <= 0x39) || c === 0x2d) continue;
      if (c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b) {
        integer = false;
        continue;
      }
      break;
    }
    this.at = i;
    const source = t.slice(start, i);
    const n = Number(source);
    return integer && !Number.isSafeInteger(n) ? BigInt(source) : n;
  }
}
