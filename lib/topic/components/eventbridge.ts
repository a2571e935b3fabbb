/**
 * AWS EventBridge event patterns, compiled into matchers over metadata documents.
 *
 * A pattern is an object whose keys name fields (a dotted key such as `a.b` is the nested field,
 * as in Octopus) and whose values say what the field must be:
 * - a primitive: that exact value (Octopus's shorthand for a one-value list);
 * - a list of primitives: one of them;
 * - a list of one-key rule objects, any of which must hold: `prefix`, `suffix`,
 *   `equals-ignore-case`, `anything-but`, `numeric`, `exists`, `wildcard`, and `$or` (a list of
 *   patterns applied to the field's value, the form Octopus uses);
 * - an object: a pattern for the nested object.
 * A `$or` key holding a list of patterns (AWS's form) matches when any of them matches.
 * As in EventBridge, a field whose value is an array matches when any element matches.
 * Patterns are checked completely when compiled: an invalid one is a ConfigError naming the
 * JSON path of the offending entry.
 */
import { ConfigError } from '../../errors';

/** Why a document does not match: the dotted path of the field and what it failed. */
export interface Mismatch {
  readonly path: string;
  readonly reason: string;
}

/** A compiled pattern: `undefined` when the document matches. */
export type PatternMatcher = (document: unknown) => Mismatch | undefined;

type Primitive = string | number | boolean | null;
/** A test of one (non-array) value of a present field. */
type ValueTest = (value: unknown) => boolean;
/** One entry of a rule list: either an existence check or a test of the field's values. */
type Rule = { readonly exists: boolean } | { readonly test: ValueTest };

const RULE_NAMES = ['anything-but', 'equals-ignore-case', 'exists', 'numeric', 'prefix', 'suffix', 'wildcard', '$or'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPrimitive(v: unknown): v is Primitive {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function flatten(v: unknown): unknown[] {
  return Array.isArray(v) ? v.flatMap(flatten) : [v];
}

/** The values at a path, looking through arrays at every step as EventBridge does. */
function resolve(document: unknown, steps: readonly string[]): { present: boolean; values: unknown[] } {
  let current: unknown[] = [document];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current.flatMap(flatten)) {
      if (isObject(v) && Object.prototype.hasOwnProperty.call(v, step)) next.push(v[step]);
    }
    if (next.length === 0) return { present: false, values: [] };
    current = next;
  }
  return { present: true, values: current.flatMap(flatten) };
}

/** Strings from a `"x"` or `["x", "y"]` entry. */
function stringList(property: string, spec: unknown): string[] {
  const list = Array.isArray(spec) ? spec : [spec];
  if (list.length === 0 || !list.every((s): s is string => typeof s === 'string')) {
    throw new ConfigError(property, 'expected a string or a non-empty list of strings');
  }
  return list;
}

/** `prefix` / `suffix`: a string, a list, or `{"equals-ignore-case": string | list}`. */
function affixTest(property: string, spec: unknown, atEnd: boolean): ValueTest {
  let ignoreCase = false;
  let raw = spec;
  if (isObject(spec)) {
    const keys = Object.keys(spec);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      throw new ConfigError(property, 'only "equals-ignore-case" is allowed inside this rule');
    }
    ignoreCase = true;
    raw = spec['equals-ignore-case'];
  }
  const affixes = stringList(property, raw).map((a) => (ignoreCase ? a.toLowerCase() : a));
  return (v) => {
    if (typeof v !== 'string') return false;
    const s = ignoreCase ? v.toLowerCase() : v;
    return affixes.some((a) => (atEnd ? s.endsWith(a) : s.startsWith(a)));
  };
}

function equalsIgnoreCaseTest(property: string, spec: unknown): ValueTest {
  const expected = new Set(stringList(property, spec).map((s) => s.toLowerCase()));
  return (v) => typeof v === 'string' && expected.has(v.toLowerCase());
}

const NUMERIC_OPS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
};

/** `numeric`: `[op, value, op, value, ...]`, all of which must hold. */
function numericTest(property: string, spec: unknown): ValueTest {
  if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0) {
    throw new ConfigError(property, 'expected a list of operator/number pairs, e.g. [">", 0, "<=", 5]');
  }
  const conditions: Array<{ op: (a: number, b: number) => boolean; operand: number }> = [];
  for (let i = 0; i < spec.length; i += 2) {
    const name: unknown = spec[i];
    const operand: unknown = spec[i + 1];
    const op = typeof name === 'string' && Object.prototype.hasOwnProperty.call(NUMERIC_OPS, name) ? NUMERIC_OPS[name] : undefined;
    if (op === undefined) throw new ConfigError(`${property}[${i}]`, `unknown operator ${JSON.stringify(name)}; expected one of = > >= < <=`);
    if (typeof operand !== 'number' || !Number.isFinite(operand)) {
      throw new ConfigError(`${property}[${i + 1}]`, `operand must be a number, got ${JSON.stringify(operand)}`);
    }
    conditions.push({ op, operand });
  }
  return (v) => typeof v === 'number' && conditions.every((c) => c.op(v, c.operand));
}

/** `wildcard`: `*` matches any run of characters; `\*` is a literal star and `\\` a backslash. */
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

/** `anything-but`: a value, a list of values, or a `prefix`/`suffix`/`equals-ignore-case`/`wildcard` rule. */
function anythingButTest(property: string, spec: unknown): ValueTest {
  if (isPrimitive(spec)) return (v) => v !== spec;
  if (Array.isArray(spec)) {
    if (spec.length === 0 || !spec.every(isPrimitive)) throw new ConfigError(property, 'a list must hold only strings, numbers, booleans or null');
    const excluded: unknown[] = spec;
    return (v) => !excluded.includes(v);
  }
  if (isObject(spec)) {
    const keys = Object.keys(spec);
    const name = keys[0];
    if (keys.length !== 1 || name === undefined || !['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(name)) {
      throw new ConfigError(property, 'an object must be one "prefix", "suffix", "equals-ignore-case" or "wildcard" rule');
    }
    const inner = valueRule(`${property}.${name}`, name, spec[name], '');
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
      return anythingButTest(property, spec);
    case '$or': {
      const alternatives = orAlternatives(property, spec, path);
      return (v) => alternatives.some((m) => m(v) === undefined);
    }
    default:
      throw new ConfigError(property, `unknown rule ${JSON.stringify(name)}; supported: ${RULE_NAMES.join(', ')}`);
  }
}

function orAlternatives(property: string, spec: unknown, path: string): PatternMatcher[] {
  if (!Array.isArray(spec) || spec.length === 0) throw new ConfigError(property, 'expected a non-empty list of patterns');
  return spec.map((p: unknown, i) => compileObject(`${property}[${i}]`, p, path));
}

/** A list: either possible values or rules (mixing both is an error, as in Octopus). */
function compileList(property: string, list: readonly unknown[], path: string): Rule[] {
  const primitives = list.filter(isPrimitive);
  if (primitives.length === list.length) return primitives.map((p) => ({ test: (v: unknown) => v === p }));
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
  const steps = key.split('.');
  const shown = JSON.stringify(spec);
  if (isObject(spec)) {
    const inner = compileObject(property, spec, path);
    return (doc) => {
      const { present, values } = resolve(doc, steps);
      if (!present) return { path, reason: `is missing (pattern ${shown})` };
      let first: Mismatch | undefined;
      for (const v of values) {
        const m = inner(v);
        if (m === undefined) return undefined;
        first ??= m;
      }
      return first ?? { path, reason: `is not an object (pattern ${shown})` };
    };
  }
  const rules: Rule[] = Array.isArray(spec)
    ? compileList(property, spec, path)
    : isPrimitive(spec)
      ? [{ test: (v: unknown) => v === spec }]
      : (() => {
          throw new ConfigError(property, `expected a value, a list or an object, got ${shown}`);
        })();
  return (doc) => {
    const { present, values } = resolve(doc, steps);
    const ok = rules.some((r) => ('exists' in r ? r.exists === present : values.some(r.test)));
    if (ok) return undefined;
    return { path, reason: present ? `does not match ${shown}` : `is missing (pattern ${shown})` };
  };
}

/** Compiles a pattern object; `path` is the dotted path of the document it applies to. */
function compileObject(property: string, pattern: unknown, path: string): PatternMatcher {
  if (!isObject(pattern)) throw new ConfigError(property, `a pattern must be an object, got ${JSON.stringify(pattern)}`);
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
