/**
 * The package's subpath exports, which show its layers to users: `octokafka/topic`,
 * `octokafka/worker`, `octokafka/metrics`, `octokafka/testing` (and the older `octokafka/kafkajs`
 * and `octokafka/mock-cluster`). Each is imported by package name from a copy of the files
 * `npm pack` would ship, with `require` and with `import`, and its types are checked with tsc
 * (module nodenext) in both module systems. Every name a layer subpath exports is the package
 * root's same object: one implementation, whichever entry a user picks.
 *
 * Needs `dist/` (npm test builds it first). No registry: TypeScript and @types/node are linked
 * from this checkout.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { run, runOk } from '../child-process';

const root = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'octokafka-subpaths-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Each layer subpath, with a value and a type it exports (what the type check names). */
const SUBPATHS: Array<{ path: string; value: string; type: string }> = [
  { path: 'octokafka/topic', value: 'Driver', type: 'TopicInfo' },
  { path: 'octokafka/worker', value: 'runWorker', type: 'WorkerOptions' },
  { path: 'octokafka/metrics', value: 'KafkaMetrics', type: 'Sample' },
  { path: 'octokafka/testing', value: 'MockCluster', type: 'MockClusterOptions' },
];

let dir = '';
beforeAll(async () => {
  if (!existsSync(join(root, 'dist/cjs/index.d.ts'))) throw new Error('dist/ is missing: run npm run build:ts first');
  const out = await runOk('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, timeout: 120_000 });
  const [info] = JSON.parse(out.slice(out.indexOf('['))) as [{ files: { path: string }[] }];
  dir = join(work, 'user');
  const target = join(dir, 'node_modules/octokafka');
  for (const { path } of info.files) {
    mkdirSync(dirname(join(target, path)), { recursive: true });
    cpSync(join(root, path), join(target, path));
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of [...Object.keys(pkg.dependencies), 'typescript', '@types/node']) {
    const link = join(dir, 'node_modules', dep);
    mkdirSync(dirname(link), { recursive: true });
    if (!existsSync(link)) symlinkSync(join(root, 'node_modules', dep), link);
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-subpaths', private: true, type: 'module' }));
}, 120_000);

/** Runs `source` in the user project; prints what it logs. */
async function node(file: string, source: string): Promise<string> {
  writeFileSync(join(dir, file), source);
  return runOk(process.execPath, [file], { cwd: dir, timeout: 60_000 });
}

/** For each subpath: its export names, and the names whose value is not the root's. */
const CHECK = `
const out = {};
for (const path of ${JSON.stringify(SUBPATHS.map((s) => s.path))}) {
  const sub = await load(path);
  const names = Object.keys(sub).filter((n) => n !== 'default' && n !== '__esModule');
  out[path] = { names, notRoot: names.filter((n) => sub[n] !== root[n]) };
}
out.kafkajs = typeof (await load('octokafka/kafkajs')).Kafka;
out.rootHasTopicEvent = 'TopicEvent' in root;
out.mockProcess = mockProcess;
console.log(JSON.stringify(out));
`;

function expectLayers(text: string): void {
  const out = JSON.parse(text) as Record<string, unknown>;
  for (const { path, value } of SUBPATHS) {
    const { names, notRoot } = out[path] as { names: string[]; notRoot: string[] };
    expect(names, path).toContain(value);
    expect(notRoot, path).toEqual([]);
  }
  expect(out.kafkajs).toBe('function');
  expect(out.rootHasTopicEvent).toBe(false);
  expect(out.mockProcess).toMatch(/node_modules\/octokafka\/dist\/cjs\/testing\/mock-cluster-process\.js$/);
}

describe('subpath exports, by package name', () => {
  it('require() (CommonJS)', async () => {
    const text = await node(
      'check.cjs',
      `const load = async (p) => require(p);
const root = require('octokafka');
// The mock process entry starts a mock when run: resolved, not loaded.
const mockProcess = require.resolve('octokafka/mock-cluster');
(async () => {${CHECK}})();`,
    );
    expectLayers(text);
  }, 60_000);

  it('import (ESM)', async () => {
    const text = await node(
      'check.mjs',
      `import { createRequire } from 'node:module';
import * as root from 'octokafka';
const load = (p) => import(p);
const mockProcess = createRequire(import.meta.url).resolve('octokafka/mock-cluster');
${CHECK}`,
    );
    expectLayers(text);
  }, 60_000);

  it('types resolve for each subpath (tsc, module nodenext, ESM and CommonJS)', async () => {
    const imports = SUBPATHS.map((s, i) => `import { ${s.value} as v${i}, type ${s.type} as T${i} } from '${s.path}';`).join('\n');
    const uses = SUBPATHS.map((_, i) => `export const u${i}: [typeof v${i}, T${i} | undefined] = [v${i}, undefined];`).join('\n');
    const body = `${imports}\nimport { Kafka } from 'octokafka/kafkajs';\n${uses}\nexport const k: typeof Kafka = Kafka;\n`;
    writeFileSync(join(dir, 'esm.mts'), body);
    writeFileSync(join(dir, 'cjs.cts'), body);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: false, types: ['node'] },
        files: ['esm.mts', 'cjs.cts'],
      }),
    );
    const r = await run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir, timeout: 240_000 });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  }, 300_000);
});
