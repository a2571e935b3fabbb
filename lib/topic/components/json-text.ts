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
 * Cost (bench/topic-json.mjs): `JSON.stringify` / `JSON.parse` stay the work horses. Writing
 * first checks, without allocating, whether `JSON.stringify` would already give the sorted text
 * (every object's keys in order, no bigint: the common case, e.g. single-key objects); an
 * object out of order is copied with its keys in order and then stringified (by a copier
 * compiled for its shape once the shape is frequent); only what a copy cannot order
 * (integer-like keys, which JavaScript always lists first, and `__proto__`) or stringify
 * (bigints, `toJSON`) is written here. Reading walks the parsed value for integers beyond 2^53 and only
 * then parses again exactly.
 */

/** Makes the error thrown for a value that cannot be written; `path` is the dotted path. */
export type JsonErrorFactory = (path: string, reason: string) => Error;

const MIN_INT64 = -(2n ** 63n);
const MAX_UINT64 = 2n ** 64n - 1n;
/** Beyond this depth the quick check gives up and the writer (which detects cycles) decides. */
const QUICK_DEPTH = 64;

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

/** What {@link survey} found out about a value. */
const enum Survey {
  /** `JSON.stringify` already writes it in nlohmann's order. */
  Sorted,
  /** Some object's keys are out of order; a copy with ordered keys fixes that. */
  Unsorted,
  /** Only the writer here can do it: a bigint, a `toJSON`, an integer-like key, a deep value. */
  Write,
}

/** An integer-like key: JavaScript lists these first, whatever the insertion order. */
function integerLike(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 0x30 && c <= 0x39;
}

/**
 * How a value can be written (see {@link Survey}); walks it once, allocating nothing
 * (`for…in` over an object uses V8's enum cache).
 */
function survey(value: unknown, depth: number): Survey {
  if (typeof value !== 'object' || value === null) return typeof value === 'bigint' ? Survey.Write : Survey.Sorted;
  if (depth > QUICK_DEPTH) return Survey.Write;
  let result = Survey.Sorted;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = survey(value[i], depth + 1);
      if (r === Survey.Write) return r;
      if (r === Survey.Unsorted) result = r;
    }
    return result;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return Survey.Write;
  const record = value as Record<string, unknown>;
  let previous: string | undefined;
  // for…in also lists inherited enumerable keys, which JSON.stringify leaves out: they can
  // only make a sorted object look unsorted (then copied with its own keys), never the reverse.
  for (const key in record) {
    // "__proto__" as an own key cannot be copied by assignment or an object literal.
    if (integerLike(key) || key === '__proto__') return Survey.Write;
    if (previous !== undefined && compareKeys(previous, key) >= 0) result = Survey.Unsorted;
    previous = key;
    const r = survey(record[key], depth + 1);
    if (r === Survey.Write) return r;
    if (r === Survey.Unsorted) result = r;
  }
  return result;
}

/**
 * What is known of one object shape (its keys in insertion order, as `for…in` lists them):
 * how often it was written out of order, and, once it is frequent, a compiled function that
 * copies such an object with its keys in nlohmann order (an object literal, which V8 builds and
 * JSON.stringify writes far faster than a copy built key by key after a sort).
 */
interface ShapePlan {
  readonly keys: readonly string[];
  seen: number;
  reorder: ((record: Record<string, unknown>) => object) | undefined | null;
}

/** Shapes of the last few objects written out of order (most metadata has few shapes). */
const plans: ShapePlan[] = [];
const MAX_PLANS = 8;
/** Writes of a shape before its copier is compiled: shapes seen once or twice never are. */
const COMPILE_AFTER = 16;

/** The plan of `record`'s shape, made (and remembered) on first sight. */
function planOf(record: Record<string, unknown>): ShapePlan {
  for (const plan of plans) {
    const keys = plan.keys;
    let i = 0;
    let same = true;
    for (const key in record) {
      if (key !== keys[i++]) {
        same = false;
        break;
      }
    }
    if (same && i === keys.length) return plan;
  }
  const plan: ShapePlan = { keys: Object.keys(record), seen: 0, reorder: undefined };
  if (plans.length >= MAX_PLANS) plans.pop();
  plans.unshift(plan);
  return plan;
}

/**
 * Compiles `(o) => ({"a": o["a"], "b": o["b"], ...})` for keys in nlohmann order. Keys are
 * written as JSON string literals (also valid JavaScript literals): nothing of them runs.
 * `null` when code generation is not allowed (--disallow-code-generation-from-strings).
 */
function compileReorder(keys: readonly string[]): ((record: Record<string, unknown>) => object) | null {
  const sorted = [...keys].sort(compareKeys);
  const body = sorted.map((k) => `${JSON.stringify(k)}: o[${JSON.stringify(k)}]`).join(', ');
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    return new Function('o', `return { ${body} };`) as (record: Record<string, unknown>) => object;
  } catch {
    return null;
  }
}

/**
 * An object out of order copied by its shape's compiled copier, its nested values ordered the
 * same way; `undefined` while the shape is not frequent yet (then {@link sortedCopy} does it).
 */
function reorderedByShape(record: Record<string, unknown>): Record<string, unknown> | undefined {
  // A prototype with enumerable keys would make for…in differ from the own keys it copies.
  const proto: unknown = Object.getPrototypeOf(record);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const plan = planOf(record);
  if (plan.reorder === undefined && ++plan.seen >= COMPILE_AFTER) plan.reorder = compileReorder(plan.keys);
  if (!plan.reorder) return undefined;
  const out = plan.reorder(record) as Record<string, unknown>;
  for (const key in out) {
    const v = out[key];
    if (typeof v === 'object' && v !== null) out[key] = orderedCopy(v);
  }
  return out;
}

/**
 * A value with every object's keys in nlohmann order: itself when already so, else a copy.
 * @param unsorted the caller surveyed it already and found it out of order.
 */
function orderedCopy(value: object, unsorted = false): unknown {
  if (!unsorted && survey(value, 1) === Survey.Sorted) return value;
  if (Array.isArray(value)) return value.map((v: unknown) => (typeof v === 'object' && v !== null ? orderedCopy(v) : v));
  return reorderedByShape(value as Record<string, unknown>) ?? sortedCopy(value);
}

/** A copy of a value (surveyed as Unsorted) whose objects have their own keys in nlohmann order. */
function sortedCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(sortedCopy);
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort(compareKeys)) out[key] = sortedCopy(record[key]);
  return out;
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
  const how = survey(value, 0);
  if (how !== Survey.Write) {
    let text: string | undefined;
    try {
      let ordered = value;
      if (how === Survey.Unsorted) {
        ordered = orderedCopy(value as object, true);
      }
      text = JSON.stringify(ordered) as string | undefined;
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

const INTEGER_LITERAL = /^-?\d+$/;
/** The shortest text that can hold an unsafe integer: 16 digits. */
const SHORTEST_UNSAFE = 16;

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
  const value = JSON.parse(text) as unknown;
  if (text.length < SHORTEST_UNSAFE || !holdsUnsafeInteger(value)) return value;
  if (sourceText) return JSON.parse(text, reviveExact) as unknown;
  return new ExactParser(text).value();
}

function reviveExact(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined && INTEGER_LITERAL.test(context.source)) {
    return BigInt(context.source);
  }
  return value;
}

/**
 * True when a parsed value holds an integer-valued number beyond 2^53 − 1 (the literal may have
 * been an exact integer). Iterative: JSON.parse accepts nesting deeper than the call stack.
 */
function holdsUnsafeInteger(root: unknown): boolean {
  if (typeof root !== 'object' || root === null) return typeof root === 'number' && Number.isInteger(root) && !Number.isSafeInteger(root);
  const pending: object[] = [root];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) if (unsafeOrPush(node[i], pending)) return true;
    } else {
      const record = node as Record<string, unknown>;
      for (const key in record) if (unsafeOrPush(record[key], pending)) return true;
    }
  }
  return false;
}

/** True for an unsafe integer-valued number; queues an object or array to look into. */
function unsafeOrPush(v: unknown, pending: object[]): boolean {
  if (typeof v === 'number') return !Number.isSafeInteger(v) && Number.isInteger(v);
  if (typeof v === 'object' && v !== null) pending.push(v);
  return false;
}

/** A parser for text already known to be valid JSON (runtimes without source-text access). */
class ExactParser {
  private at = 0;
  constructor(private readonly text: string) {}

  private skip(): void {
    const t = this.text;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.at++;
    }
  }

  /** The value at the cursor (the whole text, from the start). */
  value(): unknown {
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

/**
 * A value as compact JSON for an error message: like `JSON.stringify`, but bigints are their
 * digits and nothing throws (a value with no JSON form is shown as `String(value)`).
 */
export function showJson(value: unknown): string {
  try {
    return octopusJson(value, (path, reason) => new Error(`${path}: ${reason}`));
  } catch {
    return String(value);
  }
}
