/**
 * The producer's arenas, reused. librdkafka reads an arena's keys and values in place until
 * the last delivery report of its messages, so an arena outlives V8's young generation;
 * being memory outside the JS heap, a fresh arena per batch was freed only by the
 * mark-compacts its own growth set off (sending 100 B messages in batches of 10,000:
 * 21-27 mark-compacts per 6,000,000 messages with fresh arenas, 8-11 with reused ones; peak
 * RSS 168-178 against 143-152 MiB). An arena whose messages have all reported comes back here.
 */

/** Runs smaller than this get memory of their own: too small to matter to the collector. */
export const POOLED_MIN = 64 << 10;
/** Runs larger than this too (a batch's runs are sliced at 4 MiB, see SLICE_BYTES). */
export const POOLED_MAX = 8 << 20;
/** Idle arenas kept per producer; beyond that, returned arenas are left to the collector. */
export const IDLE_MAX_BYTES = 16 << 20;

/**
 * The capacity an arena of `size` bytes is made with: `size` rounded up to a quarter of its
 * power of two, so that a reused arena wastes under a quarter of itself and arenas of
 * similar runs are interchangeable.
 */
export function capacityFor(size: number): number {
  const base = 2 ** Math.floor(Math.log2(size));
  const step = base / 4;
  return base + Math.ceil((size - base) / step) * step;
}

/** Arenas for one producer: {@link take} one per packed run, {@link give} it back once done. */
export class ArenaPool {
  private readonly idle = new Map<number, ArrayBuffer[]>(); // capacity -> idle arenas' memory
  private idleBytes = 0;

  /** A Buffer of exactly `size` bytes, not zeroed: reused memory when some is idle. */
  take(size: number): Buffer {
    if (size < POOLED_MIN || size > POOLED_MAX) return Buffer.allocUnsafeSlow(size);
    const capacity = capacityFor(size);
    const memory = this.idle.get(capacity)?.pop();
    if (memory) {
      this.idleBytes -= capacity;
      return Buffer.from(memory, 0, size);
    }
    // allocUnsafeSlow: memory of its own (never the shared pool), so the whole ArrayBuffer is the arena's.
    return Buffer.allocUnsafeSlow(capacity).subarray(0, size);
  }

  /**
   * Takes back an arena from {@link take} once nothing reads it any more: librdkafka reported
   * every message packed in it. Each arena must be given back at most once.
   */
  give(arena: Buffer): void {
    const memory = arena.buffer;
    const capacity = memory.byteLength;
    if (arena.byteOffset !== 0 || !(memory instanceof ArrayBuffer) || capacity < POOLED_MIN || capacity > POOLED_MAX || capacityFor(capacity) !== capacity) return;
    if (this.idleBytes + capacity > IDLE_MAX_BYTES) return;
    let list = this.idle.get(capacity);
    if (!list) this.idle.set(capacity, (list = []));
    list.push(memory);
    this.idleBytes += capacity;
  }

  /** Bytes of idle arenas held. */
  get idleSize(): number {
    return this.idleBytes;
  }

  /** Lets go of every idle arena (the producer closed). */
  clear(): void {
    this.idle.clear();
    this.idleBytes = 0;
  }
}
