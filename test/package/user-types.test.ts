/**
 * What a user's tools see: the package's type declarations, as `npm pack` would ship them,
 * compile in a fresh user project under `strict` with `skipLibCheck` off, with the
 * TypeScript and `@types/node` that `npm i -D typescript @types/node` installs today and with
 * the oldest TypeScript the package supports (5.5: zod, whose types the declarations use,
 * needs 5.5), as ESM and as CommonJS. Also what the package ships beside the code: the
 * license texts and the changelog, and no source maps (they would point at lib/, which is not
 * shipped).
 *
 * Needs `dist/` (npm test builds it first) and the npm registry (to install the compilers);
 * without the registry the type checks are skipped with that reason.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { run, runOk } from '../child-process';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  license: string;
  homepage: string;
  repository: { url: string };
  bugs: { url: string };
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const work = mkdtempSync(join(tmpdir(), 'octokafka-user-types-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The files `npm pack` would put in the package (scripts off: no build, no prebuild). */
async function packedFiles(): Promise<string[]> {
  const out = await runOk('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, timeout: 120_000 });
  const [info] = JSON.parse(out.slice(out.indexOf('['))) as [{ files: { path: string }[] }];
  return info.files.map((f) => f.path);
}

let files: string[] = [];
beforeAll(async () => {
  if (!existsSync(join(root, 'dist/cjs/index.d.ts'))) throw new Error('dist/ is missing: run npm run build:ts first');
  files = await packedFiles();
}, 120_000);

describe('package contents', () => {
  it('ships the license, the third-party notices and the changelog', () => {
    for (const f of ['LICENSE', 'THIRD_PARTY_NOTICES', 'CHANGELOG.md', 'README.md']) expect(files).toContain(f);
    expect(pkg.license).toBe('Apache-2.0');
    expect(pkg.repository.url).toMatch(/^git\+https:\/\/github\.com\//);
    expect(pkg.bugs.url).toMatch(/^https:\/\//);
    expect(pkg.homepage).toMatch(/^https:\/\//);
  });

  it('ships no source maps (they would point at lib/*.ts, which is not in the package)', () => {
    expect(files.filter((f) => /\.(js|mjs|cjs|ts|mts|cts)\.map$/.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('lib/'))).toEqual([]);
  });

  it("declares the AWS packages MSK IAM loads on demand as optional peers", () => {
    for (const name of ['@smithy/signature-v4', '@aws-crypto/sha256-js', '@aws-sdk/credential-providers']) {
      expect(pkg.peerDependencies).toHaveProperty([name]);
      expect(pkg.peerDependenciesMeta).toHaveProperty([name, 'optional'], true);
    }
  });
});

/** A user project: the packed files of octokafka in node_modules, its dependencies linked from this checkout. */
async function userProject(name: string, compilers: string[]): Promise<{ dir: string; skip?: string }> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `user-${name}`, private: true, type: 'module' }));
  const install = await run('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--ignore-scripts', ...compilers], {
    cwd: dir,
    timeout: 240_000,
  });
  if (install.status !== 0) {
    const text = `${install.stderr}${install.signal ?? ''}`;
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH/.test(text)) return { dir, skip: `the npm registry is unreachable (${compilers.join(' ')})` };
    throw new Error(`npm install ${compilers.join(' ')} failed:\n${text}`);
  }
  const target = join(dir, 'node_modules/octokafka');
  for (const f of files) {
    mkdirSync(dirname(join(target, f)), { recursive: true });
    cpSync(join(root, f), join(target, f));
  }
  for (const dep of Object.keys(pkg.dependencies)) {
    const link = join(dir, 'node_modules', dep);
    mkdirSync(dirname(link), { recursive: true });
    if (!existsSync(link)) symlinkSync(join(root, 'node_modules', dep), link);
  }
  // What a user writes: both module systems, the raw clients and the topic layer, strict.
  const body = `
const cluster = await MockCluster.start({ topics: [{ name: 'events', partitions: 3 }] });
const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
const report = await producer.send({ topic: 'events', key: 'k', value: Buffer.from('v'), headers: [['h', 'v']] });
const offset: bigint = report.offset;
const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': 'g' });
const message = await consumer.consume({ timeoutMs: 100 });
const value: Buffer | null | undefined = message?.value;
consumer.on('error', (e: KafkaError) => console.log(e.code, offset, value));
const driver = await Driver.embedded({ kafka: {} });
const topic = await driver.createTopic('t', { num_partitions: 1 });
const event = await topic.consumer('g').pull({ timeoutMs: 10 });
if (event) console.log(event.id, event.metadata);
await driver.close(); await consumer.close(); await producer.close(); await cluster.close();
// Typed configurations: valid ones compile, wrong names and values do not; the escape hatch is explicit.
const typed: ProducerConfig = { 'bootstrap.servers': ['b1:9092', 'b2:9092'], acks: 'all', 'compression.type': 'zstd', 'linger.ms': 5, 'enable.idempotence': true, debug: ['broker', 'protocol'], 'client.id': undefined };
const typedConsumer: ConsumerConfig = { 'group.id': 'g', 'auto.offset.reset': 'earliest', 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'PLAIN', ...uncheckedConfig({ 'fetch.wait.max.ms': process.env.FETCH_WAIT }) };
const typedAdmin: AdminConfig = { 'bootstrap.servers': 'b:9092', 'client.id': 'admin' };
const wide: KafkaConfig = typed;
// @ts-expect-error acks is a number or 'all'
const badAcks: ProducerConfig = { acks: 'most' };
// @ts-expect-error linger.ms is a number
const badLinger: ProducerConfig = { 'linger.ms': 'soon' };
// @ts-expect-error bootstrap.servers is a string or an array of strings
const badServers: AdminConfig = { 'bootstrap.servers': 9092 };
// @ts-expect-error a misspelt name
const badName: ConsumerConfig = { 'group.idd': 'g' };
// @ts-expect-error a producer property in a consumer configuration
const badRole: ConsumerConfig = { 'linger.ms': 5 };
// @ts-expect-error compression.type is one of none, gzip, snappy, lz4, zstd
const badCompression: ProducerConfig = { 'compression.type': 'brotli' };
// @ts-expect-error auto.offset.reset is one of its named values
const badReset: ConsumerConfig = { 'auto.offset.reset': 'oldest' };
console.log(typed, typedConsumer, typedAdmin, wide, badAcks, badLinger, badServers, badName, badRole, badCompression, badReset);
`;
  writeFileSync(join(dir, 'esm.mts'), `import { Driver, KafkaConsumer, KafkaError, KafkaProducer, MockCluster, uncheckedConfig, type AdminConfig, type ConsumerConfig, type KafkaConfig, type ProducerConfig } from 'octokafka';\n${body}\nexport {};\n`);
  writeFileSync(
    join(dir, 'cjs.cts'),
    `import { Driver, KafkaConsumer, KafkaError, KafkaProducer, MockCluster, uncheckedConfig, type AdminConfig, type ConsumerConfig, type KafkaConfig, type ProducerConfig } from 'octokafka';\nexport async function main(): Promise<void> {${body}}\n`,
  );
  // No "types" and no skipLibCheck: what `tsc --init`-free projects get.
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: false }, files: ['esm.mts', 'cjs.cts'] }),
  );
  return { dir };
}

async function typeCheck(dir: string): Promise<{ status: number | null; output: string; version: string }> {
  const tsc = join(dir, 'node_modules/typescript/bin/tsc');
  const version = (await runOk(process.execPath, [tsc, '-v'], { cwd: dir })).trim();
  const r = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, timeout: 240_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}`, version };
}

describe("the package's declarations in a user project (strict, skipLibCheck off, module nodenext)", () => {
  const cases: Array<[string, string[]]> = [
    ['latest', ['typescript@latest', '@types/node@latest']],
    ['oldest', ['typescript@5.5', '@types/node@20.19']],
  ];
  for (const [name, compilers] of cases) {
    it(`compiles with ${compilers.join(' and ')}`, async (ctx) => {
      const project = await userProject(name, compilers);
      if (project.skip) return ctx.skip(project.skip);
      const { status, output, version } = await typeCheck(project.dir);
      console.log(`${name}: ${version}, ${output.trim() === '' ? 'no errors' : output}`);
      expect(output).toBe('');
      expect(status).toBe(0);
    }, 300_000);
  }
});
