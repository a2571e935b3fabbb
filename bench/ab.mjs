#!/usr/bin/env node
// A/B of two versions of the TypeScript layer, run alternately (A, B, A, B, ...) so that this
// machine's drift from minute to minute hits both alike; single runs vary by ±15 % here, the
// medians of alternating pairs tell a 5-10 % change apart.
//
//   node bench/ab.mjs --a REV [--b REV] [--only REGEX] [--pairs N] [--count N]
//
//   --a REV      git revision of version A (e.g. HEAD~1)
//   --b REV      version B (default: the working tree)
//   --only       bench scenario ids, as bench/run.mjs --only (default ^js-batch$)
//   --pairs N    alternating pairs (default 8)
//   --count N    messages per run (default 1,000,000), at 100 B
//
// Only dist/ is swapped: both versions use the native addon built in this tree, so this
// compares TypeScript changes. Each run is `bench/run.mjs --repeat 1` with
// BENCH_THREAD_CPU=1; dist/ is put back at the end, also on failure.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const { values: argv } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    only: { type: 'string', default: '^js-batch$' },
    pairs: { type: 'string', default: '8' },
    count: { type: 'string', default: '1000000' },
  },
  strict: true,
});
if (!argv.a) throw new Error('--a REV is required (e.g. --a HEAD~1)');
const pairs = Number(argv.pairs);
const work = join(here, '.build/ab');

/** Builds dist/ of a revision (or of the working tree) into `out`. */
function buildDist(rev, out) {
  rmSync(out, { recursive: true, force: true });
  if (!rev) {
    execFileSync(process.execPath, [join(root, 'scripts/build-ts.mjs')], { cwd: root, stdio: 'inherit' });
    cpSync(join(root, 'dist'), out, { recursive: true });
    return;
  }
  const tree = join(work, 'tree');
  rmSync(tree, { recursive: true, force: true });
  execFileSync('git', ['worktree', 'add', '--detach', tree, rev], { cwd: root, stdio: 'inherit' });
  try {
    symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
    execFileSync(process.execPath, [join(tree, 'scripts/build-ts.mjs')], { cwd: tree, stdio: 'inherit' });
    cpSync(join(tree, 'dist'), out, { recursive: true });
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: root, stdio: 'inherit' });
  }
}

function runOnce() {
  const r = spawnSync(process.execPath, [join(here, 'run.mjs'), '--count', argv.count, '--sizes', '100', '--repeat', '1', '--only', argv.only, '--no-write', '--quiet', '0.3', '--quiet-wait', '10'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, BENCH_THREAD_CPU: '1', BENCH_VERBOSE: '1' },
  });
  const rate = /: ([\d,]+) msgs\/s/.exec(r.stderr);
  const node = /thread CPU s: node ([\d.]+)/.exec(r.stderr);
  return { rate: rate ? Number(rate[1].replaceAll(',', '')) : NaN, node: node ? Number(node[1]) : NaN };
}

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((x, y) => x - y);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

mkdirSync(work, { recursive: true });
const saved = join(work, 'dist-saved');
rmSync(saved, { recursive: true, force: true });
buildDist(argv.b, join(work, 'B'));
buildDist(argv.a, join(work, 'A'));
if (existsSync(join(root, 'dist'))) renameSync(join(root, 'dist'), saved);
const runs = { A: [], B: [] };
try {
  for (let i = 0; i < pairs; i++) {
    for (const v of ['A', 'B']) {
      rmSync(join(root, 'dist'), { recursive: true, force: true });
      cpSync(join(work, v), join(root, 'dist'), { recursive: true });
      const r = runOnce();
      runs[v].push(r);
      process.stdout.write(`${v} ${r.rate.toLocaleString('en-US')} msgs/s, JS thread ${r.node} s\n`);
    }
  }
} finally {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  if (existsSync(saved)) renameSync(saved, join(root, 'dist'));
}
const wins = runs.B.filter((b, i) => b.rate > runs.A[i].rate).length;
process.stdout.write(
  `\nA (${argv.a}) median ${median(runs.A.map((r) => r.rate)).toLocaleString('en-US')} msgs/s, JS thread ${median(runs.A.map((r) => r.node))} s\n` +
    `B (${argv.b ?? 'working tree'}) median ${median(runs.B.map((r) => r.rate)).toLocaleString('en-US')} msgs/s, JS thread ${median(runs.B.map((r) => r.node))} s\n` +
    `B faster in ${wins} of ${pairs} pairs\n`,
);
