/**
 * JSON Schema compilation through ajv, shared by the `schema` validator and serializer.
 * The draft follows the schema's `$schema` (2020-12, 2019-09, else draft-07, the draft Octopus's
 * validator implements). Unknown keywords and formats are ignored rather than rejected, as the
 * C++ validator does, so a schema Octopus accepts is accepted here too.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import { ConfigError, ValidationError } from '../../util/errors';
import { showJson } from './json-text';

const ajvOptions = { strict: false, allErrors: false, validateFormats: false, logger: false } as const;

/** Picks the ajv class for a schema's declared draft. */
function ajvFor(schema: unknown): Ajv {
  const declared = typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  if (typeof declared === 'string' && declared.includes('2020-12')) return new Ajv2020(ajvOptions);
  if (typeof declared === 'string' && declared.includes('2019-09')) return new Ajv2019(ajvOptions);
  return new Ajv(ajvOptions);
}

/** A compiled schema: throws a {@link ValidationError} for a document that does not comply. */
export type SchemaCheck = (document: unknown) => void;

/** Turns ajv's JSON Pointer `instancePath` (`/a/0/b`) into a dotted path (`a.0.b`). */
function dotted(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function describeError(e: ErrorObject): string {
  const params = e.keyword === 'required' || e.keyword === 'additionalProperties' ? ` (${JSON.stringify(e.params)})` : '';
  return `does not comply with the schema: ${e.message ?? e.keyword}${params} [${e.schemaPath}]`;
}

/**
 * Compiles `schema`; `property` names it in errors (e.g. `validator.schema`).
 * @throws ConfigError when the schema is missing or not a valid JSON Schema.
 */
export function compileSchema(property: string, schema: unknown): SchemaCheck {
  if (schema === undefined) throw new ConfigError(property, 'a "schema" entry is required');
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
    throw new ConfigError(property, `must be a JSON Schema (an object or a boolean), got ${showJson(schema)}`);
  }
  let validate: ValidateFunction;
  try {
    // Exact integers beyond 2^53 (bigints, from an info record) are numbers to Ajv.
    const compiled = holdsBigInt(schema) ? (bigIntsAsNumbers(schema) as object | boolean) : schema;
    validate = ajvFor(compiled).compile(compiled);
  } catch (e) {
    throw new ConfigError(property, `not a valid JSON Schema: ${(e as Error).message}`);
  }
  return (document: unknown): void => {
    if (validate(document)) return;
    // Ajv knows no bigint (exact integers beyond 2^53, see json-text.ts): judge such a
    // document again with them as numbers, as nlohmann's validator sees an integer. Only on
    // failure, so that documents without bigints pay nothing.
    if (holdsBigInt(document) && validate(bigIntsAsNumbers(document))) return;
    const first = validate.errors?.[0];
    if (first === undefined) throw new ValidationError('', 'does not comply with the schema');
    throw new ValidationError(dotted(first.instancePath), describeError(first));
  };
}

function holdsBigInt(value: unknown): boolean {
  if (typeof value === 'bigint') return true;
  if (typeof value !== 'object' || value === null) return false;
  return (Array.isArray(value) ? value : Object.values(value)).some(holdsBigInt);
}

/** A copy with every bigint replaced by the nearest number. */
function bigIntsAsNumbers(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(bigIntsAsNumbers);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = bigIntsAsNumbers(v);
  return out;
}
