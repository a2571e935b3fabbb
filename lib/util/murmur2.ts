/**
 * The murmur2 hash exactly as the Java Kafka client computes it (`Utils.murmur2`), so that
 * a key hashed here lands on the same partition as the same key produced by a Java client
 * or by librdkafka's `murmur2` partitioner.
 */
import { ConfigError } from './errors';

/** Java's seed for `Utils.murmur2`. */
const SEED = 0x9747b28c;
/** Murmur2 mixing constants. */
const M = 0x5bd1e995;
const R = 24;

/**
 * Java-compatible murmur2 of `data`, as a signed 32-bit integer (Java's `int`).
 * Arithmetic is done with `Math.imul` and `| 0` so it wraps like Java's 32-bit `int`.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) | 0;
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The trailing 1-3 bytes fold in from the highest down, as Java's fall-through switch does.
  const rest = length & 3;
  if (rest >= 3) h ^= data[whole + 2]! << 16;
  if (rest >= 2) h ^= data[whole + 1]! << 8;
  if (rest >= 1) {
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition the Java client's default partitioner picks for a non-null key:
 * `toPositive(murmur2(key)) % numPartitions`, where `toPositive` clears the sign bit.
 * @throws ConfigError when `numPartitions` is not an integer in [1, 2^31 - 1].
 */
export function javaPartition(key: Uint8Array, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions < 1 || numPartitions > 0x7fffffff) {
    throw new ConfigError('numPartitions', `must be an integer between 1 and 2147483647, got ${String(numPartitions)}`);
  }
  return (murmur2(key) & 0x7fffffff) % numPartitions;
}
