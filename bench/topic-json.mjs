#!/usr/bin/env node
// Cost of writing metadata the way Octopus does (keys sorted, exact 64-bit integers) against
// plain JSON.stringify / JSON.parse (insertion order, doubles), side by side in one process:
// rounds alternate the two (A, B, A, B, ...) so that drift hits both alike; prints the median
// ns per call of each and their ratio. Run `npm run build:ts` first (it uses dist/).
//
//   node bench/topic-json.mjs [--rounds N] [--calls N]
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { octopusJson, parseOctopusJson } = require('../dist/cjs/topic/components/json-text.js');

const { values: argv } = parseArgs({
  options: { rounds: { type: 'string', default: '15' }, calls: { type: 'string', default: '200000' } },
  strict: true,
});
const rounds = Number(argv.rounds);
const calls = Number(argv.calls);
const fail = (path, reason) => new Error(`${path}: ${reason}`);

// Metadata shapes: the topic benchmark's ({"i":n}), a flat record already in order, the same
// record in another order (the writer must sort it), and a nested document.
const shapes = {
  'bench {"i":n}': (i) => ({ i }),
  'flat 6 keys, sorted': (i) => ({ a: i, device: 'sensor-17', level: 3, ok: true, ts: 1733400000000 + i, unit: 'C' }),
  'flat 6 keys, unsorted': (i) => ({ ts: 1733400000000 + i, device: 'sensor-17', unit: 'C', level: 3, ok: true, a: i }),
  'nested, unsorted': (i) => ({ source: 'sensor', detail: { reading: i, unit: 'C', tags: ['x', 'y'] }, id: i, at: { s: 1, ns: 2 } }),
};

function time(fn, inputs) {
  const start = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < calls; i++) sink += fn(inputs[i & 1023]).length ?? 1;
  const ns = Number(process.hrtime.bigint() - start) / calls;
  if (sink < 0) console.log(sink);
  return ns;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

function compare(label, a, b, inputs) {
  for (let w = 0; w < 3; w++) {
    time(a, inputs);
    time(b, inputs);
  }
  const ra = [];
  const rb = [];
  for (let r = 0; r < rounds; r++) {
    ra.push(time(a, inputs));
    rb.push(time(b, inputs));
  }
  const ma = median(ra);
  const mb = median(rb);
  console.log(`${label.padEnd(44)} ${ma.toFixed(0).padStart(6)} ns  ${mb.toFixed(0).padStart(6)} ns  x${(mb / ma).toFixed(2)}`);
}

console.log(`${'write (JSON.stringify | octopusJson)'.padEnd(44)} ${'A'.padStart(9)} ${'B'.padStart(9)}  B/A`);
for (const [name, make] of Object.entries(shapes)) {
  const inputs = Array.from({ length: 1024 }, (_, i) => make(i));
  compare(name, (m) => JSON.stringify(m), (m) => octopusJson(m, fail), inputs);
}
console.log(`\n${'read (JSON.parse | parseOctopusJson)'.padEnd(44)} ${'A'.padStart(9)} ${'B'.padStart(9)}  B/A`);
for (const [name, make] of Object.entries(shapes)) {
  const inputs = Array.from({ length: 1024 }, (_, i) => octopusJson(make(i), fail));
  compare(name, (t) => JSON.parse(t), (t) => parseOctopusJson(t), inputs);
}
const big = Array.from({ length: 1024 }, (_, i) => `{"id":${18446744073709551615n - BigInt(i)},"n":${i}}`);
compare('read {"id":<uint64>,"n":i} (exact path)', (t) => JSON.parse(t), (t) => parseOctopusJson(t), big);
