// @ts-check
/**
 * Lifecycle fuzz: a seeded PRNG picks thousands of operations over several producers,
 * consumers, admin clients, topic-layer drivers/producers/consumers and mock-cluster faults,
 * launched concurrently (create, connect, send, consume, iterate, pause, seek, commit, close,
 * close twice, calls after close, handlers that throw). It checks, for every operation:
 *
 * - its promise settles (each is tracked; at the end, after every client was closed, any
 *   promise still pending past the deadline is reported with its operation and step);
 * - it fails only with a typed error (a KafkaError or one of its subclasses; the fuzz's own
 *   HandlerFault when a handler it installed threw) — never a TypeError or a crash;
 * - a call on a client that was already closed rejects with ClosedError (or returns the
 *   documented empty result: `consume` → null, `consumeBatch` → [], iteration ends);
 * - results have the documented shape (reports and messages with bigint offsets, batch sizes);
 * - `error` events carry KafkaErrors; nothing reaches `unhandledRejection` /
 *   `uncaughtException`;
 * - after the run, a fresh producer and consumer still round-trip a message.
 *
 * This module is the entry point: the test and scripts/fuzz-lifecycle.mjs import it, and it
 * is the worker_threads script of a session (each thread loads the built library from
 * dist/cjs, so every thread uses one copy of the classes). The parts:
 *
 * - prng.mjs            the seeded generator every choice is drawn from
 * - library.mjs         the built library, this script's path, the mock clusters' topics
 * - outcomes.mjs        tracking, classification of failures, violations (a thread's report)
 * - pools.mjs           the clients made so far and how operations pick among them
 * - context.mjs         what every operation works with, passed explicitly
 * - op-table.mjs        the weighted choice of an operation
 * - operations.mjs      every operation, in the fixed order a seed depends on, from
 *                       clients.mjs, producer-ops.mjs, consumer-ops.mjs, admin-ops.mjs,
 *                       after-close-ops.mjs, cluster-ops.mjs, driver-ops.mjs, topic-ops.mjs
 * - thread-fuzz.mjs     the loop of one thread; thread-end.mjs closes and checks after it
 * - session.mjs         main thread + workers; session-report.mjs what their reports say
 *
 * Operation choices are drawn synchronously when an operation is launched, and client state
 * that steers later choices (open / closed) changes synchronously too, so a seed reproduces
 * the sequence of operations; how they interleave with I/O is up to the machine.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

import { runLifecycleFuzz } from './thread-fuzz.mjs';

export { DRIVER_PATH, loadLibrary } from './library.mjs';
export { HandlerFault } from './outcomes.mjs';
export { prng } from './prng.mjs';
export { runSession } from './session.mjs';
export { sessionProblems, summarize } from './session-report.mjs';
export { runLifecycleFuzz };

// ---------------------------------------------------------------- worker entry

if (!isMainThread && workerData?.lifecycleFuzz) {
  const { seed, steps, thread, shared, progressEvery, settleDeadlineMs, only, trace } = workerData.lifecycleFuzz;
  runLifecycleFuzz({
    seed,
    steps,
    thread,
    shared,
    settleDeadlineMs,
    only: only === undefined ? undefined : new RegExp(only),
    onStep: progressEvery ? (step) => step % progressEvery === 0 && parentPort?.postMessage({ type: 'step', step }) : undefined,
    // The session writes the trace: lines go to it in order, over the message port.
    trace: trace ? (line) => parentPort?.postMessage({ type: 'trace', line }) : undefined,
  }).then(
    (report) => parentPort?.postMessage({ type: 'report', report }),
    (e) => {
      throw e;
    },
  );
}
