#!/usr/bin/env node
// Long lifecycle fuzz (test/fuzz/lifecycle-driver.mjs): random operations over many clients
// in the main thread and in worker threads, plus a worker terminated mid-run.
//
//   npm run build:ts && node scripts/fuzz-lifecycle.mjs --steps 20000 --seed 12345 --workers 2
//
// --steps N     steps of the main thread (each worker runs the same number); default 5000
// --seed S      default: random (printed, so a failing run can be repeated)
// --workers W   workers running to completion (default 2); one more is terminated mid-run
// --rounds R    repeat with seeds S, S+1, ... (default 1)
// --only RE     only the operations whose names match RE (creating clients always runs)
// --trace FILE  write every operation launched, one line each (thread step name client); a
//               thread's lines depend only on its seed, so `grep '^main '` of two runs of
//               one seed compares what they did (after a change to the fuzz, say)
// Exits 1 on any hanging promise, untyped error, crash or wedged thread.
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';

import { runSession, sessionProblems, summarize } from '../test/fuzz/lifecycle-driver.mjs';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '5000' },
    seed: { type: 'string' },
    workers: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '1' },
    'settle-deadline-ms': { type: 'string', default: '90000' },
    only: { type: 'string' },
    trace: { type: 'string' },
  },
  strict: true,
});
const steps = Number(values.steps);
const workers = Number(values.workers);
const rounds = Number(values.rounds);
const firstSeed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
for (const [name, v] of [['steps', steps], ['workers', workers], ['rounds', rounds], ['seed', firstSeed]]) {
  if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`--${name} must be a non-negative integer`);
}

const traceFile = values.trace === undefined ? undefined : createWriteStream(values.trace);
let failed = false;
let totalSteps = 0;
let totalPromises = 0;
for (let round = 0; round < rounds; round++) {
  const seed = firstSeed + round;
  traceFile?.write(`# seed ${seed}\n`);
  console.log(`lifecycle fuzz: seed ${seed}, ${steps} steps in main + ${workers} workers × ${steps}, 1 terminated worker`);
  const report = await runSession({
    seed,
    mainSteps: steps,
    workers,
    workerSteps: steps,
    terminate: true,
    settleDeadlineMs: Number(values['settle-deadline-ms']),
    only: values.only === undefined ? undefined : new RegExp(values.only),
    log: (line) => console.log(`  ${line}`),
    trace: traceFile && ((line) => traceFile.write(`${line}\n`)),
  });
  console.log(summarize(report));
  for (const t of report.threads) {
    totalSteps += t.steps;
    totalPromises += t.settled;
  }
  if (report.terminated) totalSteps += report.terminated.stepsBeforeTerminate;
  const problems = sessionProblems(report);
  if (problems.length > 0) {
    failed = true;
    console.log(`FAILED (seed ${seed}; rerun with --seed ${seed} --steps ${steps} --workers ${workers}):`);
    for (const p of problems) console.log(`  ${p}`);
  }
  const byCode = {};
  for (const t of report.threads) for (const [k, n] of Object.entries(t.errors)) byCode[k] = (byCode[k] ?? 0) + n;
  console.log(`typed failures by class:code: ${JSON.stringify(byCode)}`);
}
console.log(`${failed ? 'FAILED' : 'ok'}: ${totalSteps} steps, ${totalPromises} promises settled, seeds ${firstSeed}..${firstSeed + rounds - 1}`);
if (traceFile) {
  traceFile.end();
  await finished(traceFile);
}
process.exit(failed ? 1 : 0);
