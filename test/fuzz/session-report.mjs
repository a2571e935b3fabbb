// @ts-check
// What a session's reports say: the problems to fail on, and one summary line per thread.

/** @typedef {import('./session.mjs').SessionReport} SessionReport */

/**
 * The problems of a session, one line each (empty: all good).
 * @param {SessionReport} s
 */
export function sessionProblems(s) {
  const out = [...s.failures];
  for (const t of s.threads) {
    for (const h of t.hanging) out.push(`[${t.thread} seed ${t.seed}] promise of ${h.op} (launched at step ${h.step}) never settled`);
    out.push(...t.violations);
    if (!t.sanity) out.push(`[${t.thread} seed ${t.seed}] the round-trip after the fuzz failed`);
  }
  if (s.terminated && s.terminated.exitCode !== 1) out.push(`terminated worker exited with ${s.terminated.exitCode}, expected 1 (terminate())`);
  return out;
}

/**
 * One summary line per thread.
 * @param {SessionReport} s
 */
export function summarize(s) {
  const lines = s.threads.map((t) => {
    const failed = Object.values(t.errors).reduce((a, b) => a + b, 0);
    return `${t.thread.padEnd(9)} seed ${String(t.seed).padEnd(10)} ${t.steps} steps, ${t.tracked} promises (${t.settled} settled, ${t.hanging.length} hanging), ${failed} typed failures, ${t.afterClose} calls after close, ${t.errorEvents} error events, ${t.violations.length} violations, ${(t.durationMs / 1000).toFixed(1)} s`;
  });
  if (s.terminated) lines.push(`terminated seed ${s.terminated.seed}: terminate() after ${s.terminated.stepsBeforeTerminate} steps, exit code ${s.terminated.exitCode}`);
  return lines.join('\n');
}
