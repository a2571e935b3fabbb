/**
 * Registries of component factories keyed by `type`, one per kind of component, and the
 * functions that rebuild a component from its description.
 *
 * Resolution of a description's `type`, as in Octopus:
 * - absent: `default`; not a string: error;
 * - `name`: the factory registered under `name`, else an error naming it and listing the known types;
 * - `name:path`: if `name` is not registered yet, the module at `path` is loaded with `require`
 *   (a relative path is resolved against the working directory, a bare one as a package from
 *   there). The module either registers `name` itself when loaded, or exports the factory as
 *   `module.exports` or as its `default` export, which is then registered under `name`.
 *   (ESM-only plugins cannot be `require`d on every supported Node version: import them and
 *   call the `register*` function instead.)
 * Errors are {@link ConfigError}s whose property is `validator.type`, `selector.type` or
 * `serializer.type` (or the offending field of the description).
 */
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, KafkaError } from '../../util/errors';
import { canonicalJson, parseDescription } from './json';
import { createDefaultPartitionSelector, createKeyPartitionSelector } from './selectors';
import { createDefaultSerializer, createSchemaSerializer } from './serializers';
import type { Component, ComponentFactory, PartitionSelector, Serializer, Validator } from './types';
import { createDefaultValidator, createEventBridgeValidator, createSchemaValidator } from './validators';

/** The factories of one kind of component. */
export class ComponentRegistry<T extends Component> {
  private readonly factories = new Map<string, ComponentFactory<T>>();

  /** @param kind `validator`, `selector` or `serializer`: names the kind in error messages. */
  constructor(readonly kind: string) {}

  /**
   * Registers (or replaces) the factory of a type.
   * @throws ConfigError when `type` is empty or contains `:` (reserved for `name:path`).
   */
  register(type: string, factory: ComponentFactory<T>): void {
    if (typeof type !== 'string' || type === '' || type.includes(':')) {
      throw new ConfigError(`${this.kind}.type`, `a registered type must be a non-empty string without ":", got ${JSON.stringify(type)}`);
    }
    if (typeof factory !== 'function') throw new ConfigError(`${this.kind}.type`, `the factory of "${type}" must be a function`);
    this.factories.set(type, factory);
  }

  /** True when a factory is registered under `type`. */
  has(type: string): boolean {
    return this.factories.has(type);
  }

  /** The registered types, sorted. */
  types(): string[] {
    return [...this.factories.keys()].sort();
  }

  /**
   * Builds a component from its description: a JSON object, or its JSON text as read from an
   * info topic. `undefined` means the default component.
   * @throws ConfigError for an invalid description, an unknown type or a plugin that does not load.
   */
  create(description: unknown): T {
    const parsed = parseDescription(this.kind, description);
    const type = parsed.type ?? 'default';
    const colon = type.indexOf(':');
    const name = colon < 0 ? type : type.slice(0, colon);
    if (colon >= 0 && !this.factories.has(name)) this.loadPlugin(name, type.slice(colon + 1));
    const factory = this.factories.get(name);
    if (factory === undefined) {
      throw new ConfigError(
        `${this.kind}.type`,
        `unknown ${this.kind} type ${JSON.stringify(name)}; known types: ${this.types().join(', ')} ` +
          `(register it, or give "${name}:<module path>" to load it)`,
      );
    }
    let component: T;
    try {
      component = factory(parsed);
    } catch (e) {
      if (e instanceof KafkaError) throw e;
      throw new ConfigError(this.kind, `the factory of type ${JSON.stringify(name)} failed: ${(e as Error)?.message ?? String(e)}`);
    }
    if (typeof component !== 'object' || component === null || typeof component.description !== 'object' || component.description === null) {
      throw new ConfigError(this.kind, `the factory of type ${JSON.stringify(name)} did not return a component with a description`);
    }
    return component;
  }

  /** Loads a plugin module for `name` (see the module comment). */
  private loadPlugin(name: string, path: string): void {
    const property = `${this.kind}.type`;
    if (path === '') throw new ConfigError(property, `"${name}:" gives no module path`);
    let loaded: unknown;
    try {
      const file = path.startsWith('.') || isAbsolute(path) ? resolve(process.cwd(), path) : require.resolve(path, { paths: [process.cwd()] });
      loaded = require(file) as unknown;
    } catch (e) {
      throw new ConfigError(property, `could not load the plugin module ${JSON.stringify(path)} for type ${JSON.stringify(name)}: ${(e as Error).message}`);
    }
    if (this.factories.has(name)) return; // the module registered the type itself
    const exported = loaded as { default?: unknown } | undefined;
    const factory = typeof loaded === 'function' ? loaded : typeof exported?.default === 'function' ? exported.default : undefined;
    if (factory === undefined) {
      throw new ConfigError(
        property,
        `the plugin module ${JSON.stringify(path)} neither registered type ${JSON.stringify(name)} nor exports a factory function (module.exports or default)`,
      );
    }
    this.register(name, factory as ComponentFactory<T>);
  }
}

/** Validator factories: `default`, `schema`, `eventbridge` built in. */
export const validatorRegistry = new ComponentRegistry<Validator>('validator');
validatorRegistry.register('default', createDefaultValidator);
validatorRegistry.register('schema', createSchemaValidator);
validatorRegistry.register('eventbridge', createEventBridgeValidator);

/** Partition selector factories: `default` and `key` built in. */
export const selectorRegistry = new ComponentRegistry<PartitionSelector>('selector');
selectorRegistry.register('default', createDefaultPartitionSelector);
selectorRegistry.register('key', createKeyPartitionSelector);

/** Serializer factories: `default` and `schema` built in. */
export const serializerRegistry = new ComponentRegistry<Serializer>('serializer');
serializerRegistry.register('default', createDefaultSerializer);
serializerRegistry.register('schema', createSchemaSerializer);

/** Registers (or replaces) a validator type. */
export function registerValidator(type: string, factory: ComponentFactory<Validator>): void {
  validatorRegistry.register(type, factory);
}

/** Registers (or replaces) a partition selector type. */
export function registerPartitionSelector(type: string, factory: ComponentFactory<PartitionSelector>): void {
  selectorRegistry.register(type, factory);
}

/** Registers (or replaces) a serializer type. */
export function registerSerializer(type: string, factory: ComponentFactory<Serializer>): void {
  serializerRegistry.register(type, factory);
}

/** Builds a validator from its description (object or JSON text; `undefined` = default). */
export function createValidator(description?: unknown): Validator {
  return validatorRegistry.create(description);
}

/** Builds a partition selector from its description (object or JSON text; `undefined` = default). */
export function createPartitionSelector(description?: unknown): PartitionSelector {
  return selectorRegistry.create(description);
}

/** Builds a serializer from its description (object or JSON text; `undefined` = default). */
export function createSerializer(description?: unknown): Serializer {
  return serializerRegistry.create(description);
}

/**
 * The info-topic record of a component: its description as compact JSON with keys in
 * Octopus's order, exactly the text Octopus writes for the same component.
 */
export function descriptionJson(component: Component): string {
  return canonicalJson(component.description);
}
