/**
 * JSON helpers shared by the components: Octopus-compatible key order, description parsing and
 * dotted-path lookup.
 *
 * Octopus stores documents in `nlohmann::json`, whose objects are `std::map`s: it always writes
 * object keys sorted by their UTF-8 bytes. Component descriptions must come out byte-identical
 * to what Octopus writes, so the built-in components build their descriptions in that order.
 */
import { ConfigError } from '../../util/errors';
import { compareKeys, octopusJson, parseOctopusJson, showJson } from './json-text';
import type { ComponentDescription } from './types';

export { compareKeys } from './json-text';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A deep copy of a JSON value with every object's keys inserted in nlohmann order, so that
 * `JSON.stringify` of it matches what Octopus writes. (JavaScript always lists integer-like keys
 * such as `"10"` first; {@link canonicalJson} is exact even then.)
 */
export function sortKeysDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => sortKeysDeep(v)) as T;
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(compareKeys)) out[key] = sortKeysDeep(value[key]);
  return out as T;
}

/**
 * Compact JSON text with object keys in nlohmann order: the exact text Octopus writes for the
 * same document (for integers, bigints, strings, booleans and null; nlohmann prints
 * non-integral doubles such as `1.0` differently from JavaScript, which cannot tell `1.0` from `1`).
 * @throws ConfigError for a value with no JSON form.
 */
export function canonicalJson(value: unknown): string {
  return octopusJson(value, (path, reason) => new ConfigError(path === '' ? 'description' : `description.${path}`, reason));
}

/**
 * Checks that a component description is a JSON object (parsing it first when given as text,
 * as read from an info topic) and that its `type`, when present, is a string.
 * @param kind `validator`, `selector` or `serializer`, used in error messages.
 */
export function parseDescription(kind: string, description: unknown): ComponentDescription {
  let value = description;
  if (typeof value === 'string') {
    try {
      value = parseOctopusJson(value);
    } catch (e) {
      throw new ConfigError(kind, `description is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    throw new ConfigError(kind, `description must be a JSON object, got ${Array.isArray(value) ? 'an array' : showJson(value)}`);
  }
  if ('type' in value && typeof value.type !== 'string') {
    throw new ConfigError(`${kind}.type`, `must be a string, got ${showJson(value.type)}`);
  }
  return value as ComponentDescription;
}

/**
 * The value at a dotted path (`a.b.c`) of a JSON document, walking through objects only, as
 * Octopus does; `undefined` when some step is missing or not an object.
 */
export function getPath(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const step of path.split('.')) {
    if (!isPlainObject(current) || !Object.prototype.hasOwnProperty.call(current, step)) return undefined;
    current = current[step];
  }
  return current;
}
