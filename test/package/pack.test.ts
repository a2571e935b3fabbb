/**
 * What a user gets from `npm install octokafka`: the packed tarball installs into an
 * empty folder with install scripts disabled and no compiler on PATH, and there
 * produces and consumes a message on a MockCluster, from CommonJS and from ESM.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'octokafka-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const roundTrip = (importLine: string): string => `${importLine}
const cluster = await MockCluster.start({ topics: [{ name: 'packed', partitions: 1 }] });
const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
const report = await producer.send({ topic: 'packed', key: 'k', value: 'from the tarball', headers: [['h', 'v']] });
const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': 'packed' });
await consumer.assign([{ topic: 'packed', partition: 0, offset: 0n }]);
const m = await consumer.consume({ timeoutMs: 10000 });
console.log(JSON.stringify({ offset: String(report.offset), value: m.value.toString(), key: m.key.toString(), header: m.headers[0][1].toString(), isError: new KafkaError({ code: 1, message: 'x' }) instanceof Error }));
await consumer.close(); await producer.close(); await cluster.close();
`;

describe('packed package', () => {
  it('has a prebuilt binary to pack (npm run prebuild)', () => {
    const dir = join(root, 'prebuilds/linux-x64');
    expect(existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.node'))).toBe(true);
  });

  it('installs without install scripts or a compiler and round-trips a message (CJS and ESM)', () => {
    // A PATH with node and npm and nothing else: no cc, g++, make or python.
    const bin = join(work, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const npmCli = execFileSync('sh', ['-c', 'readlink -f "$(command -v npm)"'], { encoding: 'utf8' }).trim();
    symlinkSync(npmCli, join(bin, 'npm'));
    const env = { ...process.env, PATH: bin, npm_config_ignore_scripts: 'true' };
    for (const tool of ['cc', 'gcc', 'g++', 'make', 'python3']) {
      expect(() => execFileSync('sh', ['-c', `command -v ${tool}`], { env: { PATH: bin } })).toThrow();
    }

    const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    execFileSync(join(bin, 'npm'), ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball)], {
      cwd: app,
      env,
      stdio: 'pipe',
    });
    const installed = join(app, 'node_modules/octokafka');
    expect(existsSync(join(installed, 'build'))).toBe(false); // nothing was compiled
    expect(existsSync(join(installed, 'dist/cjs/index.d.ts'))).toBe(true);
    expect(existsSync(join(installed, 'dist/esm/index.d.mts'))).toBe(true);

    writeFileSync(join(app, 'esm.mjs'), roundTrip("import { MockCluster, KafkaProducer, KafkaConsumer, KafkaError } from 'octokafka';"));
    writeFileSync(
      join(app, 'cjs.cjs'),
      `(async () => {${roundTrip("const { MockCluster, KafkaProducer, KafkaConsumer, KafkaError } = require('octokafka');")}})();`,
    );
    for (const script of ['esm.mjs', 'cjs.cjs']) {
      const out = execFileSync(join(bin, 'node'), [script], { cwd: app, env, encoding: 'utf8', timeout: 60_000 });
      expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ offset: '0', value: 'from the tarball', key: 'k', header: 'v', isError: true });
    }
    // The package's bin, with its dependencies (commander, cli-progress) installed alongside.
    const version = execFileSync(join(app, 'node_modules/.bin/octokafka'), ['version'], { cwd: app, env, encoding: 'utf8', timeout: 60_000 });
    expect(version).toMatch(/^octokafka \d+\.\d+\.\d+ \(librdkafka 2\.14\.2\)\n$/);
  });
});
