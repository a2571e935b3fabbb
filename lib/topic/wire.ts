/**
 * The Kafka message value of one topic event, byte-compatible with Octopus:
 *
 *     u64 metadataLen | u64 dataLen | metadata bytes | data bytes      (little-endian)
 *
 * The metadata bytes are whatever the topic's serializer produced (the default serializer adds
 * its own `u64 jsonLen` prefix; see `components/serializers`), so this module never looks inside
 * them. Both lengths equal to 2^64 - 1 is the end-of-stream marker.
 */
import { DecodeError } from '../util/errors';

/** Size of the two length fields that start every value. */
export const HEADER_SIZE = 16;

/** 2^32, to split lengths into the two 32-bit halves of a u64. */
const TWO_32 = 0x1_0000_0000;
/** Lengths from 2^53 up cannot be JavaScript numbers exactly; the high word must stay below this. */
const MAX_SAFE_HIGH_WORD = 0x20_0000;

/** A decoded event value: the serializer's metadata bytes and the data, both views of the value. */
export interface DecodedEvent {
  readonly kind: 'event';
  readonly metadata: Buffer;
  readonly data: Buffer;
}

/** The end-of-stream marker: no more events will follow in this partition. */
export interface DecodedEnd {
  readonly kind: 'end';
}

/** What {@link decodeEvent} returns. */
export type DecodedValue = DecodedEvent | DecodedEnd;

function writeU64(buf: Buffer, offset: number, n: number): void {
  buf.writeUInt32LE(n % TWO_32, offset);
  buf.writeUInt32LE(Math.floor(n / TWO_32), offset + 4);
}

/**
 * Encodes one event value. `data` may be several segments; they are concatenated in order.
 * Makes exactly one allocation, of the final size.
 */
export function encodeEvent(metadata: Uint8Array, data?: Uint8Array | readonly Uint8Array[]): Buffer {
  const segments: readonly Uint8Array[] = data === undefined ? [] : data instanceof Uint8Array ? [data] : data;
  let dataLen = 0;
  for (const s of segments) dataLen += s.length;
  const out = Buffer.allocUnsafe(HEADER_SIZE + metadata.length + dataLen);
  writeU64(out, 0, metadata.length);
  writeU64(out, 8, dataLen);
  out.set(metadata, HEADER_SIZE);
  let at = HEADER_SIZE + metadata.length;
  for (const s of segments) {
    out.set(s, at);
    at += s.length;
  }
  return out;
}

/** The 16-byte end-of-stream marker value (both lengths 0xFFFFFFFFFFFFFFFF). */
export function encodeEndOfStream(): Buffer {
  return Buffer.alloc(HEADER_SIZE, 0xff);
}

/** Reads a u64 length, rejecting values a JavaScript number cannot hold exactly. */
function readLength(buf: Buffer, offset: number, what: string): number {
  const low = buf.readUInt32LE(offset);
  const high = buf.readUInt32LE(offset + 4);
  if (high >= MAX_SAFE_HIGH_WORD) {
    const big = (BigInt(high) << 32n) | BigInt(low);
    throw new DecodeError(`event value: ${what} length ${big} is beyond 2^53 (corrupt or foreign message)`);
  }
  return high * TWO_32 + low;
}

function isAllOnes(buf: Buffer, offset: number): boolean {
  return buf.readUInt32LE(offset) === 0xffffffff && buf.readUInt32LE(offset + 4) === 0xffffffff;
}

/**
 * Checks one event value's header and returns where its data starts (its metadata spans
 * bytes 16 up to there), or -1 for the end-of-stream marker. No allocation.
 * @throws DecodeError as {@link decodeEvent}.
 */
export function eventDataStart(value: Uint8Array | null | undefined): number {
  if (value === null || value === undefined) {
    throw new DecodeError('event value is null (a tombstone or a message not written by a topic producer)');
  }
  if (value.length < HEADER_SIZE) {
    throw new DecodeError(`event value is ${value.length} bytes, shorter than its ${HEADER_SIZE}-byte header`);
  }
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (isAllOnes(buf, 0) && isAllOnes(buf, 8)) {
    if (buf.length !== HEADER_SIZE) {
      throw new DecodeError(`end-of-stream marker followed by ${buf.length - HEADER_SIZE} unexpected bytes`);
    }
    return -1;
  }
  const metadataLen = readLength(buf, 0, 'metadata');
  const dataLen = readLength(buf, 8, 'data');
  const expected = HEADER_SIZE + metadataLen + dataLen;
  if (expected !== buf.length) {
    throw new DecodeError(
      `event value is ${buf.length} bytes but its header announces ${expected} ` +
        `(16 + ${metadataLen} metadata + ${dataLen} data)`,
    );
  }
  return HEADER_SIZE + metadataLen;
}

/**
 * Decodes one event value. The returned `metadata` and `data` are views of `value`
 * (no copy): copy them if `value`'s memory is reused.
 * @throws DecodeError for a null value, a value shorter than 16 bytes, lengths beyond 2^53,
 *   lengths that do not add up to the value's size, or an end marker with trailing bytes.
 */
export function decodeEvent(value: Uint8Array | null | undefined): DecodedValue {
  const dataStart = eventDataStart(value);
  if (dataStart < 0) return { kind: 'end' };
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(value!.buffer, value!.byteOffset, value!.byteLength);
  return { kind: 'event', metadata: buf.subarray(HEADER_SIZE, dataStart), data: buf.subarray(dataStart) };
}
