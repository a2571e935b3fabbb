/**
 * Graceful shutdown on signals, opt-in: `closeOnSignals(clients)` closes every given client
 * when SIGTERM or SIGINT arrives (producers deliver what they can before a deadline,
 * consumers commit what was processed or acknowledged and leave their group), reports what
 * was left undelivered, and exits. A second signal exits at once.
 */
import { constants } from 'node:os';

import { settlesWithin, type TimeoutOptions } from '../core/call-options';

/** Anything with a `close()`: raw and topic-layer clients, the Driver, a MockCluster, a Connection. */
export interface Closable {
  /** Closes the object within `timeoutMs`; resolves with its report (a `BaseCloseReport` for octokafka's own). */
  close(options?: TimeoutOptions): Promise<unknown>;
}

/** What a shutdown did. */
export interface ShutdownReport {
  /** The signal that started it, or null when `shutdown()` was called directly. */
  signal: NodeJS.Signals | null;
  /** Messages the producers among the clients could not deliver before the deadline. */
  undelivered: number;
  /** Acknowledged offsets the topic consumers among the clients could not commit (their events come again). */
  uncommitted: number;
  /** True when some client had not finished closing when the deadline passed. */
  timedOut: boolean;
  /** Errors raised by `close()` calls. */
  errors: Error[];
  /** How long it took, in milliseconds. */
  durationMs: number;
  /** The exit code used (or that would be used when `exit` is false): 0 when nothing was left behind. */
  exitCode: number;
}

/** Options of {@link closeOnSignals}. */
export interface CloseOnSignalsOptions {
  /** The signals to handle (default SIGTERM and SIGINT). */
  signals?: NodeJS.Signals[];
  /**
   * The deadline of the whole shutdown (default 10 000 ms): producers flush for at most this
   * long, and clients still closing after it (plus one second of grace) are given up on.
   */
  timeoutMs?: number;
  /** Receives the report before the process exits (may be async; its errors are ignored). */
  onReport?: (report: ShutdownReport) => void | Promise<void>;
  /** Exit the process once closed (default true): code 0, or 1 when something was left behind. */
  exit?: boolean;
}

/** The handle {@link closeOnSignals} returns. */
export interface SignalShutdown {
  /** Runs the shutdown now and resolves with its report, without exiting; the same promise on every call. */
  shutdown(): Promise<ShutdownReport>;
  /** Removes the signal handlers (the clients stay open). */
  dispose(): void;
}

/** Extra time after the deadline for close() calls to return their reports. */
const GRACE_MS = 1000;

/**
 * Closes `clients` when one of `signals` arrives, then exits. Producers (`KafkaProducer`,
 * `TopicProducer`, and a `Driver`'s) get `close({ timeoutMs })`: they deliver what is queued
 * until the deadline and count what is left as undelivered; consumers commit and leave their
 * group (topic consumers commit what was acknowledged). The exit code is 0 when every client
 * closed in time with nothing undelivered or uncommitted, else
 * 1; a second signal during the shutdown exits at once with 128 + the signal's number.
 *
 * @example
 * ```ts
 * closeOnSignals([consumer, producer], { timeoutMs: 5000, onReport: (r) => log.info(r, 'closed') });
 * ```
 */
export function closeOnSignals(clients: readonly Closable[], options: CloseOnSignalsOptions = {}): SignalShutdown {
  if (!Array.isArray(clients) || clients.some((c) => c === null || typeof c !== 'object' || typeof c.close !== 'function')) {
    throw new TypeError('closeOnSignals(clients): clients must be an array of objects with a close() method');
  }
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new TypeError(`timeoutMs must be a non-negative number, got ${String(timeoutMs)}`);
  const exit = options.exit ?? true;
  let running: Promise<ShutdownReport> | undefined;

  const run = (signal: NodeJS.Signals | null): Promise<ShutdownReport> => {
    running ??= (async () => {
      const started = Date.now();
      const errors: Error[] = [];
      let undelivered = 0;
      let uncommitted = 0;
      let clientTimedOut = false;
      const closing = Promise.all(
        clients.map(async (client) => {
          try {
            const result = await client.close({ timeoutMs });
            undelivered += undeliveredOf(result);
            uncommitted += uncommittedOf(result);
            if (timedOutOf(result)) clientTimedOut = true;
          } catch (e) {
            errors.push(e instanceof Error ? e : new Error(String(e)));
          }
        }),
      );
      const timedOut = (await settlesWithin(closing, timeoutMs + GRACE_MS, true)) || clientTimedOut;
      const exitCode = timedOut || undelivered > 0 || uncommitted > 0 || errors.length > 0 ? 1 : 0;
      const report: ShutdownReport = { signal, undelivered, uncommitted, timedOut, errors, durationMs: Date.now() - started, exitCode };
      try {
        await options.onReport?.(report);
      } catch {
        // The report is informational; the shutdown goes on.
      }
      if (exit && signal !== null) process.exit(exitCode);
      return report;
    })();
    return running;
  };

  const handlers = signals.map((signal) => {
    const handler = (): void => {
      if (running) {
        // The second signal: the operator does not want to wait.
        process.exit(128 + (constants.signals[signal] ?? 0));
      }
      void run(signal);
    };
    process.on(signal, handler);
    return { signal, handler };
  });

  return {
    shutdown: () => run(null),
    dispose: () => {
      for (const { signal, handler } of handlers) process.removeListener(signal, handler);
    },
  };
}

/** Whether a close() result says it gave up at its deadline (every client's report has `timedOut`). */
function timedOutOf(result: unknown): boolean {
  return result !== null && typeof result === 'object' && (result as { timedOut?: unknown }).timedOut === true;
}

/** The `undelivered` count of a close() result, when it has one. */
function undeliveredOf(result: unknown): number {
  if (result === null || typeof result !== 'object') return 0;
  const n = (result as { undelivered?: unknown }).undelivered;
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}

function uncommittedOf(result: unknown): number {
  if (result === null || typeof result !== 'object') return 0;
  const list = (result as { uncommitted?: unknown }).uncommitted;
  return Array.isArray(list) ? list.length : 0;
}
