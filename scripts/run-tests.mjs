// Runs the vitest suite and ends with one plain summary line ("N passed, N failed,
// N skipped") that any CI can read. Arguments are passed to vitest.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'octokafka-tests-'));
const report = join(dir, 'report.json');
const vitest = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
let summary = 'tests: no report';
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  summary = `tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
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
} catch {
  // vitest crashed before writing its report; its exit code says it failed.
}
rmSync(dir, { recursive: true, force: true });
console.log(summary);
process.exit(run.status ?? 1);
