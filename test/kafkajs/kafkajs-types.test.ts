/**
 * Types: applications written against KafkaJS's own type declarations (test/fixtures/
 * kafkajs-types, real-world-shaped) compile unchanged against `octokafka/kafkajs` — only the
 * module name changes. The same files are first compiled against `kafkajs` itself, so a
 * failure here is a difference of ours, not a mistake in the fixtures.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const fixtures = join(__dirname, '../fixtures/kafkajs-types');
const work = mkdtempSync(join(tmpdir(), 'kafkajs-types-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function compile(dir: string, paths: Record<string, string[]>): string {
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'commonjs',
        moduleResolution: 'node10',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        esModuleInterop: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
        baseUrl: '.',
        paths,
      },
      include: ['*.ts'],
    }),
  );
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e);
  }
}

describe('KafkaJS applications compile against octokafka/kafkajs', () => {
  it('the fixtures compile against kafkajs itself', () => {
    const dir = join(work, 'kafkajs');
    cpSync(fixtures, dir, { recursive: true });
    expect(compile(dir, { kafkajs: [join(root, 'node_modules/kafkajs/types/index.d.ts')] })).toBe('');
  }, 120_000);

  it('and, with the import changed to octokafka/kafkajs, against ours', () => {
    const dir = join(work, 'octokafka');
    cpSync(fixtures, dir, { recursive: true });
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text).toContain("from 'kafkajs'");
      writeFileSync(join(dir, f), text.replaceAll("from 'kafkajs'", "from 'octokafka/kafkajs'"));
    }
    expect(compile(dir, { 'octokafka/kafkajs': [join(root, 'lib/kafkajs/index.ts')] })).toBe('');
  }, 120_000);

  it('package.json exports octokafka/kafkajs for import and require, with types', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(pkg.exports['./kafkajs']).toEqual({
      import: { types: './dist/esm/kafkajs.d.mts', default: './dist/esm/kafkajs.mjs' },
      require: { types: './dist/cjs/kafkajs/index.d.ts', default: './dist/cjs/kafkajs/index.js' },
    });
  });
});
