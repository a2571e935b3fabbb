/** Messages as the raw clients send and receive them. */

/** A header: a name and a value (null for a header without value). Order and repeats are kept. */
export type Header = [name: string, value: Buffer | null];

/** A message to produce. */
export interface OutgoingMessage {
  /** The topic to write to. */
  topic: string;
  /** The message value; null is a tombstone. */
  value: Buffer | Uint8Array | string | null;
  /** The message key: the default partitioner hashes it (murmur2, as the Java client), so equal keys go to the same partition. */
  key?: Buffer | Uint8Array | string | null;
  /** An explicit partition; otherwise the partitioner picks one (murmur2 of the key, Java-compatible). */
  partition?: number;
  /** Record headers: `[name, value]` pairs (order and repeats kept) or an object. */
  headers?: Array<[string, Buffer | Uint8Array | string | null]> | Record<string, Buffer | Uint8Array | string | null>;
  /** Creation time in ms since the epoch (default: now). */
  timestamp?: number;
}

/** Where a produced message landed. */
export interface DeliveryReport {
  /** The topic the message was written to. */
  topic: string;
  /** The partition the message was written to. */
  partition: number;
  /** The message's offset: an exact 64-bit integer. */
  offset: bigint;
  /** The message timestamp in ms since the epoch (the broker's, with `LogAppendTime` topics). */
  timestamp: number;
}

/** A consumed message. */
export interface Message {
  /** The topic the message was read from. */
  topic: string;
  /** The partition the message was read from. */
  partition: number;
  /** The message's offset in its partition: an exact 64-bit integer. */
  offset: bigint;
  /** The message key; null when the message has none. A view into the batch's buffer, not a copy. */
  key: Buffer | null;
  /** The message value; null for a tombstone. A view into the batch's buffer, not a copy. */
  value: Buffer | null;
  /** The record headers, in order; names may repeat. Values are views into the batch's buffer, like key and value. */
  headers: Header[];
  /** Timestamp in ms since the epoch (-1 when the broker gave none). */
  timestamp: number;
}

/** A topic partition, optionally with an offset. */
export interface TopicPartition {
  /** The topic name. */
  topic: string;
  /** The partition number. */
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  /** An offset in the partition, or one of the logical {@link Offset} values. */
  offset: bigint;
}

/** Special offsets (librdkafka's logical offsets). */
export const Offset = {
  /** The first offset still in the partition (`RD_KAFKA_OFFSET_BEGINNING`). */
  BEGINNING: -2n,
  /** The offset after the last message: only what is produced from now on (`RD_KAFKA_OFFSET_END`). */
  END: -1n,
  /** The group's committed offset (`RD_KAFKA_OFFSET_STORED`). */
  STORED: -1000n,
  /** No offset (`RD_KAFKA_OFFSET_INVALID`): e.g. a partition without a committed offset. */
  INVALID: -1001n,
} as const;
