/**
 * EventBridge event patterns, compiled into matchers over metadata documents, with the
 * verdicts of Octopus's `eventbridge` validator (diaspora-stream-api's EventbridgeValidator), so
 * that an Octopus service and a Node service validating the same topic agree. Where Octopus
 * departs from AWS EventBridge, Octopus's verdict is the one given here, except for two forms
 * documented below (and in docs/migrating-from-octopus.md, with the table of cases).
 *
 * A pattern is an object whose keys name fields and whose values say what the field must be:
 * - a key is a dotted path (`a.b` is field `b` of object `a`), followed through objects only:
 *   a step into an array, a string or a number finds nothing (AWS would look into arrays);
 * - a primitive: the field exists and its whole value equals it (Octopus's shorthand for a
 *   one-value list);
 * - a list of primitives: the field's whole value equals one of them. A field whose value is
 *   an array is compared as a whole: `["sensor"]` does not equal `"sensor"` (AWS matches an
 *   array when any element matches; Octopus does not, and neither does this);
 * - a list of one-key rule objects, any of which must hold: `exists`, and, applied to the
 *   field's whole value when it exists, `prefix`, `suffix`, `equals-ignore-case`, `wildcard`
 *   (strings only), `numeric` (numbers only), `anything-but` (a value, a list of values, or any
 *   other rule, negated: an array or object is "anything but" every primitive) and `$or` (a list
 *   of patterns applied to the field's value);
 * - an object: the field exists and its value matches that pattern.
 * `equals-ignore-case` ignores the case of ASCII letters only, as Octopus's byte-wise tolower
 * does. Empty lists are accepted as Octopus accepts them: an empty value list or `prefix` list
 * never matches, an empty `anything-but` list excludes nothing, an empty `numeric` list
 * holds for any present value.
 *
 * Kept from AWS on purpose (Octopus cannot express either the same way):
 * - a `$or` key holding a list of patterns, at any level, matches when any of them matches
 *   (Octopus reads it as a field named `$or` and fails to build the validator, so an Octopus
 *   service opens such a topic with its default validator and a warning);
 * - `wildcard`: `*` is the only special character, `\*` a literal star, `\\` a backslash
 *   (Octopus turns the pattern into a regular expression in which `.`, `+`, `?`, `(`, `[`...
 *   keep their regex meaning). Verdicts agree for wildcards without those characters.
 *
 * Patterns are checked completely when compiled: an invalid one is a ConfigError naming the
 * JSON path of the offending entry.
 */
import { ConfigError } from '../../util/errors';
import { showJson } from './json-text';

/** Why a document does not match: the dotted path of the field and what it failed. */
export interface Mismatch {
  readonly path: string;
  readonly reason: string;
}

/** A compiled pattern: `undefined` when the document matches. */
export type PatternMatcher = (document: unknown) => Mismatch | undefined;

type Primitive = string | number | bigint | boolean | null;
/** A test of a present field's value. */
type ValueTest = (value: unknown) => boolean;
/** One entry of a rule list: either an existence check or a test of the field's value. */
type Rule = { readonly exists: boolean } | { readonly test: ValueTest };

const RULE_NAMES = ['anything-but', 'equals-ignore-case', 'exists', 'numeric', 'prefix', 'suffix', 'wildcard', '$or'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPrimitive(v: unknown): v is Primitive {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint' || (typeof v === 'number' && Number.isFinite(v));
}

/**
 * JSON equality of a value and a primitive, as nlohmann's `==`: same type, same value;
 * integers and floats compare as numbers (a bigint against a number as a double, as nlohmann
 * compares an integer with a float).
 */
function equalsPrimitive(value: unknown, p: Primitive): boolean {
  if (value === p) return true;
  if (typeof value === 'bigint' && typeof p === 'number') return Number(value) === p;
  if (typeof value === 'number' && typeof p === 'bigint') return value === Number(p);
  return false;
}

/** A number or bigint as a double (what Octopus's numeric rule compares), else undefined. */
function asDouble(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

/** Lower-cases ASCII letters only, as `std::tolower` byte by byte in the C locale. */
function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** The steps of a dotted key as Octopus splits it (`std::getline` on "."): no trailing empty step. */
function stepsOf(key: string): string[] {
  const steps = key.split('.');
  if (steps[steps.length - 1] === '') steps.pop();
  return steps;
}

/** The value at a path, through objects only; `present: false` when a step finds nothing. */
function lookup(document: unknown, steps: readonly string[]): { present: boolean; value: unknown } {
  let current = document;
  for (const step of steps) {
    if (!isObject(current) || !Object.prototype.hasOwnProperty.call(current, step)) return { present: false, value: undefined };
    current = current[step];
  }
  return { present: true, value: current };
}

/** Strings from a `"x"` or `["x", "y"]` entry (an empty list is allowed: it matches nothing). */
function stringList(property: string, spec: unknown): string[] {
  const list = Array.isArray(spec) ? spec : [spec];
  if (!list.every((s): s is string => typeof s === 'string')) {
    throw new ConfigError(property, 'expected a string or a list of strings');
  }
  return list;
}

/** `prefix` / `suffix`: a string, a list, or `{"equals-ignore-case": string | list}`. */
function affixTest(property: string, spec: unknown, atEnd: boolean): ValueTest {
  let ignoreCase = false;
  let affixes: string[];
  if (isObject(spec)) {
    const keys = Object.keys(spec);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      throw new ConfigError(property, 'only "equals-ignore-case" is allowed inside this rule');
    }
    ignoreCase = true;
    const inner = spec['equals-ignore-case'];
    // Octopus takes a string or a list of strings here, and anything else as no affix at all.
    affixes = typeof inner === 'string' || Array.isArray(inner) ? stringList(`${property}.equals-ignore-case`, inner).map(asciiLower) : [];
  } else {
    affixes = stringList(property, spec);
  }
  return (v) => {
    if (typeof v !== 'string') return false;
    const s = ignoreCase ? asciiLower(v) : v;
    return affixes.some((a) => (atEnd ? s.endsWith(a) : s.startsWith(a)));
  };
}

function equalsIgnoreCaseTest(property: string, spec: unknown): ValueTest {
  const expected = new Set(stringList(property, spec).map(asciiLower));
  return (v) => typeof v === 'string' && expected.has(asciiLower(v));
}

const NUMERIC_OPS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
};

/**
 * `numeric`: `[op, value, op, value, ...]`, all of which must hold, compared as doubles. An
 * empty list has no condition, so it holds for any value (Octopus checks the type per condition).
 */
function numericTest(property: string, spec: unknown): ValueTest {
  if (!Array.isArray(spec) || spec.length % 2 !== 0) {
    throw new ConfigError(property, 'expected a list of operator/number pairs, e.g. [">", 0, "<=", 5]');
  }
  const conditions: Array<{ op: (a: number, b: number) => boolean; operand: number }> = [];
  for (let i = 0; i < spec.length; i += 2) {
    const name: unknown = spec[i];
    const operand = asDouble(spec[i + 1]);
    const op = typeof name === 'string' && Object.prototype.hasOwnProperty.call(NUMERIC_OPS, name) ? NUMERIC_OPS[name] : undefined;
    if (op === undefined) throw new ConfigError(`${property}[${i}]`, `unknown operator ${showJson(name)}; expected one of = > >= < <=`);
    if (operand === undefined || !Number.isFinite(operand)) {
      throw new ConfigError(`${property}[${i + 1}]`, `operand must be a number, got ${showJson(spec[i + 1])}`);
    }
    conditions.push({ op, operand });
  }
  return (v) => {
    const n = asDouble(v);
    return conditions.every((c) => n !== undefined && c.op(n, c.operand));
  };
}

/** `wildcard` (AWS semantics): `*` matches any run of characters; `\*` is a literal star and `\\` a backslash. */
function wildcardTest(property: string, spec: unknown): ValueTest {
  if (typeof spec !== 'string') throw new ConfigError(property, 'expected a string');
  let source = '';
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (c === '*') {
      source += '.*';
    } else if (c === '\\') {
      const next = spec[i + 1];
      if (next !== '*' && next !== '\\') throw new ConfigError(property, `"\\" at ${i} must be followed by "*" or "\\"`);
      source += `\\${next}`;
      i++;
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  const regex = new RegExp(`^${source}$`, 'su');
  return (v) => typeof v === 'string' && regex.test(v);
}

/** `anything-but`: a value, a list of values, or any value rule (negated). */
function anythingButTest(property: string, spec: unknown, path: string): ValueTest {
  if (isPrimitive(spec)) return (v) => !equalsPrimitive(v, spec);
  if (Array.isArray(spec)) {
    if (!spec.every(isPrimitive)) throw new ConfigError(property, 'a list must hold only strings, numbers, booleans or null');
    const excluded: Primitive[] = spec;
    return (v) => !excluded.some((p) => equalsPrimitive(v, p));
  }
  if (isObject(spec)) {
    const keys = Object.keys(spec);
    const name = keys[0];
    if (keys.length !== 1 || name === undefined || name === 'exists') {
      throw new ConfigError(property, 'an object must be one rule: "prefix", "suffix", "equals-ignore-case", "wildcard", "numeric", "anything-but" or "$or"');
    }
    const inner = valueRule(`${property}.${name}`, name, spec[name], path);
    return (v) => !inner(v);
  }
  throw new ConfigError(property, 'expected a value, a list of values or a rule object');
}

/** Compiles one value rule (everything but `exists`). `path` is the field's path, for `$or`. */
function valueRule(property: string, name: string, spec: unknown, path: string): ValueTest {
  switch (name) {
    case 'prefix':
      return affixTest(property, spec, false);
    case 'suffix':
      return affixTest(property, spec, true);
    case 'equals-ignore-case':
      return equalsIgnoreCaseTest(property, spec);
    case 'numeric':
      return numericTest(property, spec);
    case 'wildcard':
      return wildcardTest(property, spec);
    case 'anything-but':
      return anythingButTest(property, spec, path);
    case '$or': {
      const alternatives = orAlternatives(property, spec, path);
      return (v) => alternatives.some((m) => m(v) === undefined);
    }
    default:
      throw new ConfigError(property, `unknown rule ${showJson(name)}; supported: ${RULE_NAMES.join(', ')}`);
  }
}

function orAlternatives(property: string, spec: unknown, path: string): PatternMatcher[] {
  if (!Array.isArray(spec) || spec.length === 0) throw new ConfigError(property, 'expected a non-empty list of patterns');
  return spec.map((p: unknown, i) => compileObject(`${property}[${i}]`, p, path));
}

/** A list: either possible values or rules (mixing both is an error, as in Octopus). */
function compileList(property: string, list: readonly unknown[], path: string): Rule[] {
  const primitives = list.filter(isPrimitive);
  if (primitives.length === list.length) return primitives.map((p) => ({ test: (v: unknown) => equalsPrimitive(v, p) }));
  return list.map((rule, i) => {
    const at = `${property}[${i}]`;
    if (!isObject(rule)) {
      throw new ConfigError(at, primitives.length > 0 ? 'cannot mix values with rule objects' : 'expected a value or a rule object');
    }
    const keys = Object.keys(rule);
    const name = keys[0];
    if (keys.length !== 1 || name === undefined) throw new ConfigError(at, 'a rule object must have exactly one key');
    if (name === 'exists') {
      if (typeof rule.exists !== 'boolean') throw new ConfigError(`${at}.exists`, 'expected true or false');
      return { exists: rule.exists };
    }
    return { test: valueRule(`${at}.${name}`, name, rule[name], path) };
  });
}

/** Compiles the pattern for one key of a pattern object. */
function compileField(property: string, key: string, spec: unknown, path: string): PatternMatcher {
  const steps = stepsOf(key);
  const shown = showJson(spec);
  if (isObject(spec)) {
    const inner = compileObject(property, spec, path);
    return (doc) => {
      const { present, value } = lookup(doc, steps);
      if (!present) return { path, reason: `is missing (pattern ${shown})` };
      return inner(value);
    };
  }
  const rules: Rule[] = Array.isArray(spec)
    ? compileList(property, spec, path)
    : isPrimitive(spec)
      ? [{ test: (v: unknown) => equalsPrimitive(v, spec) }]
      : (() => {
          throw new ConfigError(property, `expected a value, a list or an object, got ${shown}`);
        })();
  return (doc) => {
    const { present, value } = lookup(doc, steps);
    const ok = rules.some((r) => ('exists' in r ? r.exists === present : present && r.test(value)));
    if (ok) return undefined;
    return { path, reason: present ? `does not match ${shown}` : `is missing (pattern ${shown})` };
  };
}

/** Compiles a pattern object; `path` is the dotted path of the document it applies to. */
function compileObject(property: string, pattern: unknown, path: string): PatternMatcher {
  if (!isObject(pattern)) throw new ConfigError(property, `a pattern must be an object, got ${showJson(pattern)}`);
  const conditions: PatternMatcher[] = Object.entries(pattern).map(([key, spec]) => {
    const at = `${property}.${key}`;
    if (key === '$or') {
      const alternatives = orAlternatives(at, spec, path);
      return (doc) => {
        let first: Mismatch | undefined;
        for (const m of alternatives) {
          const r = m(doc);
          if (r === undefined) return undefined;
          first ??= r;
        }
        return { path, reason: `matches none of the "$or" alternatives (first failure: ${first?.path ?? ''} ${first?.reason ?? ''})` };
      };
    }
    return compileField(at, key, spec, path === '' ? key : `${path}.${key}`);
  });
  return (doc) => {
    for (const c of conditions) {
      const m = c(doc);
      if (m !== undefined) return m;
    }
    return undefined;
  };
}

/**
 * Compiles an EventBridge pattern.
 * @param property where the pattern sits in its description, for error messages.
 * @throws ConfigError naming the offending entry when the pattern is invalid.
 */
export function compileEventPattern(pattern: unknown, property = 'pattern'): PatternMatcher {
  return compileObject(property, pattern, '');
}
