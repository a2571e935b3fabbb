/**
 * The built-in validators, Octopus's three: `default` accepts everything, `schema` checks the
 * metadata against a JSON Schema, `eventbridge` against an AWS EventBridge event pattern.
 * Their descriptions are what Octopus writes: `{"type":"default"}`,
 * `{"schema":<JSON Schema>,"type":"schema"}` and `{"schema":<pattern>,"type":"eventbridge"}`.
 */
import { ConfigError, ValidationError } from '../../util/errors';
import { compileEventPattern, type PatternMatcher } from './eventbridge';
import { sortKeysDeep } from './json';
import { compileSchema, type SchemaCheck } from './json-schema';
import type { ComponentDescription, Validator } from './types';

/** Accepts every event. */
export class DefaultValidator implements Validator {
  readonly description: ComponentDescription = { type: 'default' };
  validate(): void {}
}

/** Accepts events whose metadata complies with a JSON Schema (`description.schema`). */
export class SchemaValidator implements Validator {
  readonly description: ComponentDescription;
  private readonly check: SchemaCheck;

  /** @throws ConfigError when `schema` is missing or not a valid JSON Schema. */
  constructor(schema: unknown) {
    this.check = compileSchema('validator.schema', schema);
    this.description = { schema: sortKeysDeep(schema), type: 'schema' };
  }

  /** @throws ValidationError naming the first field that does not comply. */
  validate(metadata: unknown): void {
    this.check(metadata);
  }
}

/**
 * Accepts events whose metadata matches an EventBridge pattern (`description.schema`, the key
 * Octopus uses). See `eventbridge.ts` for the rules.
 */
export class EventBridgeValidator implements Validator {
  readonly description: ComponentDescription;
  private readonly matcher: PatternMatcher;

  /** @throws ConfigError when the pattern is missing or invalid. */
  constructor(pattern: unknown) {
    if (pattern === undefined) throw new ConfigError('validator.schema', 'a "schema" entry holding the event pattern is required');
    this.matcher = compileEventPattern(pattern, 'validator.schema');
    this.description = { schema: sortKeysDeep(pattern), type: 'eventbridge' };
  }

  /** @throws ValidationError naming the first field that does not match. */
  validate(metadata: unknown): void {
    const mismatch = this.matcher(metadata);
    if (mismatch !== undefined) throw new ValidationError(mismatch.path, mismatch.reason);
  }
}

/** Factory of the `default` validator (other description fields are ignored, as in Octopus). */
export function createDefaultValidator(): Validator {
  return new DefaultValidator();
}

/** Factory of the `schema` validator. */
export function createSchemaValidator(description: ComponentDescription): Validator {
  return new SchemaValidator(description.schema);
}

/** Factory of the `eventbridge` validator. */
export function createEventBridgeValidator(description: ComponentDescription): Validator {
  return new EventBridgeValidator(description.schema);
}
