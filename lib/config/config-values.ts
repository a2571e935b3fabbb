/**
 * Property values: one zod schema per property that accepts the JavaScript values people
 * naturally write (numbers, booleans, arrays, numeric strings), checks them as librdkafka
 * would (type, range, allowed values) and yields the string librdkafka takes. Messages name
 * the expected type and the given value's type; values of secret properties never appear.
 */
import { z } from 'zod';

import type { PropertyInfo } from './config-properties';
import { isSecretProperty } from './secrets';

/** What a value is, for messages: `array`, `null` and `NaN` are told apart from `object`/`number`. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}

/** What a secret value prints as in messages. */
export const REDACTED = '(value redacted)';

/** A value quoted for a message, or {@link REDACTED} for secret properties. */
export function shown(prop: PropertyInfo, value: unknown): string {
  if (isSecretProperty(prop.name)) return REDACTED;
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const listOf = (values: readonly string[]): string => values.join(', ');

function rangeText(prop: PropertyInfo): string {
  return prop.min === undefined || prop.max === undefined ? '' : ` between ${prop.min} and ${prop.max}`;
}

/** The "expected X, got Y" message of a value of the wrong JavaScript type. */
function wrongType(expected: string, value: unknown): string {
  return `expected ${expected}, got ${kindOf(value)}`;
}

type Ctx = z.core.$RefinementCtx<unknown>;

function fail(ctx: Ctx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER as never;
}

function integerSchema(prop: PropertyInfo): z.ZodType<string> {
  const named = prop.named ?? {};
  const names = Object.keys(named);
  const expected = `an integer${rangeText(prop)}${names.length ? ` (or ${names.map((n) => `"${n}"`).join(', ')})` : ''}`;
  return z
    .union([z.number(), z.bigint(), z.string()], { error: (iss) => wrongType(expected, iss.input) })
    .transform((v, ctx): number => {
      if (typeof v !== 'string') return Number(v);
      const text = v.trim();
      const name = names.find((n) => n.toLowerCase() === text.toLowerCase());
      if (name !== undefined) return named[name]!;
      // Decimal only: librdkafka's strtol(…, 0) would read "010" as octal 8 and "5abc" as 5.
      if (/^[+-]?\d+$/.test(text)) return Number(text);
      return fail(ctx, `expected ${expected}, got ${text === '' ? 'an empty string' : `the string ${shown(prop, v)}`}`);
    })
    .pipe(
      z
        .number()
        .int({ error: (iss) => `expected ${expected}, got ${shown(prop, iss.input)}` })
        .min(prop.min ?? Number.MIN_SAFE_INTEGER, { error: (iss) => `must be${rangeText(prop)}, got ${shown(prop, iss.input)}` })
        .max(prop.max ?? Number.MAX_SAFE_INTEGER, { error: (iss) => `must be${rangeText(prop)}, got ${shown(prop, iss.input)}` }),
    )
    .transform(String);
}

function floatSchema(prop: PropertyInfo): z.ZodType<string> {
  const expected = `a number${rangeText(prop)}`;
  return z
    .union([z.number(), z.string()], { error: (iss) => wrongType(expected, iss.input) })
    .transform((v, ctx): number => {
      if (typeof v === 'number') return v;
      const text = v.trim();
      if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return Number(text);
      return fail(ctx, `expected ${expected}, got ${text === '' ? 'an empty string' : `the string ${shown(prop, v)}`}`);
    })
    .pipe(
      z
        .number({ error: (iss) => `expected ${expected}, got ${kindOf(iss.input)}` })
        .min(prop.min ?? -Number.MAX_VALUE, { error: (iss) => `must be${rangeText(prop)}, got ${shown(prop, iss.input)}` })
        .max(prop.max ?? Number.MAX_VALUE, { error: (iss) => `must be${rangeText(prop)}, got ${shown(prop, iss.input)}` }),
    )
    .transform(String);
}

/** librdkafka's own spellings (rdkafka_conf.c, `_RK_C_BOOL`), compared case-insensitively. */
const TRUE_WORDS = ['true', 't', '1'];
const FALSE_WORDS = ['false', 'f', '0'];

function booleanSchema(prop: PropertyInfo): z.ZodType<string> {
  const expected = 'a boolean';
  return z
    .union([z.boolean(), z.string()], { error: (iss) => wrongType(expected, iss.input) })
    .transform((v, ctx) => {
      if (typeof v === 'boolean') return String(v);
      const word = v.trim().toLowerCase();
      if (TRUE_WORDS.includes(word)) return 'true';
      if (FALSE_WORDS.includes(word)) return 'false';
      return fail(ctx, `expected ${expected} (true or false), got the string ${shown(prop, v)}`);
    });
}

/** Matches `text` against `allowed` case-insensitively, returning librdkafka's spelling. */
function pick(allowed: readonly string[], text: string): string | undefined {
  return allowed.find((a) => a.toLowerCase() === text.trim().toLowerCase());
}

function enumSchema(prop: PropertyInfo, allowed: readonly string[]): z.ZodType<string> {
  const expected = `one of ${listOf(allowed)}`;
  return z.string({ error: (iss) => wrongType(expected, iss.input) }).transform((v, ctx) => {
    return pick(allowed, v) ?? fail(ctx, `expected ${expected}, got ${shown(prop, v)}`);
  });
}

/**
 * A list-valued property: one separated string as is, or an array of non-empty strings
 * joined with `separator`. Numbers are refused (`'bootstrap.servers': 9092` is a mistake,
 * not a broker list).
 */
function joinedList(separator: string, expected: string): z.ZodType<string> {
  return z.union([z.string(), z.array(z.unknown())], { error: (iss) => wrongType(expected, iss.input) }).transform((v, ctx) => {
    if (!Array.isArray(v)) return String(v);
    const bad = v.findIndex((e) => typeof e !== 'string' || e.trim() === '');
    if (bad >= 0) {
      const e: unknown = v[bad];
      return fail(ctx, `expected ${expected}, but element ${bad} of the array is ${typeof e === 'string' ? 'an empty string' : `a ${kindOf(e)}`}`);
    }
    return (v as string[]).map((e) => e.trim()).join(separator);
  });
}

function flagsSchema(prop: PropertyInfo, allowed: readonly string[]): z.ZodType<string> {
  const expected = `a comma-separated string or an array of ${listOf(allowed)}`;
  return joinedList(',', expected).transform((text, ctx) => {
    // librdkafka: "cannot be set to empty value".
    if (text.trim() === '') return fail(ctx, `expected ${expected}, got an empty value`);
    const out: string[] = [];
    for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
      // librdkafka accepts +flag / -flag to add to or remove from the default set.
      const sign = part[0] === '+' || part[0] === '-' ? part[0] : '';
      const flag = pick(allowed, part.slice(sign.length));
      if (flag === undefined) return fail(ctx, `unknown flag ${shown(prop, part)}; expected ${expected}`);
      out.push(sign + flag);
    }
    return out.join(',');
  });
}

function stringSchema(prop: PropertyInfo, target: PropertyInfo): z.ZodType<string> {
  // The separators and choices are octokafka's facts in the generated table
  // (scripts/gen-config-properties.mjs), shared with the generated types.
  const separator = target.separator ?? (target.type === 'patterns' ? ',' : undefined);
  const choices = target.choices;
  const input =
    separator === undefined
      ? z.string({ error: (iss) => wrongType('a string', iss.input) })
      : joinedList(separator, `a string or an array of strings (joined with "${separator}")`);
  if (NON_EMPTY.has(target.name)) {
    return input.transform((v, ctx) => (v.trim() === '' ? fail(ctx, 'expected a non-empty string, got an empty string') : v));
  }
  if (!choices) return input;
  return input.transform((v, ctx) => {
    if (separator === undefined) {
      return pick(choices, v) ?? fail(ctx, `expected one of ${listOf(choices)}, got ${shown(prop, v)}`);
    }
    const out: string[] = [];
    for (const part of v.split(separator).map((s) => s.trim()).filter((s) => s !== '')) {
      const choice = pick(choices, part);
      if (choice === undefined) return fail(ctx, `unknown value ${shown(prop, part)}; expected a list of ${listOf(choices)}`);
      out.push(choice);
    }
    return out.join(separator);
  });
}

/** String properties librdkafka validates as non-empty (rdkafka_conf.c `.validate`). */
const NON_EMPTY: ReadonlySet<string> = new Set(['broker.version.fallback']);

const cache = new Map<PropertyInfo, z.ZodType<string>>();

/**
 * The schema of a property's value. `entry` is the name as given (its messages), `target`
 * the property the value lands in (its list syntax and allowed values). Not for `api`
 * properties, which take no value from a configuration at all.
 */
export function valueSchema(entry: PropertyInfo, target: PropertyInfo = entry): z.ZodType<string> {
  let schema = cache.get(entry);
  if (schema) return schema;
  switch (entry.type) {
    case 'integer':
      schema = integerSchema(entry);
      break;
    case 'float':
      schema = floatSchema(entry);
      break;
    case 'boolean':
      schema = booleanSchema(entry);
      break;
    case 'enum':
      schema = enumSchema(entry, entry.values ?? []);
      break;
    case 'flags':
      schema = flagsSchema(entry, entry.values ?? []);
      break;
    case 'string':
    case 'patterns':
      schema = stringSchema(entry, target);
      break;
    case 'api':
      throw new Error(`${entry.name} is set through a dedicated API and has no value schema`);
  }
  cache.set(entry, schema);
  return schema;
}

/** Parses one value; returns the librdkafka string or the first problem's message. */
export function parseValue(entry: PropertyInfo, target: PropertyInfo, value: unknown): { ok: true; value: string } | { ok: false; reason: string } {
  const result = valueSchema(entry, target).safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, reason: result.error.issues[0]?.message ?? 'invalid value' };
}
