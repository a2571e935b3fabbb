/**
 * KafkaJS's partitioners: `DefaultPartitioner` (Java-compatible murmur2, KafkaJS 2's default),
 * `LegacyPartitioner` (KafkaJS 1's default, whose murmur2 differs from Java's) and the
 * deprecated alias `JavaCompatiblePartitioner`.
 */
import { randomBytes } from 'node:crypto';

import { murmur2 } from '../util/murmur2';
import type { ICustomPartitioner, PartitionerArgs, PartitionMetadata } from './types';

const toPositive = (x: number): number => x & 0x7fffffff;

function keyBytes(key: Buffer | string): Buffer {
  return Buffer.isBuffer(key) ? key : Buffer.from(String(key));
}

/**
 * KafkaJS 1's murmur2: the same steps as Java's, but with JavaScript's floating-point `*`
 * (which loses the low bits of large products) instead of 32-bit integer multiplication, so
 * most keys hash differently from Java's. Kept bit-for-bit so that LegacyPartitioner places
 * keys where KafkaJS 1 did.
 */
export function legacyMurmur2(key: Buffer | string): number {
  const data = keyBytes(key);
  const length = data.length;
  const M = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const words = length / 4;
  for (let i = 0; i < words; i++) {
    const at = i * 4;
    let k = (data[at]! & 0xff) + ((data[at + 1]! & 0xff) << 8) + ((data[at + 2]! & 0xff) << 16) + ((data[at + 3]! & 0xff) << 24);
    k *= M;
    k ^= k >>> 24;
    k *= M;
    h *= M;
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length % 4;
  // Java's fall-through switch: the highest trailing byte first.
  if (rest >= 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail]! & 0xff;
    h *= M;
  }
  h ^= h >>> 13;
  h *= M;
  h ^= h >>> 15;
  return h;
}

/** Java's murmur2 of a key (a Buffer, or a string hashed as its UTF-8 bytes). */
export function javaMurmur2(key: Buffer | string): number {
  return murmur2(keyBytes(key));
}

/**
 * The KafkaJS partitioning strategy over a hash function: an explicit partition wins; a
 * keyed message goes to `hash(key) % partitions`; an unkeyed one round-robins over the
 * partitions that have a leader.
 */
function strategy(hash: (key: Buffer | string) => number): ICustomPartitioner {
  return () => {
    const counters = new Map<string, number>();
    // The partitions with a leader, for the metadata array last seen (a producer passes the
    // same cached array for every message of a topic): filtering per message cost a fresh
    // array the size of the topic for each unkeyed message.
    let seen: PartitionMetadata[] | undefined;
    let withLeader: PartitionMetadata[] = [];
    return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
      let counter = counters.get(topic);
      if (counter === undefined) counter = randomBytes(4).readUInt32BE(0);
      if (message.partition !== null && message.partition !== undefined) return message.partition;
      const numPartitions = partitionMetadata.length;
      if (message.key !== null && message.key !== undefined) return toPositive(hash(message.key)) % numPartitions;
      if (partitionMetadata !== seen) {
        seen = partitionMetadata;
        withLeader = partitionMetadata.filter((p) => p.leader >= 0);
      }
      counter++;
      counters.set(topic, counter);
      if (withLeader.length > 0) return withLeader[toPositive(counter) % withLeader.length]!.partitionId;
      return toPositive(counter) % numPartitions;
    };
  };
}

/** KafkaJS's partitioners. */
export const Partitioners: {
  /** Java-compatible (murmur2 as Java's client and librdkafka's `murmur2_random` hash keys). KafkaJS 2's default. */
  DefaultPartitioner: ICustomPartitioner;
  /** KafkaJS 1's default partitioner (its own murmur2 variant). */
  LegacyPartitioner: ICustomPartitioner;
  /** @deprecated Use DefaultPartitioner: the same partitioner under its KafkaJS 1 name. */
  JavaCompatiblePartitioner: ICustomPartitioner;
} = {
  DefaultPartitioner: strategy(javaMurmur2),
  LegacyPartitioner: strategy(legacyMurmur2),
  JavaCompatiblePartitioner: strategy(javaMurmur2),
};
