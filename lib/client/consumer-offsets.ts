/**
 * The consumer's offset store bookkeeping: librdkafka stores an offset only once the
 * application processed the message (`enable.auto.offset.store=false`), so the consumer
 * marks what was processed here (the iterator moved past it, a handler resolved, the next
 * `consume()` was called, `markProcessed()`), and hands the highest offset + 1 per partition
 * to librdkafka's store before each read, each commit and each revocation. Auto-commit (or
 * `commit()`) then commits what is stored: at-least-once.
 */
import type { Message } from '../core/message';
import { nativeError, type NativePartitionInput } from '../native/binding';
import { ErrorCode, type KafkaError } from '../util/errors';
import { partitionKey } from './consumer-partitions';

/** A message's position. */
type Position = Pick<Message, 'topic' | 'partition' | 'offset'>;

/** Processed offsets not yet handed to librdkafka's offset store. */
export class OffsetStore {
  /** Highest processed offset + 1 per partition, not yet handed to librdkafka's store. */
  private readonly toStore = new Map<string, NativePartitionInput>();
  /** The batch a `for await` loop is in, and how far it got. */
  inProgress: { batch: Message[]; done: number } | undefined;
  /** What the last consume / consumeBatch returned, not yet marked processed. */
  private pulled: Message[] | undefined;

  constructor(
    private readonly native: { storeOffsets(offsets: NativePartitionInput[]): void },
    private readonly reportError: (error: KafkaError) => void,
    /** True once the native handle is gone. */
    private readonly gone: () => boolean,
  ) {}

  /** Marks a message processed. */
  mark(message: Position): void {
    const k = partitionKey(message);
    const next = message.offset + 1n;
    const cur = this.toStore.get(k);
    if (!cur || (cur.offset as bigint) < next) this.toStore.set(k, { topic: message.topic, partition: message.partition, offset: next });
  }

  /**
   * Marks batch[0..count) processed: one store per partition (its highest offset), not
   * one per message.
   */
  markRange(batch: Message[], count: number): void {
    const seen: Message[] = [];
    let previous: Message | undefined;
    for (let i = count - 1; i >= 0; i--) {
      const m = batch[i]!;
      // Messages come in runs of one partition: only a run's last message can be new.
      if (previous !== undefined && previous.partition === m.partition && previous.topic === m.topic) continue;
      previous = m;
      let found = false;
      for (const s of seen) {
        if (s.partition === m.partition && s.topic === m.topic) {
          found = true;
          break;
        }
      }
      if (!found) {
        seen.push(m);
        this.mark(m);
      }
    }
  }

  /** Remembers what consume / consumeBatch returned: processed once the application asks for more. */
  pulledNow(batch: Message[]): void {
    this.pulled = batch;
  }

  /** The application asked for more: what it pulled before is processed. */
  markPulled(): void {
    if (this.pulled === undefined) return;
    this.markRange(this.pulled, this.pulled.length);
    this.pulled = undefined;
  }

  /** Forgets the processed offsets of lost partitions: they must not be committed. */
  forget(keys: Iterable<string>): void {
    for (const k of keys) this.toStore.delete(k);
  }

  /** Hands what was processed to librdkafka's offset store. */
  flush(): void {
    if (this.inProgress) this.markRange(this.inProgress.batch, this.inProgress.done);
    if (this.toStore.size === 0 || this.gone()) return;
    const offsets = [...this.toStore.values()];
    this.toStore.clear();
    try {
      this.native.storeOffsets(offsets);
    } catch (e) {
      // A partition revoked in the meantime: its offset belongs to the new owner now.
      const error = nativeError(e as never, 'storing offsets failed');
      if (error.code !== ErrorCode.UNKNOWN_PARTITION && error.code !== ErrorCode.STATE) this.reportError(error);
    }
  }
}
