/**
 * Partition lanes: a worker's messages wait in one queue per partition; at most
 * `concurrency` lanes run a unit (one message, or a batch of one partition) at a time, and
 * a lane never runs two units at once, so each partition is processed in order while
 * different partitions go in parallel. Lanes take turns: a lane that finished a unit goes
 * to the back of the line.
 */
import type { Message, TopicPartition } from '../../core/message';
import { waitForWake } from '../../util/wait';

/** Why a lane was taken out of service. */
export type DropReason = 'revoked' | 'lost' | 'stopped';

/** One partition's queue and its unit in progress. */
export interface Lane {
  readonly topic: string;
  readonly partition: number;
  /** Messages waiting, in offset order. */
  readonly queue: Message[];
  /** The unit being processed, settled when it is done. */
  running: Promise<void> | undefined;
  /** Messages in the running unit. */
  inFlight: number;
  /** Aborted when no further attempt may start (the partition went away, or the worker stops). */
  readonly retries: AbortController;
  /** Aborted when handlers must give up (partition lost, shutdown deadline passed). */
  readonly handlers: AbortController;
  /** Set once the lane is out of service. */
  dropped: DropReason | undefined;
  /** Waiting in the line of lanes with work. */
  waiting: boolean;
}

export interface LanesOptions {
  /** Lanes running at once. */
  concurrency: number;
  /** Messages per unit (1 per message; the batch size in batch mode). */
  unitSize: number;
  /** Processes one unit; must not reject (failures are the worker's to handle). */
  process(lane: Lane, unit: Message[]): Promise<void>;
}

function laneKey(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}

export class PartitionLanes {
  private readonly lanes = new Map<string, Lane>();
  private readonly line: Lane[] = [];
  private active = 0;
  private queuedCount = 0;
  private inFlightCount = 0;
  private stopped = false;
  private readonly roomWaiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private readonly runningLanes = new Set<Lane>();

  constructor(private readonly options: LanesOptions) {}

  /** Messages waiting in queues (not started). */
  get queued(): number {
    return this.queuedCount;
  }

  /** Messages in running units. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Queues messages (any partitions, each partition's in offset order) and starts what may start. */
  push(messages: readonly Message[]): void {
    if (this.stopped) return;
    for (const m of messages) {
      const key = laneKey(m.topic, m.partition);
      let lane = this.lanes.get(key);
      if (!lane) {
        lane = {
          topic: m.topic,
          partition: m.partition,
          queue: [],
          running: undefined,
          inFlight: 0,
          retries: new AbortController(),
          handlers: new AbortController(),
          dropped: undefined,
          waiting: false,
        };
        this.lanes.set(key, lane);
      }
      lane.queue.push(m);
      this.queuedCount++;
      if (!lane.running && !lane.waiting) {
        lane.waiting = true;
        this.line.push(lane);
      }
    }
    this.pump();
  }

  /**
   * Takes the lanes of these partitions (all when undefined) out of service: their
   * queued messages are dropped (never processed here: they were not committed, so the
   * partition's next owner gets them), no new attempt starts, and for `lost` their
   * handlers are told to give up. Units already running go on; await `running`.
   */
  drop(partitions: readonly TopicPartition[] | undefined, reason: DropReason): Lane[] {
    const keys = partitions ? partitions.map((p) => laneKey(p.topic, p.partition)) : [...this.lanes.keys()];
    const dropped: Lane[] = [];
    for (const key of keys) {
      const lane = this.lanes.get(key);
      if (!lane) continue;
      this.lanes.delete(key);
      lane.dropped = reason;
      this.queuedCount -= lane.queue.length;
      lane.queue.length = 0;
      lane.retries.abort(reason);
      if (reason === 'lost') lane.handlers.abort(reason);
      dropped.push(lane);
    }
    this.wakeRoom();
    return dropped;
  }

  /** Stops starting units and drops every queue (see {@link drop}). */
  stop(): Lane[] {
    this.stopped = true;
    return this.drop(undefined, 'stopped');
  }

  /** Lanes with a running unit, dropped ones included. */
  running(): Lane[] {
    return [...this.runningLanes];
  }

  /** Resolves when no unit is running. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves once fewer than `limit` messages are queued (or the signal aborts). */
  async waitForRoom(limit: number, signal: AbortSignal): Promise<void> {
    while (this.queuedCount >= limit && !signal.aborted && !this.stopped) {
      await waitForWake(this.roomWaiters, { signal });
    }
  }

  private wakeRoom(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  private pump(): void {
    while (!this.stopped && this.active < this.options.concurrency && this.line.length > 0) {
      const lane = this.line.shift()!;
      lane.waiting = false;
      if (lane.dropped || lane.queue.length === 0) continue;
      const unit = lane.queue.splice(0, this.options.unitSize);
      this.queuedCount -= unit.length;
      this.inFlightCount += unit.length;
      this.active++;
      lane.inFlight = unit.length;
      const run = this.options
        .process(lane, unit)
        .catch(() => undefined)
        .then(() => {
          this.active--;
          this.inFlightCount -= unit.length;
          this.runningLanes.delete(lane);
          lane.running = undefined;
          lane.inFlight = 0;
          if (!lane.dropped && lane.queue.length > 0 && !lane.waiting) {
            lane.waiting = true;
            this.line.push(lane);
          }
          if (this.active === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
          this.pump();
        });
      lane.running = run;
      this.runningLanes.add(lane);
    }
    this.wakeRoom();
  }
}
