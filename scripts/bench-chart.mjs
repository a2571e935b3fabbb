// Draws docs/benchmark.svg from bench/results.md: throughput of every scenario of the last
// full run, at 100 B and 1 KiB, the C programs (the native limit of the same run) beside the
// JavaScript paths. No dependency and no network: the SVG is written by hand.
//
//   node scripts/bench-chart.mjs [results.md] [out.svg]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { esc, svgPage } from './svg-chart.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const input = process.argv[2] ?? join(root, 'bench/results.md');
const output = process.argv[3] ?? join(root, 'docs/benchmark.svg');
const text = readFileSync(input, 'utf8');

const date = /^Date: (\S+)/m.exec(text)?.[1]?.slice(0, 10) ?? '';
const machine = /^Machine: ([^\n]*?)\s*$/m.exec(text)?.[1] ?? '';
const node = /^(Node v[\d.]+)/m.exec(text)?.[1] ?? '';

/** Rows of the results table that have a throughput: { size, label, native, rate }. */
const rows = [];
for (const line of text.split('\n')) {
  const cells = line.split('|').map((c) => c.trim());
  if (cells.length < 6 || !/^\d+ B$/.test(cells[1] ?? '')) continue;
  const rate = Number((cells[3] ?? '').replace(/,/g, ''));
  if (!Number.isFinite(rate) || rate <= 0) continue;
  const label = cells[2]
    .replace(/\s*\(median of \d+\)/, '')
    .replace(/\s*\(native limit\)/, '')
    .replace(/ \+ poll, flush/, '')
    .replace(/, 10 in flight/, '')
    .replace(/, 50k window.*$/, '')
    .replace(/ \(fire-and-forget\)/, '')
    .replace(/, pre-filled/, '');
  rows.push({ size: cells[1], label, native: label.startsWith('C '), rate });
}
if (rows.length === 0) throw new Error(`no throughput rows in ${input}`);

const sizes = [...new Set(rows.map((r) => r.size))];
const width = 900;
const labelWidth = 420;
const barMax = width - labelWidth - 110;
const barHeight = 16;
const gap = 6;
const top = 64;
const max = Math.max(...rows.map((r) => r.rate));
const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : `${Math.round(n / 1e3)} k/s`);

const parts = [];
let y = top;
for (const size of sizes) {
  parts.push(`<text x="10" y="${y + 12}" class="h">${esc(size === '1024 B' ? '1 KiB messages' : `${size} messages`)}</text>`);
  y += 24;
  for (const r of rows.filter((x) => x.size === size)) {
    const w = Math.max(1, Math.round((r.rate / max) * barMax));
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 12}" class="l" text-anchor="end">${esc(r.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${w}" height="${barHeight}" class="${r.native ? 'c' : 'js'}"/>`,
      `<text x="${labelWidth + w + 6}" y="${y + 12}" class="v">${fmt(r.rate)}</text>`,
    );
    y += barHeight + gap;
  }
  y += 12;
}
const height = y + 30;
const svg = svgPage(
  width,
  height,
  `.l, .v { font-size: 11px; fill: #222; }
.c { fill: #9a9a9a; }
.js { fill: #2f6db5; }`,
  `<text x="10" y="24" class="t">octokafka throughput, messages per second (median of 3 runs, 1,000,000 messages)</text>
<text x="10" y="44" class="s">${esc(`${date} · ${machine} · ${node} · embedded mock broker in another process on the same machine`)}</text>
<rect x="${width - 250}" y="52" width="12" height="10" class="c"/><text x="${width - 234}" y="61" class="n">C program, same librdkafka (native limit)</text>
<rect x="${width - 250}" y="${height - 22}" width="12" height="10" class="js"/><text x="${width - 234}" y="${height - 13}" class="n">octokafka (JavaScript)</text>
${parts.join('\n')}`,
);
writeFileSync(output, svg);
console.log(`wrote ${output} (${rows.length} bars)`);
