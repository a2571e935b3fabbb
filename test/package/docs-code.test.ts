/**
 * The documentation's TypeScript compiles as written: every ```ts block of README.md and
 * docs/*.md is type-checked, as an ES module of its own, against the package's published
 * types (`import ... from 'octokafka'` resolves through package.json's exports to dist/)
 * under `strict`. A block whose info string says `no-check: <reason>` (```ts no-check: needs
 * your identity provider) is left out, and must give the reason.
 *
 * Fragments that use a variable defined elsewhere on the page declare it on their first
 * lines (`declare const consumer: KafkaConsumer;`), so that the reader sees what it is.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { run, runOk } from '../child-process';

const root = join(__dirname, '..', '..');
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

interface Block {
  page: string;
  line: number;
  info: string;
  code: string;
}

function blocksOf(page: string): Block[] {
  const text = readFileSync(join(root, page), 'utf8');
  const out: Block[] = [];
  const fence = /^```(ts|typescript)\b([^\n]*)\n([\s\S]*?)^```/gm;
  for (const m of text.matchAll(fence)) {
    const line = text.slice(0, m.index).split('\n').length + 1;
    out.push({ page, line, info: m[2]!.trim(), code: m[3]! });
  }
  return out;
}

const blocks = pages.flatMap(blocksOf);
const checked = blocks.filter((b) => !b.info.startsWith('no-check'));

// Inside the repository, so that 'octokafka' resolves to this package (self-reference through
// "exports") and the optional peers (prom-client, pino, ...) to the development copies.
const dir = join(root, `.docs-check-${process.pid}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs code blocks', () => {
  it('finds TypeScript blocks in the README and the docs', () => {
    expect(checked.length).toBeGreaterThanOrEqual(15);
    expect(blocks.some((b) => b.page === 'README.md')).toBe(true);
  });

  it('opt-outs give a reason', () => {
    for (const b of blocks.filter((x) => x.info.startsWith('no-check'))) {
      expect(b.info, `${b.page}:${b.line}`).toMatch(/^no-check:\s*\S.{5,}/);
    }
  });

  it('every ts block type-checks under strict against the package types', () => {
    mkdirSync(dir, { recursive: true });
    const files = new Map<string, Block>();
    checked.forEach((b, i) => {
      const file = join(dir, `${b.page.replace(/[/.]/g, '_')}_${b.line}_${i}.mts`);
      // export {} makes it a module (top-level await); nothing else is added.
      writeFileSync(file, `${b.code}\nexport {};\n`);
      files.set(file, b);
    });
    const program = ts.createProgram([...files.keys()], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
      types: ['node'],
      skipLibCheck: true,
      esModuleInterop: true,
    });
    const problems: string[] = [];
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const block = d.file ? files.get(d.file.fileName) : undefined;
      if (block && d.file && d.start !== undefined) {
        const { line } = d.file.getLineAndCharacterOfPosition(d.start);
        problems.push(`${block.page}:${block.line + line}: ${message}`);
      } else {
        problems.push(`${d.file?.fileName ?? '(global)'}: ${message}`);
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  }, 120_000);
});

describe('generated pages', () => {
  it('docs/configuration-reference.md is what npm run docs:config writes from the property table', () => {
    execFileSync(process.execPath, [join(root, 'scripts/gen-config-docs.mjs'), '--check'], { cwd: root, stdio: 'pipe' });
  });

  it('the chart script reads every throughput row of bench/results.md', () => {
    const out = join(dir, 'chart.svg');
    mkdirSync(dir, { recursive: true });
    const log = execFileSync(process.execPath, [join(root, 'scripts/bench-chart.mjs'), join(root, 'bench/results.md'), out], { encoding: 'utf8' });
    expect(log).toMatch(/\(\d+ bars\)/);
    expect(readFileSync(out, 'utf8')).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });

  it('the peer chart draws a bar pair for every row of the committed peer results, and the targets tables of docs/benchmark.md are the ones those results give', async () => {
    const out = join(dir, 'peers.svg');
    mkdirSync(dir, { recursive: true });
    const inputs = ['bench/peers-mock.json', 'bench/peers-real.json'].map((f) => join(root, f));
    const log = execFileSync(process.execPath, [join(root, 'scripts/bench-peers-chart.mjs'), ...inputs, '--out', out], { encoding: 'utf8' });
    const rows = inputs.flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { rows: Array<{ kind: string; rate?: number }> }).rows);
    expect(log).toContain(`(${rows.filter((r) => r.kind !== 'latency' && r.rate).length} bars)`);
    const report = (await import(join(root, 'bench/peers/report.mjs'))) as { targetsMarkdown(rows: unknown[]): string };
    const page = readFileSync(join(root, 'docs/benchmark.md'), 'utf8');
    for (const broker of ['real', 'mock']) {
      const { rows: brokerRows } = JSON.parse(readFileSync(join(root, `bench/peers-${broker}.json`), 'utf8')) as { rows: unknown[] };
      expect(page).toContain(report.targetsMarkdown(brokerRows));
    }
  });
});

describe('API reference', () => {
  it('npm run docs builds it with no warning (every public symbol documented, no broken link)', async () => {
    // typedoc.json treats warnings as errors: a warning fails the build and is printed here.
    const out = join(dir, 'api');
    const r = await run(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--out', out], { cwd: root, timeout: 240_000 });
    expect(`${r.stdout}${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '')).not.toMatch(/\[warning\]|\[error\]/);
    expect(r.status).toBe(0);
  }, 300_000);
});

describe('links between pages', () => {
  // Written in parallel with these pages; its link is checked once the file exists.
  const pending = new Set(['docs/migrating-from-kafkajs.md']);

  /** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
  function anchorsOf(path: string): Set<string> {
    const text = readFileSync(join(root, path), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    const out = new Set<string>();
    for (const h of text.matchAll(/^#{1,6} (.*)$/gm)) {
      out.add(h[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
    }
    return out;
  }

  it('every relative link of README.md and docs/*.md points to a file of the repository (and heading)', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(root, page), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split('#')[0]!;
        if (target === '' || /^[a-z]+:/.test(target)) continue;
        const path = join(dirname(page), target);
        if (!existsSync(join(root, path))) {
          if (!pending.has(path)) broken.push(`${page}: ${m[1]}`);
          continue;
        }
        const anchor = m[1]!.split('#')[1];
        if (anchor !== undefined && path.endsWith('.md') && !anchorsOf(path).has(anchor)) broken.push(`${page}: ${m[1]} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
