/** Event: one event of a topic, as a consumer yields it. */
import type { DecodeError } from '../util/errors';

/** Options of {@link Event.acknowledge}. */
export interface AcknowledgeOptions {
  /**
   * Resolve only once the broker stored the offset (a commit round trip), and reject when
   * that commit fails; default false: resolve once the offset is recorded for the next
   * background commit.
   */
  durable?: boolean;
}

/**
 * One event. `data` is always an array of segments: empty when the consumer's data selector
 * chose nothing, the caller's memory when an allocator gave it, else views of the Kafka
 * message (no copy).
 *
 * Two special kinds share this shape so that one `pull()` result type covers everything:
 * - `isEndOfStream`: the producer side called `markAsComplete()`: no more events in this
 *   partition (metadata `null`, no data);
 * - `error` set: the Kafka message could not be decoded (a foreign producer, broken lengths,
 *   metadata the serializer cannot read). Metadata is `undefined`, no data. Acknowledge it to
 *   skip it for good.
 */
export class Event {
  /** @internal */
  constructor(
    /** The event's metadata, a JSON value. */
    readonly metadata: unknown,
    /** The selected data, as segments (see the class comment). */
    readonly data: Buffer[],
    /** The partition it was read from. */
    readonly partition: {
      /** The partition number. */
      readonly partition_id: number;
    },
    /** The event id: its Kafka offset in its partition, an exact 64-bit integer. */
    readonly id: bigint,
    private readonly ack: (event: Event, options?: AcknowledgeOptions) => Promise<void>,
    /** True for the end-of-stream marker. */
    readonly isEndOfStream = false,
    /** Why the message could not be decoded, for an undecodable message. */
    readonly error?: DecodeError,
  ) {}

  /** The data segments end to end, as one buffer (a copy when there are several). */
  get dataBuffer(): Buffer {
    return this.data.length === 1 ? this.data[0]! : Buffer.concat(this.data);
  }

  /**
   * Marks everything up to this event in its partition processed: the consumer commits this
   * event's offset + 1 for the group in the background (within `commitIntervalMs`, and
   * before its partitions are revoked or the consumer closes). Resolves at once, unless
   * `durable`: then once the broker stored the offset (rejecting if that commit fails;
   * acknowledging again retries it). Acknowledging an event older than one already
   * acknowledged does nothing.
   */
  acknowledge(options?: AcknowledgeOptions): Promise<void> {
    return this.ack(this, options);
  }
}
