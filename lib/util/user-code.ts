/**
 * Calling application code from a client's event handling (delivery callbacks, event
 * listeners, loggers) without letting what it throws cut that handling short.
 *
 * The convention, for every client: the client first finishes its own work (every other
 * delivery of the batch settles, every message reaches the buffer, rebalances complete),
 * then the application's exception is rethrown on a later tick with `process.nextTick`: it
 * becomes an `uncaughtException`, as an exception thrown in any Node callback (an `fs`
 * callback, a timer) does. It is neither swallowed nor turned into an `error` event, so a bug
 * in a handler is as loud as elsewhere in Node, and an `uncaughtException` handler sees it.
 */
import { errorMonitor, type EventEmitter } from 'node:events';

/** Rethrows `error` on a later tick, as an uncaught exception. */
export function rethrowLater(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}

/** Calls `fn(...args)`; what it throws is rethrown on a later tick (see {@link rethrowLater}). */
export function callApplication<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
  try {
    fn(...args);
  } catch (e) {
    rethrowLater(e);
  }
}

/**
 * `emitter.emit(name, ...args)`, except that a listener that throws neither stops the
 * listeners after it nor the caller: each exception is rethrown on a later tick.
 * Returns whether there was any listener. Not for `error` without listeners (the caller
 * decides what happens then).
 */
export function emitSafely(emitter: EventEmitter, name: string | symbol, ...args: unknown[]): boolean {
  // rawListeners: `once` wrappers remove themselves when called, as with emit().
  const listeners = emitter.rawListeners(name) as Array<(...a: unknown[]) => unknown>;
  // As emit('error') does: errorMonitor listeners see the error first.
  const monitors = name === 'error' ? (emitter.rawListeners(errorMonitor) as Array<(...a: unknown[]) => unknown>) : [];
  for (const listener of [...monitors, ...listeners]) {
    try {
      listener.apply(emitter, args);
    } catch (e) {
      rethrowLater(e);
    }
  }
  return listeners.length > 0;
}
