// @ts-check
// The fuzz of one thread: a seeded loop that launches one chosen operation per step, then
// closes everything and checks that every promise settled and the thread still works.
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';

import { createContext } from './context.mjs';
import { defineOperations } from './operations.mjs';
import { closeAndSettle, sanityRoundTrip } from './thread-end.mjs';

/**
 * @typedef {object} FuzzOptions
 * @property {number} seed
 * @property {number} steps
 * @property {string} thread                  a label for reports
 * @property {any} [cluster]                  the MockCluster this thread owns and may fault (default: one is started)
 * @property {string} [shared]                bootstrap servers of a cluster shared with other threads
 * @property {number} [settleDeadlineMs]      how long promises get to settle once everything is closed
 * @property {(step: number) => void} [onStep]
 * @property {RegExp} [only]                  run only the operations whose names match (creation always runs)
 * @property {(line: string) => void} [trace]  receives one line per operation launched (step, name, client)
 * @property {any} [lib]
 */

/**
 * Runs the fuzz in this thread.
 * @param {FuzzOptions} options
 * @returns {Promise<import('./outcomes.mjs').ThreadReport>}
 */
export async function runLifecycleFuzz(options) {
  const started = Date.now();
  const ctx = await createContext(options);
  const { out } = ctx;
  const unwatch = out.watchProcess();
  defineOperations(ctx);

  for (out.step = 0; out.step < options.steps; out.step++) {
    ctx.table.choose(ctx.r)();
    options.onStep?.(out.step);
    // Let operations interleave with I/O; bound the number of short operations in flight.
    await tick();
    const pending = out.entries.filter((e) => !e.settled && !e.long);
    if (pending.length > 24) await Promise.race([/** @type {import('./outcomes.mjs').Entry} */ (pending[0]).promise.catch(() => undefined), sleep(200)]);
  }

  out.step = options.steps;
  const hanging = await closeAndSettle(ctx, options.settleDeadlineMs ?? 60_000);
  const sanity = await sanityRoundTrip(ctx);
  if (!options.cluster) await ctx.ownCluster.close();
  // A rejection reported on the last tick still counts.
  await sleep(10);
  unwatch();

  return {
    thread: options.thread,
    seed: options.seed,
    steps: options.steps,
    ops: out.ops,
    errors: out.errors,
    tracked: out.entries.length,
    settled: out.entries.filter((e) => e.settled).length,
    hanging,
    violations: out.violations,
    errorEvents: out.errorEvents,
    afterClose: out.afterClose,
    sanity,
    durationMs: Date.now() - started,
  };
}
