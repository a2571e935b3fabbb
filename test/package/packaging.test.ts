/**
 * Packaging: `npm pack` always carries this platform's binary (prepack), `npm test`'s prebuild
 * step reuses the binary `npm install` built instead of compiling again, and a platform with no
 * fitting binary gets an error that names it and says what to do.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';
import { run, runOk } from '../child-process';

const root = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'octokafka-packaging-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime;
const libc = glibc ? 'glibc' : 'musl';
// prebuildify's name for a --napi --tag-libc build: <package name>.<libc>.node.
const prebuildPath = `prebuilds/${process.platform}-${process.arch}/octokafka.${libc}.node`;
const pinnedVersion = /^LIBRDKAFKA_VERSION=(.*)$/m.exec(readFileSync(join(root, 'deps/librdkafka.pin'), 'utf8'))![1]!;

/** A copy of the package's native inputs and prebuild script in a fresh folder. */
function nativeCopy(name: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  for (const p of ['package.json', 'binding.gyp', 'native', 'deps', 'scripts/librdkafka.sh', 'scripts/prebuild.mjs']) {
    cpSync(join(root, p), join(dir, p), { recursive: true });
  }
  return dir;
}

const prebuild = (dir: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(dir, 'scripts/prebuild.mjs'), ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });

describe('npm pack', () => {
  it('lists the binary for this platform and the source-build scripts (prepack makes sure of the binary)', async () => {
    // --dry-run still runs prepack and prepare, as a real pack does.
    const out = await runOk('npm', ['pack', '--dry-run', '--json'], { cwd: root, timeout: 300_000 });
    const [info] = JSON.parse(out.slice(out.indexOf('['))) as [{ size: number; unpackedSize: number; files: { path: string; size: number }[] }];
    const paths = info.files.map((f) => f.path);
    expect(paths).toContain(prebuildPath);
    expect(paths).toContain('scripts/install-system-deps.sh');
    // The install script (the platform package check, then node-gyp-build) ships with it.
    expect(paths).toContain('scripts/install.cjs');
    expect(paths).toContain('scripts/librdkafka.sh');
    expect(paths).toContain('dist/cjs/index.js');
    expect(paths).toContain('deps/librdkafka.pin');
    // The test broker (its Maven poms) is a development tool, not part of the package.
    expect(paths.filter((p) => p.startsWith('deps/kafka'))).toEqual([]);
    // The binary is the stripped prebuild, not an empty placeholder.
    expect(info.files.find((f) => f.path === prebuildPath)!.size).toBe(statSync(join(root, prebuildPath)).size);
    console.log(`packed: ${(info.size / 1e6).toFixed(2)} MB, unpacked ${(info.unpackedSize / 1e6).toFixed(2)} MB, ${paths.length} files`);
  }, 300_000);

  it('prepack refuses, naming the platform and what to do, when the binary cannot be produced', () => {
    // No build/, no prebuilds/ and no prebuildify to build with: nothing can produce the binary.
    const dir = nativeCopy('no-binary');
    const r = prebuild(dir, '--for-pack');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`refusing to pack: the package would have no binary for ${process.platform}-${process.arch} (${libc})`);
    expect(r.stderr).toContain('npm run prebuild:force');
    expect(existsSync(join(dir, prebuildPath))).toBe(false);
  });
});

describe('npm run prebuild (the step npm test runs)', () => {
  it('reuses the binary npm install built from the current sources, and rebuilds only when a native source is newer', () => {
    const dir = nativeCopy('reuse');
    mkdirSync(join(dir, 'build/Release'), { recursive: true });
    // The repository's own build (prebuildify moves it into prebuilds/, so take that when gone).
    const built = existsSync(join(root, 'build/Release/octokafka.node')) ? join(root, 'build/Release/octokafka.node') : join(root, prebuildPath);
    cpSync(built, join(dir, 'build/Release/octokafka.node'));
    // Sources older than the build, as after `npm install` built them.
    const past = new Date(Date.now() - 3600_000);
    utimesSync(join(dir, 'native/addon.cc'), past, past);

    expect(prebuild(dir, '--plan').stdout.trim()).toBe(`reuse ${prebuildPath}`);
    const first = prebuild(dir);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('not rebuilt');
    const target = join(dir, prebuildPath);
    // Stripped (as prebuildify --strip), and a working addon of the pinned librdkafka.
    expect(execFileSync('readelf', ['-S', '-W', target], { encoding: 'utf8' })).not.toContain('.symtab');
    const version = execFileSync(process.execPath, ['-p', `require(${JSON.stringify(target)}).librdkafkaVersion`], { encoding: 'utf8' });
    expect(version.trim()).toBe(pinnedVersion);

    const mtime = statSync(target).mtimeMs;
    const second = prebuild(dir);
    expect(second.stdout).toContain('is up to date');
    expect(statSync(target).mtimeMs).toBe(mtime);

    // A native source edited after both: neither the prebuild nor build/Release is current.
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'native/addon.cc'), future, future);
    expect(prebuild(dir, '--plan').stdout.trim()).toBe(`build ${prebuildPath}`);
  });
});

describe('no binary fits and nothing was built (install scripts off)', () => {
  it('loading the package throws an error naming the platform and the commands to run', () => {
    // The installed package as npm lays it out with scripts off: dist, package.json and a
    // prebuilds/ folder holding only another platform's binary; no build/.
    const dir = join(work, 'installed');
    mkdirSync(dir);
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
    cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
    const other = `prebuilds/${process.platform}-${process.arch}/octokafka.${libc === 'glibc' ? 'musl' : 'glibc'}.node`;
    mkdirSync(join(dir, other, '..'), { recursive: true });
    writeFileSync(join(dir, other), 'another libc');
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));

    const r = spawnSync(
      process.execPath,
      ['-e', "try { require('./dist/cjs/index.js').librdkafkaVersion(); console.log('loaded') } catch (e) { console.log(e.message) }"],
      { cwd: dir, encoding: 'utf8', timeout: 60_000 },
    );
    const message = r.stdout;
    expect(message).not.toContain('loaded');
    expect(message).toContain(`no native binary for this platform: ${process.platform}-${process.arch}, `);
    expect(message).toContain(glibc ? `glibc ${glibc}` : 'musl');
    expect(message).toContain(`Node.js ${process.versions.node} (ABI ${process.versions.modules}, Node-API ${process.versions.napi})`);
    expect(message).toContain(other.slice('prebuilds/'.length));
    expect(message).toContain('npm rebuild octokafka --foreground-scripts');
    expect(message).toContain('bash node_modules/octokafka/scripts/install-system-deps.sh');
    expect(message).toContain('ignore-scripts');
    // ... and the per-platform package it looked for.
    expect(message).toContain(`No platform package octokafka-${process.platform}-${process.arch}-${libc === 'glibc' ? 'gnu' : 'musl'} installed`);
  });
});
