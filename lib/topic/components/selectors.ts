/**
 * The built-in partition selectors. `default` is Octopus's: the hint modulo the partition
 * count, else round-robin. `key` is this library's addition: events with the same value of a
 * metadata field go to the partition a Java producer would pick for that value as a record key,
 * so related events stay in order. Octopus does not know `key`: it opens such a topic with the
 * topic's validator but its own default selector and serializer (and a warning), so its
 * producers do not route by key (see docs/migrating-from-octopus.md).
 */
import { javaPartition } from '../../util/murmur2';
import { ConfigError } from '../../util/errors';
import { getPath } from './json';
import { showJson } from './json-text';
import type { ComponentDescription, PartitionInfo, PartitionSelector } from './types';

/** Shared partition bookkeeping: the partition list and the round-robin cursor. */
abstract class BaseSelector implements PartitionSelector {
  abstract readonly description: ComponentDescription;
  private partitions: readonly PartitionInfo[] = [];
  private next = 0;

  setPartitions(partitions: readonly PartitionInfo[]): void {
    this.partitions = [...partitions];
  }

  /** Number of partitions, checked to be at least one. */
  protected count(): number {
    if (this.partitions.length === 0) {
      throw new ConfigError('partitions', 'the partition selector has no partition to select from (setPartitions was not called, or with an empty list)');
    }
    return this.partitions.length;
  }

  /** `hint % N`, when a hint is given; checks the hint. */
  protected fromHint(hint: number | undefined): number | undefined {
    if (hint === undefined) return undefined;
    if (!Number.isSafeInteger(hint) || hint < 0) {
      throw new ConfigError('partitionHint', `must be a non-negative integer, got ${String(hint)}`);
    }
    return hint % this.count();
  }

  /** The next partition in round-robin order (modulo the current count, should it have shrunk). */
  protected roundRobin(): number {
    const n = this.count();
    const index = this.next % n;
    this.next = (index + 1) % n;
    return index;
  }

  abstract selectPartitionFor(metadata: unknown, hint?: number): number;
}

/** With a hint, `hint % N`; without, round-robin over the partitions. */
export class DefaultPartitionSelector extends BaseSelector {
  readonly description: ComponentDescription = { type: 'default' };

  selectPartitionFor(_metadata: unknown, hint?: number): number {
    return this.fromHint(hint) ?? this.roundRobin();
  }
}

/**
 * Routes by a metadata field (`description.field`, a dotted path such as `user.id`): the Java
 * client's murmur2 partition of the field's UTF-8 text (a string as is, any other JSON value as
 * its JSON text). A hint takes precedence; a missing or null field falls back to round-robin.
 */
export class KeyPartitionSelector extends BaseSelector {
  readonly description: ComponentDescription;

  /** @throws ConfigError when `field` is not a non-empty string. */
  constructor(private readonly field: unknown) {
    super();
    if (typeof field !== 'string' || field === '' || field.split('.').includes('')) {
      throw new ConfigError('selector.field', `must name a metadata field (a non-empty dotted path), got ${showJson(field)}`);
    }
    this.description = { field, type: 'key' };
  }

  selectPartitionFor(metadata: unknown, hint?: number): number {
    const fromHint = this.fromHint(hint);
    if (fromHint !== undefined) return fromHint;
    const value = getPath(metadata, this.field as string);
    if (value === undefined || value === null) return this.roundRobin();
    // Any other value as the JSON text Octopus would write for it (bigints exact).
    const text = typeof value === 'string' ? value : showJson(value);
    return javaPartition(Buffer.from(text, 'utf8'), this.count());
  }
}

/** Factory of the `default` selector. */
export function createDefaultPartitionSelector(): PartitionSelector {
  return new DefaultPartitionSelector();
}

/** Factory of the `key` selector: `{"type":"key","field":"user"}`. */
export function createKeyPartitionSelector(description: ComponentDescription): PartitionSelector {
  return new KeyPartitionSelector(description.field);
}
