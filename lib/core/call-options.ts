/**
 * The one convention of the public API for calls that wait: an options object with
 * `timeoutMs` (and `signal` where the call can be cancelled), never a positional timeout,
 * and a `close()` on every client that resolves a report built on {@link BaseCloseReport}.
 * The positional number form of the calls that had one is still read (deprecated), so that
 * code written against earlier releases keeps working.
 */
import { checkTimeoutArg } from '../config/checks';
import { kindOf } from '../config/config-values';

/** Options of a call that waits for the cluster or for a deadline. */
export interface TimeoutOptions {
  /**
   * How long the call waits, in milliseconds (a finite number ≥ 0).
   * @defaultValue each method's own, in its documentation: 30 000 for the producer's calls and
   *   every `close()`, 10 000 for the consumer's queries (`committed`, `lag`, …)
   */
  timeoutMs?: number;
}

/**
 * What every `close()` resolves with (the clients' reports extend it): a close never
 * rejects because its deadline passed, it says so here instead.
 */
export interface BaseCloseReport {
  /**
   * True when the close did not complete within its `timeoutMs`: the client finishes closing
   * in the background without keeping the process alive, and what the report's other fields
   * count (undelivered messages, uncommitted offsets) was not confirmed.
   */
  timedOut: boolean;
}

/**
 * The timeout of a call taking `options?: TimeoutOptions` (null counts as omitted, as it
 * always did for the options of close()). A wrong type is a TypeError naming `method` and
 * the argument.
 */
export function timeoutOf(method: string, options: unknown, defaultMs: number): number {
  if (options === undefined || options === null) return defaultMs;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${method}(options) must be an object { timeoutMs?: number }, got ${describe(options)}`);
  }
  const timeoutMs = (options as TimeoutOptions).timeoutMs;
  checkTimeoutArg(`${method}: options.timeoutMs`, timeoutMs);
  return timeoutMs ?? defaultMs;
}

/**
 * {@link timeoutOf} for the calls that took a positional number of milliseconds before the
 * options object: that deprecated form is still read, checked (and named) as before.
 */
export function legacyTimeoutOf(method: string, options: unknown, defaultMs: number): number {
  if (typeof options === 'number') {
    checkTimeoutArg(`${method}(timeoutMs)`, options);
    return options;
  }
  if (options !== undefined && options !== null && (typeof options !== 'object' || Array.isArray(options))) {
    throw new TypeError(`${method}(options) must be an object { timeoutMs?: number } (or, deprecated, a number of milliseconds), got ${describe(options)}`);
  }
  return timeoutOf(method, options, defaultMs);
}

/** A wrong argument as the error message shows it (a string quoted, so that "5" is told from 5). */
function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : kindOf(value);
}

/**
 * Waits for `closing` at most `timeoutMs`: true when the deadline came first (the close goes
 * on in the background). The timer does not keep the process alive unless `keepAlive`
 * (a shutdown that must report, whatever else is left to run).
 */
export async function settlesWithin(closing: Promise<unknown>, timeoutMs: number, keepAlive = false): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    // setTimeout takes a 32-bit count: a longer deadline is none at all.
    timer = setTimeout(() => resolve('timeout'), Math.min(timeoutMs, 2 ** 31 - 1));
    if (!keepAlive) timer.unref();
  });
  const settled = closing.then(() => 'done' as const);
  // A failure after the deadline has nobody left to report to.
  settled.catch(() => undefined);
  try {
    return (await Promise.race([settled, deadline])) === 'timeout';
  } finally {
    clearTimeout(timer);
  }
}
