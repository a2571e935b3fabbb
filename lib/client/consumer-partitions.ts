/**
 * The consumer's partition arguments and results: what the application gives is checked
 * and converted for the native calls (a wrong type is a TypeError naming it, before native
 * code sees it), and what native code returns is copied into the public shapes.
 */
import type { Message, TopicPartition, TopicPartitionOffset } from '../core/message';
import type { NativePartition, NativePartitionInput } from '../native/binding';

/** A partition's key in the consumer's maps and sets. */
export function partitionKey(p: TopicPartition): string {
  return `${p.partition}:${p.topic}`;
}

/** Partitions given by the application, for a native call. */
export function toNative(partitions: Array<TopicPartition & { offset?: bigint }>): NativePartitionInput[] {
  if (!Array.isArray(partitions)) throw new TypeError('partitions must be an array of { topic, partition, offset? }');
  return partitions.map((p) => {
    if (!p || typeof p.topic !== 'string' || !Number.isInteger(p.partition)) {
      throw new TypeError('each partition needs a string topic and an integer partition');
    }
    return p.offset === undefined ? { topic: p.topic, partition: p.partition } : { topic: p.topic, partition: p.partition, offset: toOffset(p.offset, `${p.topic} [${p.partition}]`) };
  });
}

/** An offset given as a bigint or an integer number (a string or a fraction is a TypeError). */
function toOffset(offset: unknown, where: string): bigint {
  if (typeof offset === 'bigint') return offset;
  if (typeof offset === 'number' && Number.isSafeInteger(offset)) return BigInt(offset);
  throw new TypeError(`the offset of ${where} must be a bigint (or an integer number), got ${typeof offset === 'string' ? JSON.stringify(offset) : typeof offset}`);
}

/** A message position argument: `{ topic, partition, offset }`. */
export function checkPosition(what: string, m: unknown): void {
  const p = m as Partial<Message> | null;
  if (p === null || typeof p !== 'object' || typeof p.topic !== 'string' || !Number.isInteger(p.partition) || typeof p.offset !== 'bigint') {
    throw new TypeError(`${what} needs { topic: string, partition: integer, offset: bigint }`);
  }
}

/** Partitions native code returned, in the public shape. */
export function fromNative(list: NativePartition[]): TopicPartitionOffset[] {
  return list.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
}
