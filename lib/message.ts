/** Messages as the raw clients send and receive them. */

/** A header: a name and a value (null for a header without value). Order and repeats are kept. */
export type Header = [name: string, value: Buffer | null];

/** A message to produce. */
export interface OutgoingMessage {
  topic: string;
  /** The message value; null is a tombstone. */
  value: Buffer | Uint8Array | string | null;
  key?: Buffer | Uint8Array | string | null;
  /** An explicit partition; otherwise the partitioner picks one (murmur2 of the key, Java-compatible). */
  partition?: number;
  headers?: Array<[string, Buffer | Uint8Array | string | null]> | Record<string, Buffer | Uint8Array | string | null>;
  /** Creation time in ms since the epoch (default: now). */
  timestamp?: number;
}

/** Where a produced message landed. */
export interface DeliveryReport {
  topic: string;
  partition: number;
  /** The message's offset: an exact 64-bit integer. */
  offset: bigint;
  timestamp: number;
}

/** A consumed message. */
export interface Message {
  topic: string;
  partition: number;
  /** The message's offset in its partition: an exact 64-bit integer. */
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Header[];
  /** Timestamp in ms since the epoch (-1 when the broker gave none). */
  timestamp: number;
}

/** A topic partition, optionally with an offset. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: bigint;
}

/** Special offsets (librdkafka's logical offsets). */
export const Offset = {
  BEGINNING: -2n,
  END: -1n,
  STORED: -1000n,
  INVALID: -1001n,
} as const;
