/**
 * The pushes of one tick, encoded straight into one buffer in the wire format of `wire.ts`
 * (`u64 metadataLen | u64 dataLen | metadata | data`) and handed to the raw producer in one
 * native call, which reads the payloads from that buffer without copying them. Per event this
 * costs one write of its bytes and one layout row: no Buffer, message object or copy of its own.
 */
import type { PackedRun } from '../client/producer-packing';
import { HEADER_SIZE } from './wire';

/** The `u64 jsonLen` prefix of the built-in serializers' metadata. */
const JSON_PREFIX = 8;
/** Layout columns per message: partition, key offset, key length, value offset, value length. */
const ROW = 5;
/** A batch stops growing here; the next event starts another (layout offsets are int32). */
export const MAX_BATCH_BYTES = 64 << 20;

/** Sum of the segments' lengths. */
export function dataLength(segments: readonly Uint8Array[]): number {
  let n = 0;
  for (const s of segments) n += s.length;
  return n;
}

export class EventBatch {
  private arena: Buffer;
  /** Little-endian writes into the arena at any alignment (cheaper than Buffer's checked writes). */
  private view: DataView;
  private layout: Int32Array;
  private pos = 0;
  /** Events in the batch. */
  count = 0;
  /** `settlers[2i]` resolves event i with its offset, `settlers[2i + 1]` rejects it. */
  readonly settlers: Array<(value: never) => void> = [];

  constructor(capacity: number) {
    // Not from the pool: librdkafka holds the memory until the last delivery report.
    this.arena = Buffer.allocUnsafeSlow(capacity);
    this.view = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.byteLength);
    this.layout = new Int32Array(ROW * 256);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.pos;
  }

  /** Whether an event of at most `bytes` still fits under {@link MAX_BATCH_BYTES}. */
  fits(bytes: number): boolean {
    return this.count === 0 || this.pos + bytes <= MAX_BATCH_BYTES;
  }

  /** Worst-case size of an event whose metadata is JSON `text` (UTF-8: ≤ 3 bytes per UTF-16 unit). */
  static textEventBound(text: string, dataLen: number): number {
    return HEADER_SIZE + JSON_PREFIX + 3 * text.length + dataLen;
  }

  /** Adds an event whose metadata is `u64 jsonLen | text` (the built-in serializers' bytes). */
  addText(partition: number, text: string, segments: readonly Uint8Array[], dataLen: number): void {
    this.reserve(EventBatch.textEventBound(text, dataLen));
    const start = this.pos;
    const arena = this.arena;
    const jsonLen = arena.write(text, start + HEADER_SIZE + JSON_PREFIX, 'utf8');
    this.writeLength(start, JSON_PREFIX + jsonLen);
    this.writeLength(start + 8, dataLen);
    this.writeLength(start + HEADER_SIZE, jsonLen);
    this.finish(partition, start, start + HEADER_SIZE + JSON_PREFIX + jsonLen, segments);
  }

  /** Adds an event whose metadata bytes a serializer made. */
  addBytes(partition: number, metadata: Uint8Array, segments: readonly Uint8Array[], dataLen: number): void {
    this.reserve(HEADER_SIZE + metadata.length + dataLen);
    const start = this.pos;
    this.writeLength(start, metadata.length);
    this.writeLength(start + 8, dataLen);
    this.arena.set(metadata, start + HEADER_SIZE);
    this.finish(partition, start, start + HEADER_SIZE + metadata.length, segments);
  }

  /** The batch as the raw producer takes it. */
  toRun(topic: string): PackedRun {
    return { topic, count: this.count, arena: this.arena, layout: this.layout.subarray(0, this.count * ROW), timestamps: null, headerRows: null, headerSpans: null };
  }

  private finish(partition: number, start: number, dataStart: number, segments: readonly Uint8Array[]): void {
    let at = dataStart;
    for (const s of segments) {
      this.arena.set(s, at);
      at += s.length;
    }
    const row = this.count * ROW;
    if (row + ROW > this.layout.length) {
      const grown = new Int32Array(this.layout.length * 2);
      grown.set(this.layout);
      this.layout = grown;
    }
    const layout = this.layout;
    layout[row] = partition;
    layout[row + 1] = 0;
    layout[row + 2] = -1; // no key
    layout[row + 3] = start;
    layout[row + 4] = at - start;
    this.pos = at;
    this.count++;
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.arena.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.arena.length * 2, this.pos + bytes));
    this.arena.copy(grown, 0, 0, this.pos);
    this.arena = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  /** A u64 little-endian length (every length here is below 2^31). */
  private writeLength(offset: number, n: number): void {
    this.view.setUint32(offset, n, true);
    this.view.setUint32(offset + 4, 0, true);
  }
}
