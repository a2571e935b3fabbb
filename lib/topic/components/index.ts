/** The topic components: interfaces, built-ins and the registries that rebuild them from descriptions. */
export type {
  Component,
  ComponentDescription,
  ComponentFactory,
  PartitionInfo,
  PartitionSelector,
  Serializer,
  Validator,
} from './types';
export {
  ComponentRegistry,
  createPartitionSelector,
  createSerializer,
  createValidator,
  descriptionJson,
  registerPartitionSelector,
  registerSerializer,
  registerValidator,
  selectorRegistry,
  serializerRegistry,
  validatorRegistry,
} from './registry';
export { DefaultValidator, EventBridgeValidator, SchemaValidator } from './validators';
export { DefaultPartitionSelector, KeyPartitionSelector } from './selectors';
export { DefaultSerializer, SchemaSerializer, decodeJsonMetadata, encodeJsonMetadata } from './serializers';
export { compileEventPattern, type Mismatch, type PatternMatcher } from './eventbridge';
export { canonicalJson } from './json';
