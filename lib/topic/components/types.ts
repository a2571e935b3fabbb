/**
 * The three pluggable components of a topic, as interfaces. A topic's components are stored in
 * its info topic as their JSON descriptions and rebuilt from them when the topic is opened, by
 * this library or by Octopus, so a description must say everything needed to rebuild one.
 */

/** A component's JSON description: an object whose `type` names the implementation. */
export interface ComponentDescription {
  /** Implementation name; absent means `default`. `name:path` loads a plugin (see the registry). */
  readonly type?: string;
  readonly [key: string]: unknown;
}

/** What every component has: its own description, as written to the info topic. */
export interface Component {
  /**
   * The description this component is rebuilt from. For the built-in components the keys are
   * sorted the way Octopus (nlohmann::json) writes them, so that `JSON.stringify(description)`
   * is byte for byte what Octopus writes for the same component.
   */
  readonly description: ComponentDescription;
}

/** Accepts or rejects an event before it is serialized. */
export interface Validator extends Component {
  /**
   * Throws a `ValidationError` naming the offending field when the event is invalid.
   * @param metadata the event's metadata (a JSON value).
   * @param data the event's data segments, for validators that look at data (built-ins do not).
   */
  validate(metadata: unknown, data?: readonly Uint8Array[]): void;
}

/** One partition of a topic, as Octopus passes it to selectors. */
export interface PartitionInfo {
  /** The partition number. */
  readonly partition_id: number;
}

/** Chooses the partition an event goes to. */
export interface PartitionSelector extends Component {
  /** Called when the topic is opened (and whenever its partition count changes). */
  setPartitions(partitions: readonly PartitionInfo[]): void;
  /**
   * The index, in the list given to {@link setPartitions}, of the partition for this event.
   * @param hint the producer's partition hint, if any.
   * @throws ConfigError when no partition was set or the hint is not a non-negative integer.
   */
  selectPartitionFor(metadata: unknown, hint?: number): number;
}

/** Turns metadata into the metadata bytes of an event value, and back. */
export interface Serializer extends Component {
  /** @throws ValidationError when the metadata cannot be serialized (or fails a schema). */
  serialize(metadata: unknown): Buffer;
  /**
   * Optional fast path for serializers whose bytes are `u64 byteLength | UTF-8 text` (the
   * built-in ones): the text alone, which the producer writes straight into its batch
   * instead of allocating the bytes. Must equal what `serialize` frames, and throw the same.
   */
  serializeText?(metadata: unknown): string;
  /** @throws DecodeError when the bytes are not what this serializer writes. */
  deserialize(bytes: Uint8Array): unknown;
  /**
   * Optional fast path: `deserialize(buf.subarray(start, end))` without making the view.
   * Must return and throw exactly what `deserialize` would.
   */
  deserializeRange?(buf: Buffer, start: number, end: number): unknown;
}

/** Builds a component from its description (already checked to be an object). */
export type ComponentFactory<T extends Component> = (description: ComponentDescription) => T;
