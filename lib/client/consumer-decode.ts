/**
 * Decodes a native hand-off (one memory block with a layout of int32 rows) into Message
 * objects, and the error rows in it into KafkaErrors that say what librdkafka's codes mean.
 */
import type { Header, Message } from '../core/message';
import { nativeError, type NativeMessages } from '../native/binding';
import { ErrorCode, type KafkaError } from '../util/errors';

/** librdkafka's _AUTO_OFFSET_RESET: the offset to fetch is invalid and auto.offset.reset is 'error'. */
const AUTO_OFFSET_RESET = -140;
const AUTO_OFFSET_RESET_MESSAGE =
  "no offset to resume from, and auto.offset.reset is 'error': the committed (or assigned) offset is out of range (OFFSET_OUT_OF_RANGE: " +
  'past the end, or below the earliest offset after retention or deleteRecords), or none is committed';

/** librdkafka's _UNSUPPORTED_FEATURE: at the group level, a broker without the protocol asked for. */
const UNSUPPORTED_FEATURE = -165;
const KIP848_UNSUPPORTED_MESSAGE =
  'the broker does not support KIP-848 consumer groups (group.protocol=consumer needs ConsumerGroupHeartbeat v1: ' +
  'Kafka 4.0 or newer, or a broker with the new protocol enabled); the consumer keeps retrying and gets no partitions: ' +
  'use group.protocol=classic with this broker';

const EMPTY: Header[] = [];

/**
 * Pushes the messages of rows [from, to) of `batch` onto `target` and returns the bytes of
 * their keys, values and header values; error rows go to `onError` (end-of-partition markers are skipped).
 * `kip848`: the consumer asked for `group.protocol=consumer`, so a group-level
 * UNSUPPORTED_FEATURE means the broker lacks it.
 */
export function decodeMessages(batch: NativeMessages, from: number, to: number, target: Message[], kip848: boolean, onError: (error: KafkaError) => void): number {
  const { layout, offsets, timestamps, topics } = batch;
  // Keys and values are views of the batch's one buffer. Buffer.from(arrayBuffer, offset,
  // length) makes them without subarray()'s species lookup, the costliest step per message.
  const memory = batch.buffer.buffer;
  const base = batch.buffer.byteOffset;
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const o = i * 8;
    const err = layout[o + 7]!;
    const topic = topics[layout[o]!] ?? '';
    const partition = layout[o + 1]!;
    if (err !== 0) {
      // Group-level errors (e.g. GROUP_AUTHORIZATION_FAILED) come without a topic.
      if (err !== ErrorCode.PARTITION_EOF) {
        const at = topic ? `consuming ${topic} [${partition}]` : 'consumer group';
        // librdkafka's text ("No offset to automatically reset to") hides the cause; its
        // detail is not in the message row: say what the code means.
        const e =
          err === AUTO_OFFSET_RESET
            ? nativeError({ code: err, name: '_AUTO_OFFSET_RESET', message: AUTO_OFFSET_RESET_MESSAGE }, at)
            : err === UNSUPPORTED_FEATURE && !topic && kip848
              ? nativeError({ code: err, name: '_UNSUPPORTED_FEATURE', message: KIP848_UNSUPPORTED_MESSAGE }, at)
              : nativeError(err, at);
        onError(e);
      }
      continue;
    }
    const keyLen = layout[o + 3]!;
    const valueLen = layout[o + 5]!;
    const h = layout[o + 6]!;
    if (keyLen > 0) bytes += keyLen;
    if (valueLen > 0) bytes += valueLen;
    let headers = EMPTY;
    if (h >= 0) {
      headers = decodeHeaders(batch, h, memory, base);
      bytes += decodedHeaderBytes;
    }
    target.push({
      topic,
      partition,
      offset: offsets[i]!,
      key: keyLen < 0 ? null : Buffer.from(memory, base + layout[o + 2]!, keyLen),
      value: valueLen < 0 ? null : Buffer.from(memory, base + layout[o + 4]!, valueLen),
      headers,
      timestamp: timestamps[i]!,
    });
  }
  return bytes;
}

/** The bytes of the header values of the last {@link decodeHeaders} call (a second result, without an object per call). */
let decodedHeaderBytes = 0;

/** The headers of a message whose first header row is `first`: values are views of the batch's buffer. */
function decodeHeaders(batch: NativeMessages, first: number, memory: ArrayBufferLike, base: number): Header[] {
  const rows = batch.headerRows;
  const names = batch.headerNames;
  const count = rows[first * 4 + 3]!;
  const headers = new Array<Header>(count);
  let bytes = 0;
  for (let j = 0; j < count; j++) {
    const r = (first + j) * 4;
    const len = rows[r + 2]!;
    if (len > 0) bytes += len;
    headers[j] = [names[rows[r]!]!, len < 0 ? null : Buffer.from(memory, base + rows[r + 1]!, len)];
  }
  decodedHeaderBytes = bytes;
  return headers;
}
