#!/usr/bin/env node
// Summarises V8 .cpuprofile files (from BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR"):
// the top functions by self time, and by inclusive time.
//   node bench/prof-top.mjs FILE.cpuprofile [N]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const [file, nArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/prof-top.mjs FILE.cpuprofile [N]');
  process.exit(2);
}
const n = Number(nArg ?? 15);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of prof.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
const dt = new Map();
for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
const name = (node) => {
  const f = node.callFrame;
  return `${f.functionName || '(anonymous)'} ${f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
};
const self = new Map();
const incl = new Map();
let total = 0;
for (const [id, us] of dt) {
  total += us;
  const node = byId.get(id);
  const k = name(node);
  self.set(k, (self.get(k) ?? 0) + us);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const kk = name(byId.get(cur));
    if (seen.has(kk)) continue;
    seen.add(kk);
    incl.set(kk, (incl.get(kk) ?? 0) + us);
  }
}
const show = (title, m) => {
  console.log(`${title} (total ${(total / 1000).toFixed(0)} ms)`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  }
};
show('self time', self);
show('inclusive time', incl);
