// @ts-check
// A fuzz session: the main thread and N workers run the fuzz at once on one shared
// MockCluster (each worker also faults its own), plus a worker terminated in the middle of
// its operations.
import { Worker } from 'node:worker_threads';

import { DRIVER_PATH, loadLibrary, TOPICS } from './library.mjs';
import { prng } from './prng.mjs';
import { runLifecycleFuzz } from './thread-fuzz.mjs';

/** @typedef {import('./outcomes.mjs').ThreadReport} ThreadReport */

/**
 * @typedef {object} SessionOptions
 * @property {number} seed
 * @property {number} mainSteps        steps of the main thread
 * @property {number} workers          workers running to completion
 * @property {number} workerSteps      steps of each of them
 * @property {boolean} [terminate]     also start a worker and terminate it mid-run
 * @property {number} [settleDeadlineMs]
 * @property {RegExp} [only]
 * @property {(line: string) => void} [log]
 * @property {(line: string) => void} [trace]  one line per operation launched, in any thread: `thread step name client`
 */

/**
 * @typedef {object} SessionReport
 * @property {number} seed
 * @property {ThreadReport[]} threads
 * @property {string[]} failures        workers that crashed, a bad termination, a wedged main thread
 * @property {{ seed: number, stepsBeforeTerminate: number, exitCode: number } | undefined} terminated
 * @property {number} durationMs
 */

/**
 * Runs the main-thread fuzz and the workers' fuzz at once on one shared MockCluster.
 * @param {SessionOptions} options
 * @returns {Promise<SessionReport>}
 */
export async function runSession(options) {
  const lib = loadLibrary();
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const r = prng(options.seed ^ 0x5eed);
  const shared = await lib.MockCluster.start({ topics: TOPICS });
  /** @type {string[]} */
  const failures = [];
  const start = workerStarter(options, shared.bootstrapServers);

  /** @type {Promise<ThreadReport | undefined>[]} */
  const workerRuns = [];
  for (let i = 0; i < options.workers; i++) {
    const seed = (options.seed + i + 1) >>> 0;
    const thread = `worker${i + 1}`;
    log(`${thread}: seed ${seed}, ${options.workerSteps} steps`);
    workerRuns.push(awaitCompletion(start(seed, options.workerSteps, thread), thread, seed, failures));
  }

  /** @type {Promise<SessionReport['terminated']>} */
  let terminatedRun = Promise.resolve(undefined);
  if (options.terminate) {
    const seed = (options.seed + 1000) >>> 0;
    const at = r.range(20, 200);
    log(`terminated worker: seed ${seed}, terminated after step ${at}`);
    terminatedRun = terminateAfter(start(seed, 1_000_000, 'terminated', 1), at, seed, failures);
  }

  log(`main: seed ${options.seed}, ${options.mainSteps} steps`);
  const trace = options.trace;
  const main = await runLifecycleFuzz({
    lib,
    seed: options.seed,
    steps: options.mainSteps,
    thread: 'main',
    cluster: shared,
    settleDeadlineMs: options.settleDeadlineMs,
    only: options.only,
    trace: trace && ((line) => trace(`main ${line}`)),
  });
  const workers = await Promise.all(workerRuns);
  const terminated = await terminatedRun;
  await shared.close();
  return {
    seed: options.seed,
    threads: [main, ...workers.filter((w) => w !== undefined)],
    failures,
    terminated,
    durationMs: Date.now() - started,
  };
}

/**
 * A function that starts a fuzz worker on the shared cluster; the worker's trace lines
 * (when the session traces) come back as messages, forwarded with its thread's name.
 * @param {SessionOptions} options @param {string} shared
 */
function workerStarter(options, shared) {
  const trace = options.trace;
  /** @param {number} seed @param {number} steps @param {string} thread */
  return (seed, steps, thread, progressEvery = 0) => {
    const w = new Worker(DRIVER_PATH, {
      workerData: {
        lifecycleFuzz: { seed, steps, thread, shared, progressEvery, settleDeadlineMs: options.settleDeadlineMs, only: options.only?.source, trace: trace !== undefined },
      },
    });
    if (trace) w.on('message', (m) => m.type === 'trace' && trace(`${thread} ${m.line}`));
    return w;
  };
}

/**
 * The report of a worker that runs to completion. Its run over, every client it made was
 * closed: it must then exit by itself.
 * @param {Worker} w @param {string} thread @param {number} seed @param {string[]} failures
 * @returns {Promise<ThreadReport | undefined>}
 */
function awaitCompletion(w, thread, seed, failures) {
  return new Promise((resolve) => {
    /** @type {ThreadReport | undefined} */
    let report;
    /** @type {NodeJS.Timeout | undefined} */
    let exitTimer;
    w.on('message', (m) => {
      if (m.type !== 'report') return;
      report = m.report;
      // One that does not exit is holding a client open; say so and end it.
      exitTimer = setTimeout(() => {
        failures.push(`${thread} (seed ${seed}) did not exit within 60 s of its report (a native client still open); terminated`);
        void w.terminate();
        // terminate() waits for the clients' native threads; one stuck there is reported
        // rather than waited for.
        exitTimer = setTimeout(() => {
          failures.push(`${thread} (seed ${seed}): terminate() did not return within 60 s (a client's native close is stuck)`);
          resolve(report);
        }, 60_000);
      }, 60_000);
    });
    w.on('error', (e) => failures.push(`${thread} (seed ${seed}) crashed: ${e.stack ?? String(e)}`));
    w.on('exit', (code) => {
      clearTimeout(exitTimer);
      if (code !== 0 && !failures.some((f) => f.startsWith(`${thread} (seed ${seed}) did not exit`))) failures.push(`${thread} (seed ${seed}) exited with code ${code}`);
      if (!report) failures.push(`${thread} (seed ${seed}) sent no report`);
      resolve(report);
    });
  });
}

/**
 * Terminates a worker once it reported step `at` (it reports every step), in the middle of
 * its operations, and resolves when it exited.
 * @param {Worker} w @param {number} at @param {number} seed @param {string[]} failures
 * @returns {Promise<SessionReport['terminated']>}
 */
function terminateAfter(w, at, seed, failures) {
  return new Promise((resolve) => {
    let lastStep = -1;
    let asked = false;
    w.on('message', (m) => {
      if (m.type !== 'step') return;
      lastStep = m.step;
      if (lastStep >= at && !asked) {
        asked = true;
        void w.terminate();
      }
    });
    w.on('error', (e) => failures.push(`terminated worker (seed ${seed}) crashed before termination: ${e.stack ?? String(e)}`));
    w.on('exit', (code) => {
      if (!asked) failures.push(`terminated worker (seed ${seed}) exited on its own with code ${code}`);
      resolve({ seed, stepsBeforeTerminate: lastStep + 1, exitCode: code });
    });
  });
}
