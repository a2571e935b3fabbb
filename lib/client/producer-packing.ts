/**
 * The checks of outgoing messages and their packing for produceArena: a run of messages to
 * one topic becomes one Buffer of keys, values and headers and int32 layouts, so that a
 * batch crosses into native code in one call. Split from producer.ts, which keeps the class.
 */
import type { OutgoingMessage } from '../core/message';

/** A run of messages to one topic, packed for produceArena. */
export interface PackedRun {
  topic: string;
  count: number;
  arena: Buffer;
  layout: Int32Array;
  timestamps: Float64Array | null;
  /** Headers packed in the arena: 4 int32 per header (name offset, name length, value
   * offset, value length or -1 for null); null when no message of the run has any. */
  headerRows: Int32Array | null;
  /** 2 int32 per message: its first row in headerRows and its number of headers. */
  headerSpans: Int32Array | null;
}

type HeaderValue = Uint8Array | string | null;

/** Batches smaller than this are copied message by message instead of packed. */
export const ARENA_MIN = 8;

/** Runs stay below this many payload bytes (layout offsets are int32). */
const MAX_ARENA = 1 << 30;
/**
 * Bytes of keys and values packed per slice of a batch. Packing copies on the JavaScript
 * thread: a sendBatch of 10,000 × 16 KiB (160 MB) held the event loop for ~95 ms (p99) in
 * one piece; in slices of 4 MiB with a return to the event loop between them, each holds it
 * for a few milliseconds.
 */
export const SLICE_BYTES = 4 << 20;

/** Byte length of a checked key or value; -1 for none. */
function payloadLength(v: string | Uint8Array | null | undefined): number {
  if (v === null || v === undefined) return -1;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.byteLength;
}

function isPayload(v: unknown): boolean {
  return v === null || v === undefined || typeof v === 'string' || v instanceof Uint8Array;
}

/**
 * Checks one outgoing message before anything of it reaches librdkafka.
 * @param index its place in a batch, or -1 for a single message (named in the error).
 */
export function checkMessage(m: OutgoingMessage | undefined, index: number): void {
  const name = index < 0 ? 'message' : `messages[${index}]`;
  if (m === null || typeof m !== 'object') throw new TypeError(`${name} must be an object with topic and value`);
  if (typeof m.topic !== 'string' || m.topic.length === 0) throw new TypeError(`${name}.topic must be a non-empty string`);
  if (!isPayload(m.key)) throw new TypeError(`${name}.key must be a Buffer, Uint8Array, string or null`);
  if (!isPayload(m.value)) throw new TypeError(`${name}.value must be a Buffer, Uint8Array, string or null`);
  const partition = m.partition;
  if (partition !== undefined && partition !== null && (!Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff)) {
    throw new TypeError(`${name}.partition must be a non-negative integer`);
  }
  if (m.timestamp !== undefined && m.timestamp !== null && (typeof m.timestamp !== 'number' || !Number.isFinite(m.timestamp))) {
    throw new TypeError(`${name}.timestamp must be a number (ms since the epoch)`);
  }
  if (m.headers !== undefined && m.headers !== null) checkHeaders(m.headers, name);
}

/**
 * Scratch memory of packRun, reused from call to call: the key/value lengths it measures,
 * and the layout, which produceArena reads during the call and does not keep. (Allocating
 * them per call cost a growing array and 200 KB of fresh zeroed memory per 10,000 messages.)
 */
const scratch = { lengths: new Int32Array(2 * 1024), layout: new Int32Array(5 * 1024) };
/** Runs longer than this get memory of their own, so that one huge batch is not kept for good. */
const SCRATCH_MAX_MESSAGES = 65_536;

/** Scratch memory of `length` int32s for a run of `messages` messages. */
function scratchOf(name: keyof typeof scratch, length: number, messages: number): Int32Array {
  if (scratch[name].length >= length) return scratch[name];
  const fresh = new Int32Array(length);
  if (messages <= SCRATCH_MAX_MESSAGES) scratch[name] = fresh;
  return fresh;
}

/**
 * Validates messages[from..] up to the first one of another topic and packs their keys
 * and values into one Buffer. The returned layout is scratch memory: valid until the next
 * call.
 * @param checked messages before this index were validated already (by an earlier call).
 * @param allocate makes the arena (of exactly the bytes asked for; need not be zeroed).
 */
export function packRun(messages: OutgoingMessage[], from: number, maxBytes = MAX_ARENA, checked = from, allocate: (size: number) => Buffer = Buffer.allocUnsafeSlow): PackedRun {
  const first = messages[from];
  if (from >= checked) checkMessage(first, from);
  const topic = first!.topic;
  let end = from;
  let size = 0;
  let hasTimestamps = false;
  let headers: HeaderPacker | null = null; // made at the first message with headers
  const lengths = scratchOf('lengths', 2 * (messages.length - from), messages.length - from);
  for (; end < messages.length; end++) {
    const m = messages[end]!;
    if (end >= checked) checkMessage(m, end);
    if (m.topic !== topic) break;
    const keyLen = payloadLength(m.key);
    const valueLen = payloadLength(m.value);
    let bytes = Math.max(0, keyLen) + Math.max(0, valueLen);
    if (m.headers !== undefined && m.headers !== null) bytes += (headers ??= new HeaderPacker()).measure(m.headers);
    if (size + bytes > maxBytes && end > from) break;
    lengths[2 * (end - from)] = keyLen;
    lengths[2 * (end - from) + 1] = valueLen;
    size += bytes;
    headers?.accept();
    if (m.timestamp !== undefined && m.timestamp !== null) hasTimestamps = true;
  }
  const count = end - from;
  const arena = allocate(size);
  const layout = scratchOf('layout', count * 5, count);
  const timestamps = hasTimestamps ? new Float64Array(count) : null;
  const packer = headers !== null && headers.count > 0 ? headers : null;
  packer?.allocate(count);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const m = messages[from + i]!;
    const o = i * 5;
    layout[o] = m.partition ?? -1;
    const keyLen = lengths[2 * i]!;
    layout[o + 1] = pos;
    layout[o + 2] = keyLen;
    if (keyLen > 0) pos += copyInto(arena, m.key!, pos);
    const valueLen = lengths[2 * i + 1]!;
    layout[o + 3] = pos;
    layout[o + 4] = valueLen;
    if (valueLen > 0) pos += copyInto(arena, m.value!, pos);
    if (timestamps) timestamps[i] = m.timestamp ?? 0;
    if (packer) pos = packer.write(i, m.headers, arena, pos);
  }
  return { topic, count, arena, layout, timestamps, headerRows: packer?.rows ?? null, headerSpans: packer?.spans ?? null };
}

/**
 * The headers of a run: measured message by message while the run grows, then written
 * into its arena. Each distinct name is written once; its rows point at that copy.
 */
class HeaderPacker {
  /** Headers of the accepted messages. */
  count = 0;
  rows: Int32Array | null = null;
  spans: Int32Array | null = null;
  private pending = 0;
  private row = 0;
  private readonly names = new Map<string, number>(); // name -> its index in nameAt / nameLength
  private readonly nameAt: number[] = [];
  private readonly nameLength: number[] = [];

  /** Bytes that a message's headers add to the arena (names new to the run included). */
  measure(headers: NonNullable<OutgoingMessage['headers']>): number {
    let bytes = 0;
    forEachHeader(headers, (name, value) => {
      this.pending++;
      bytes += Math.max(0, payloadLength(value));
      if (!this.names.has(name)) {
        const length = Buffer.byteLength(name);
        this.names.set(name, this.nameAt.length);
        this.nameAt.push(-1);
        this.nameLength.push(length);
        bytes += length;
      }
    });
    return bytes;
  }

  /** The message last measured is part of the run (one left out adds only names no row uses). */
  accept(): void {
    this.count += this.pending;
    this.pending = 0;
  }

  allocate(messages: number): void {
    this.rows = new Int32Array(this.count * 4);
    this.spans = new Int32Array(messages * 2);
  }

  /** Writes message `i`'s headers at `pos` and returns the position after them. */
  write(i: number, headers: OutgoingMessage['headers'], arena: Buffer, pos: number): number {
    const rows = this.rows!;
    this.spans![2 * i] = this.row;
    if (headers !== undefined && headers !== null) {
      forEachHeader(headers, (name, value) => {
        const r = 4 * this.row++;
        const n = this.names.get(name)!;
        if (this.nameAt[n]! < 0) {
          this.nameAt[n] = pos;
          pos += arena.write(name, pos);
        }
        rows[r] = this.nameAt[n]!;
        rows[r + 1] = this.nameLength[n]!;
        rows[r + 2] = pos;
        const valueLength = value === null ? -1 : copyInto(arena, value, pos);
        rows[r + 3] = valueLength;
        if (valueLength > 0) pos += valueLength;
      });
    }
    this.spans![2 * i + 1] = this.row - this.spans![2 * i]!;
    return pos;
  }
}

/** Calls `f` for each header of a checked message, in order: [name, value] pairs or an object's own properties. */
function forEachHeader(headers: NonNullable<OutgoingMessage['headers']>, f: (name: string, value: HeaderValue) => void): void {
  if (Array.isArray(headers)) {
    for (const [name, value] of headers) f(name, value);
  } else {
    for (const name of Object.keys(headers)) f(name, headers[name] as HeaderValue);
  }
}

function copyInto(arena: Buffer, v: Buffer | Uint8Array | string, pos: number): number {
  if (typeof v === 'string') return arena.write(v, pos);
  arena.set(v, pos);
  return v.byteLength;
}

function checkHeaders(headers: unknown, name: string): void {
  const ok = (v: unknown): boolean => v === null || typeof v === 'string' || v instanceof Uint8Array;
  if (Array.isArray(headers)) {
    for (const pair of headers) {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string' || !ok(pair[1])) {
        throw new TypeError(`${name}.headers must be [name, Buffer | Uint8Array | string | null] pairs`);
      }
    }
  } else if (typeof headers === 'object') {
    for (const v of Object.values(headers as object)) {
      if (!ok(v)) throw new TypeError(`${name}.headers values must be Buffer, Uint8Array, string or null`);
    }
  } else {
    throw new TypeError(`${name}.headers must be an array of [name, value] pairs or an object`);
  }
}
