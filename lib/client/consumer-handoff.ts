/**
 * The bounded hand-off between the native pump and the consumer's readers (the iterator,
 * `consume()`, `run()`): messages arrive in batches into one buffer, readers take them from
 * it, and when it holds more than the high-water mark the native side is told to stop
 * taking messages from librdkafka until the readers drained it to half (backpressure).
 */
import type { Message } from '../core/message';
import { turnOverBudget } from '../util/turn-budget';
import { waitForWake, type WakeOutcome } from '../util/wait';
import { partitionKey } from './consumer-partitions';

/** What the hand-off asks of the native consumer. */
export interface FlowControl {
  /** Stops (false) or resumes (true) taking messages from librdkafka. */
  setFlow(flowing: boolean): void;
  /** Every message handed over was taken: hand over the next ones. */
  wantMessages(): void;
}

/** The bound of what is buffered (see `ConsumerOptions.highWaterMark`). */
export interface HighWaterMark {
  /** Messages buffered at most. */
  messages: number;
  /** Bytes of keys and values buffered at most. */
  bytes: number;
}

/** A batch being handed to the application one message at a time, with the index of the next one. */
export interface Delivering {
  /** The batch (revocations shorten it in place). */
  batch: Message[];
  /** The index of the next message to hand out. */
  next: number;
}

/** The buffer between native batches and the consumer's readers, with its flow control. */
export class HandOff {
  private buffer: Message[] = [];
  private head = 0;
  private bytes = 0;
  private flowing = true;
  private readonly readers: Array<() => void> = [];
  /** Whether the native side may hand over messages (see askForMore). */
  private askedForMore = true;
  /**
   * Batches being handed to the application one message at a time (the iterator, run()'s
   * eachMessage): a revoke or a loss removes the messages of its partitions from what is not
   * handed out yet, as from the buffer.
   */
  readonly delivering = new Set<Delivering>();
  /** Hand-offs received past the turn's budget, decoded on a later turn (in order, before newer ones). */
  private deferred: Array<{ fill: (target: Message[]) => number; onMessages: () => void }> = [];
  private drainScheduled = false;

  constructor(
    private readonly native: FlowControl,
    private readonly mark: HighWaterMark,
    /** True once the native handle is gone (nothing may be asked of it). */
    private readonly gone: () => boolean,
  ) {}

  /** Messages buffered, not yet taken. */
  get count(): number {
    return this.buffer.length - this.head;
  }

  /**
   * Receives a native hand-off: `fill` pushes the decoded messages onto the array it is given
   * and returns their bytes.
   */
  receive(fill: (target: Message[]) => number, onMessages: () => void): void {
    // The native side hands over no more messages until these are taken (askForMore).
    this.askedForMore = false;
    // Decoding is most of a hand-off's cost: past the turn's budget (the other consumers of
    // the thread had theirs in it), it waits for a later turn, behind any hand-off waiting.
    if (this.deferred.length > 0 || turnOverBudget()) {
      this.deferred.push({ fill, onMessages });
      this.scheduleDrain();
      return;
    }
    this.decode(fill, onMessages);
  }

  /** Decodes every hand-off still waiting for its turn (a rebalance must see every message before it). */
  private flushDeferred(): void {
    for (const d of this.deferred.splice(0)) this.decode(d.fill, d.onMessages);
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.deferred.length > 0) {
      if (turnOverBudget()) {
        this.scheduleDrain();
        return;
      }
      const d = this.deferred.shift()!;
      this.decode(d.fill, d.onMessages);
    }
    // Nothing of it reached the buffer (errors, end-of-partition markers): ask for the next.
    if (this.count === 0) this.askForMore();
  }

  private decode(fill: (target: Message[]) => number, onMessages: () => void): void {
    // The buffer is usually drained: then the hand-off's array becomes the buffer itself.
    const target = this.head === this.buffer.length ? [] : this.buffer;
    const bytes = fill(target);
    if (target.length === 0) return;
    onMessages();
    if (target !== this.buffer) {
      this.buffer = target;
      this.head = 0;
    }
    this.bytes += bytes;
    this.updateFlow();
    this.wakeReaders();
  }

  /** Takes up to `max` buffered messages (call when {@link count} > 0). */
  take(max: number): Message[] {
    const end = Math.min(this.buffer.length, this.head + max);
    let out: Message[];
    if (end === this.buffer.length) {
      // Everything buffered goes: hand the array itself over when it starts at the head.
      out = this.head === 0 ? this.buffer : this.buffer.slice(this.head);
      this.buffer = [];
      this.head = 0;
      this.bytes = 0;
      this.askForMore();
    } else {
      out = this.buffer.slice(this.head, end);
      this.head = end;
      for (const m of out) this.bytes -= size(m);
      if (this.head > 65_536) {
        this.buffer = this.buffer.slice(this.head);
        this.head = 0;
      }
    }
    this.updateFlow();
    return out;
  }

  /**
   * Tells the native side that every message it handed over was taken, so that it hands
   * over the next ones (which it prepares meanwhile). Handing over only then keeps one
   * hand-off in the buffer at a time, instead of several arriving back to back while the
   * application is still reading the previous one. Asked on the next turn of the event loop:
   * Node runs a thread-safe function's calls made during its dispatch in that same dispatch,
   * so asking right away would let a reading loop take hand-off after hand-off without ever
   * returning to the event loop (timers and I/O starved, as one long synchronous run).
   */
  askForMore(): void {
    // A hand-off still waiting to be decoded counts as not taken.
    if (this.askedForMore || this.deferred.length > 0 || this.gone()) return;
    this.askedForMore = true;
    setImmediate(() => {
      if (!this.gone()) this.native.wantMessages();
    });
  }

  /** Waits until messages arrive, the readers are woken, or the timeout or signal ends it. */
  waitForMessages(options: { timeoutMs?: number; signal?: AbortSignal }): Promise<WakeOutcome> {
    return waitForWake(this.readers, options);
  }

  /** Wakes every waiting reader (messages came, the consumer closes, or it was refused). */
  wakeReaders(): void {
    for (const wake of this.readers.splice(0)) wake();
  }

  /** Puts messages back at the front of the buffer (a handler failed on batch[from]). */
  unshift(batch: Message[], from: number): void {
    const back = batch.slice(from);
    for (const m of back) this.bytes += size(m);
    this.buffer = back.concat(this.buffer.slice(this.head));
    this.head = 0;
  }

  /** Drops the buffered messages that `match`. */
  drop(match: (m: Message) => boolean): void {
    this.flushDeferred();
    const kept: Message[] = [];
    for (let i = this.head; i < this.buffer.length; i++) {
      const m = this.buffer[i]!;
      if (match(m)) this.bytes -= size(m);
      else kept.push(m);
    }
    this.buffer = kept;
    this.head = 0;
    this.updateFlow();
  }

  /** Removes the messages of `keys`' partitions from what the batches being handed out have not handed out yet (in place: the loops read the same arrays). */
  dropDelivering(keys: Set<string>): void {
    for (const d of this.delivering) {
      let kept = d.next;
      for (let i = d.next; i < d.batch.length; i++) {
        const m = d.batch[i]!;
        if (!keys.has(partitionKey(m))) d.batch[kept++] = m;
      }
      d.batch.length = kept;
    }
  }

  /** Forgets what is buffered (the consumer closed). */
  clear(): void {
    this.buffer = [];
    this.head = 0;
    this.deferred = [];
  }

  private updateFlow(): void {
    const full = this.count >= this.mark.messages || this.bytes >= this.mark.bytes;
    if (full && this.flowing) {
      this.flowing = false;
      this.native.setFlow(false);
    } else if (!this.flowing && this.count <= this.mark.messages / 2 && this.bytes <= this.mark.bytes / 2) {
      this.flowing = true;
      this.native.setFlow(true);
    }
  }
}

function size(m: Message): number {
  return (m.value?.length ?? 0) + (m.key?.length ?? 0);
}
