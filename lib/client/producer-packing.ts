/**
 * The checks of outgoing messages and their packing for produceArena: a run of messages to
 * one topic becomes one Buffer of keys and values and an int32 layout, so that a batch
 * crosses into native code in one call. Split from producer.ts, which keeps the class.
 */
import type { OutgoingMessage } from '../core/message';

/** A run of messages to one topic, packed for produceArena. */
export interface PackedRun {
  topic: string;
  count: number;
  arena: Buffer;
  layout: Int32Array;
  timestamps: Float64Array | null;
  headers: Array<Array<[string, Uint8Array | string | null]> | undefined> | null;
}

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
 */
export function packRun(messages: OutgoingMessage[], from: number, maxBytes = MAX_ARENA, checked = from): PackedRun {
  const first = messages[from];
  if (from >= checked) checkMessage(first, from);
  const topic = first!.topic;
  let end = from;
  let size = 0;
  let hasTimestamps = false;
  let hasHeaders = false;
  const lengths = scratchOf('lengths', 2 * (messages.length - from), messages.length - from);
  for (; end < messages.length; end++) {
    const m = messages[end]!;
    if (end >= checked) checkMessage(m, end);
    if (m.topic !== topic) break;
    const keyLen = payloadLength(m.key);
    const valueLen = payloadLength(m.value);
    if (size + Math.max(0, keyLen) + Math.max(0, valueLen) > maxBytes && end > from) break;
    lengths[2 * (end - from)] = keyLen;
    lengths[2 * (end - from) + 1] = valueLen;
    size += Math.max(0, keyLen) + Math.max(0, valueLen);
    if (m.timestamp !== undefined && m.timestamp !== null) hasTimestamps = true;
    if (m.headers !== undefined && m.headers !== null) hasHeaders = true;
  }
  const count = end - from;
  const arena = Buffer.allocUnsafeSlow(size);
  const layout = scratchOf('layout', count * 5, count);
  const timestamps = hasTimestamps ? new Float64Array(count) : null;
  const headers = hasHeaders ? new Array<Array<[string, Uint8Array | string | null]> | undefined>(count) : null;
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
    if (headers && m.headers) headers[i] = Array.isArray(m.headers) ? m.headers : Object.entries(m.headers);
  }
  return { topic, count, arena, layout, timestamps, headers };
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
