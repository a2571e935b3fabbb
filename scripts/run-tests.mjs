// Runs the vitest suite and ends with one plain summary line ("N passed, N failed,
// N skipped") that any CI can read. Arguments are passed to vitest.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'octokafka-tests-'));
const report = join(dir, 'report.json');
const vitest = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
let summary = 'tests: no report';
const failures = [];
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  summary = `tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
  // Failures again at the end, short: a CI that keeps only the tail of the log still says what failed.
  const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
  for (const file of r.testResults ?? []) {
    const name = file.name.startsWith(root) ? file.name.slice(root.length + 1) : file.name;
    const failed = (file.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const t of failed) failures.push(`FAILED ${name} > ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
    // A file can fail with no test failed: an error while collecting it, or a fork that crashed.
    if (failed.length === 0 && file.status === 'failed') failures.push(`FAILED ${name}: ${firstLine(file.message)}`);
  }
  // OCTOKAFKA_TESTS_LIST_SKIPPED=1: which tests were skipped (their names say why), per file.
  if (process.env.OCTOKAFKA_TESTS_LIST_SKIPPED) {
    const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
    for (const file of r.testResults ?? []) {
      const skipped = (file.assertionResults ?? []).filter((t) => t.status === 'pending' || t.status === 'skipped' || t.status === 'todo');
      if (skipped.length === 0) continue;
      console.log(`skipped ${skipped.length} in ${file.name.startsWith(root) ? file.name.slice(root.length + 1) : file.name}:`);
      for (const t of skipped) console.log(`  - ${t.fullName}`);
    }
  }
  // The slowest files (wall time, files run side by side): what to look at when CI nears its budget.
  const timed = (r.testResults ?? [])
    .filter((f) => f.endTime > f.startTime)
    .map((f) => [f.endTime - f.startTime, f.name.startsWith(root) ? f.name.slice(root.length + 1) : f.name])
    .sort((a, b) => b[0] - a[0]);
  if (timed.length > 0) console.log(`slowest files: ${timed.slice(0, 12).map(([ms, n]) => `${n} ${(ms / 1000).toFixed(0)} s`).join(', ')}`);
} catch {
  // vitest crashed before writing its report; its exit code says it failed.
}
rmSync(dir, { recursive: true, force: true });
for (const line of failures) console.log(line);
console.log(summary);
// OCTOKAFKA_TESTS_SUMMARY_FILE: the summary and failures are appended there too (.ci/run repeats them last).
if (process.env.OCTOKAFKA_TESTS_SUMMARY_FILE) {
  const label = process.env.OCTOKAFKA_TESTS_LABEL ? `${process.env.OCTOKAFKA_TESTS_LABEL}: ` : '';
  appendFileSync(process.env.OCTOKAFKA_TESTS_SUMMARY_FILE, [...failures, summary].map((l) => label + l).join('\n') + '\n');
}
process.exit(run.status ?? 1);

function firstLine(text) {
  const line = String(text ?? 'no message').split('\n').find((l) => l.trim() !== '') ?? 'no message';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
