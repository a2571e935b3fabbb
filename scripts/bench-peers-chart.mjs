// Draws docs/benchmark-peers.svg from the peer benchmark's results (bench/peers-mock.json and
// bench/peers-real.json, written by bench/peers.mjs): for each broker and message size, every
// client's throughput and its CPU time per message, side by side. No dependency and no
// network: the SVG is written by hand, like scripts/bench-chart.mjs. Without arguments it also
// rewrites the targets tables of docs/benchmark.md (between <!-- targets-mock --> and
// <!-- /targets-mock -->, and the same for real) from those results.
//
//   node scripts/bench-peers-chart.mjs [results.json ...] [--out out.svg]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { esc, svgPage } from './svg-chart.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const output = outAt >= 0 ? args.splice(outAt, 2)[1] : join(root, 'docs/benchmark-peers.svg');
const inputs = args.length ? args : ['bench/peers-mock.json', 'bench/peers-real.json'].map((f) => join(root, f)).filter(existsSync);
if (inputs.length === 0) throw new Error('no peer results (run bench/peers.mjs first)');

const rate = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : `${Math.round(n / 1e3)} k/s`);
const sizeName = (b) => (b >= 1024 ? `${b / 1024} KiB` : `${b} B`);

const width = 1000;
const labelWidth = 330;
const rateMax = 380; // px for the fastest row of a section
const cpuX = labelWidth + rateMax + 90;
const cpuMax = width - cpuX - 60;
const barHeight = 13;
const gap = 4;
const parts = [];
let y = 70;
let bars = 0;
const dates = [];
for (const file of inputs) {
  const { meta, rows: all } = JSON.parse(readFileSync(file, 'utf8'));
  // The growing workloads have their own tables (bench/peers-growth-*.md).
  const rows = all.filter((r) => (r.workload ?? 'base') === 'base');
  dates.push(`${meta.broker === 'mock' ? 'mock' : 'real broker'} ${meta.started.slice(0, 10)}, Node ${meta.node}`);
  for (const size of [...new Set(rows.map((r) => r.size))]) {
    const section = rows.filter((r) => r.size === size && r.kind !== 'latency');
    const maxRate = Math.max(...section.map((r) => r.rate ?? 0));
    const maxCpu = Math.max(...section.map((r) => r.cpuUsPerMsg ?? 0));
    parts.push(`<text x="10" y="${y + 12}" class="h">${esc(`${meta.broker === 'mock' ? 'MockCluster' : 'Kafka broker'}, ${sizeName(size)} messages`)}</text>`);
    parts.push(`<text x="${labelWidth}" y="${y + 12}" class="n">msgs/s (median)</text><text x="${cpuX}" y="${y + 12}" class="n">client CPU µs per message (all threads)</text>`);
    y += 22;
    for (const kind of ['produce', 'consume']) {
      for (const r of section.filter((x) => x.kind === kind)) {
        const cls = r.client.startsWith('octokafka') ? 'o' : 'p';
        parts.push(`<text x="${labelWidth - 8}" y="${y + 10}" class="l" text-anchor="end">${esc(r.label)}</text>`);
        if (!r.rate) {
          parts.push(`<text x="${labelWidth}" y="${y + 10}" class="v">failed: ${esc((r.errors[0] ?? '').slice(0, 70))}</text>`);
        } else {
          const w = Math.max(1, Math.round((r.rate / maxRate) * rateMax));
          const c = Math.max(1, Math.round((r.cpuUsPerMsg / maxCpu) * cpuMax));
          parts.push(
            `<rect x="${labelWidth}" y="${y}" width="${w}" height="${barHeight}" class="${cls}"/>`,
            `<text x="${labelWidth + w + 5}" y="${y + 10}" class="v">${rate(r.rate)}</text>`,
            `<rect x="${cpuX}" y="${y}" width="${c}" height="${barHeight}" class="${cls}c"/>`,
            `<text x="${cpuX + c + 5}" y="${y + 10}" class="v">${r.cpuUsPerMsg.toFixed(2)}</text>`,
          );
          bars++;
        }
        y += barHeight + gap;
      }
      y += 6;
    }
    y += 10;
  }
}
const height = y + 20;
const svg = svgPage(
  width,
  height,
  `.l, .v { font-size: 10.5px; fill: #222; }
.o { fill: #2f6db5; } .oc { fill: #7fa6d6; }
.p { fill: #9a9a9a; } .pc { fill: #c4c4c4; }`,
  `<text x="10" y="24" class="t">Node.js Kafka clients side by side: throughput and CPU per message (blue: octokafka)</text>
<text x="10" y="44" class="s">${esc(dates.join(' · '))} · 1 partition, acks=1, median of 3 runs, each in its own process</text>
${parts.join('\n')}`,
);
writeFileSync(output, svg);
console.log(`wrote ${output} (${bars} bars)`);

if (args.length === 0 && outAt < 0) {
  const { targetsMarkdown } = await import(pathToFileURL(join(root, 'bench/peers/report.mjs')).href);
  const page = join(root, 'docs/benchmark.md');
  let text = readFileSync(page, 'utf8');
  for (const file of inputs) {
    const { meta, rows } = JSON.parse(readFileSync(file, 'utf8'));
    const open = `<!-- targets-${meta.broker} -->`;
    const close = `<!-- /targets-${meta.broker} -->`;
    const at = text.indexOf(open);
    const end = text.indexOf(close);
    if (at < 0 || end < at) continue;
    text = `${text.slice(0, at + open.length)}\n${targetsMarkdown(rows)}\n${text.slice(end)}`;
  }
  writeFileSync(page, text);
  console.log(`updated the targets tables of ${page}`);
}
