/**
 * The producer's bookkeeping of messages in flight: one entry per batch (a single send is a
 * batch of one), their ids, and the delivery reports they collect until they settle.
 * Split from producer.ts, which keeps the class and its flow.
 */
import { BatchDelivery, topicAt, type TopicRuns } from '../core/batch-delivery';
import type { DeliveryReport, OutgoingMessage } from '../core/message';
import type { KafkaError } from '../util/errors';
import type { PackedRun } from './producer-packing';
import type { DeliveryCallback } from './types';

/**
 * Message ids carry their batch and their index in it: id = batch * BATCH_SPAN + index.
 * One pending entry per batch (not per message) keeps the hot path free of map churn.
 */
export const BATCH_SPAN = 2 ** 21;
/** The largest batch one sendBatch call takes (ids stay exact doubles). */
export const MAX_BATCH = BATCH_SPAN;

/** One message sent on its own (send / produce): the lightest record of it. */
export interface Single {
  message: OutgoingMessage;
  resolve: ((report: DeliveryReport) => void) | undefined;
  reject: ((error: KafkaError) => void) | undefined;
  callback: DeliveryCallback | undefined;
}

/** One batch of messages in flight: settles one promise, or one callback per message. */
export interface Pending {
  messages: OutgoingMessage[];
  remaining: number;
  /**
   * sendBatch's reports, field by field, until the last one arrives: the report objects
   * are built only then, so that they die young with the caller's use of them instead of
   * living (and being copied by every scavenge) while the batch is in flight.
   */
  fields?: ReportFields;
  error: KafkaError | null;
  resolve: ((reports: DeliveryReport[] | BatchDelivery) => void) | undefined;
  /** sendBatch with `reports: 'columns'`: resolves with a {@link BatchDelivery}. */
  columns?: boolean;
  reject: ((error: KafkaError) => void) | undefined;
  /** Fire-and-forget: called per message instead of settling a promise. */
  callback: DeliveryCallback | undefined;
  /**
   * Coalesced sends (one promise per message): `settlers[2i]` resolves message i (with
   * its report, or its offset when `offsetsOnly`), `settlers[2i + 1]` rejects it. A
   * message's own error then fails only that message.
   */
  settlers?: Array<(value: never) => void>;
  offsetsOnly?: boolean;
  /** Messages handed to librdkafka (or failed on their own) so far, in order. */
  done?: number;
  /** Already packed by the caller (the topic layer): `messages` is empty. */
  packed?: PackedRun;
  /**
   * Once every message is in librdkafka, the batch lets go of the message objects (so that
   * they die young instead of living until the last delivery report) and keeps only their
   * count and, per packed run, `[firstIndex, topic, ...]`.
   */
  count?: number;
  runTopics?: Array<number | string>;
  /** The arenas packed for this batch and handed to librdkafka: reused once it completes. */
  arenas?: Buffer[];
}

/** A batch's delivery reports so far: partition, offset (as int32 words) and timestamp per message. */
interface ReportFields {
  partitions: Int32Array;
  offsetWords: Int32Array;
  timestamps: Float64Array;
}

export function reportFields(count: number): ReportFields {
  return { partitions: new Int32Array(count), offsetWords: new Int32Array(2 * count), timestamps: new Float64Array(count) };
}

/** The topic runs of a whole batch (for its {@link BatchDelivery}). */
function topicRuns(p: Pending): TopicRuns {
  if (p.packed) return [0, p.packed.topic];
  if (p.count !== undefined && p.runTopics) return p.runTopics;
  const runs: Array<number | string> = [];
  let last: string | undefined;
  for (let i = 0; i < p.messages.length; i++) {
    const topic = p.messages[i]!.topic;
    if (topic !== last) runs.push(i, topic);
    last = topic;
  }
  return runs;
}

/** A completed batch's reports, as sendBatch resolves with them. */
export function deliveredBatch(p: Pending, fields: ReportFields): BatchDelivery | DeliveryReport[] {
  const { partitions, offsetWords, timestamps } = fields;
  const offsets = new BigInt64Array(offsetWords.buffer, offsetWords.byteOffset, partitions.length);
  const delivered = new BatchDelivery(partitions, offsets, timestamps, topicRuns(p));
  return p.columns ? delivered : delivered.toArray();
}

/** How many messages a batch holds. */
export function sizeOf(p: Pending): number {
  return p.packed ? p.packed.count : (p.count ?? p.messages.length);
}

/** The topic of a batch's message `index`. */
export function topicOf(p: Pending, index: number): string {
  if (p.packed) return p.packed.topic;
  const runs = p.count === undefined ? undefined : p.runTopics;
  if (!runs) return p.messages[index]?.topic ?? '';
  return topicAt(runs, index);
}

/**
 * Drops a fully enqueued batch's message objects; topicOf answers from the packed runs.
 * runTopics covers every index when it exists: it is started by the first packed run, which
 * is at index 0 (a batch whose first run is too short to pack never packs one), and every
 * later run or message enqueued adds its entry. Only with few runs: topicOf scans them, and
 * a batch that changes topic at every message keeps its objects (and topicOf its direct
 * lookup).
 */
export const RELEASE_MAX_RUNS = 32;

export function releaseMessages(p: Pending, total: number): void {
  p.count = total;
  p.messages = [];
}
