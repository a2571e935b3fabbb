/**
 * The loader's order as an installed application sees it: the per-platform package
 * (octokafka-<os>-<arch>-<gnu|musl>, an optional dependency installed beside octokafka) first,
 * then the package's own prebuilds/ (node-gyp-build), and a platform package whose binary does
 * not load falls back instead of failing.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const header = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
const libc = header.header?.glibcVersionRuntime ? 'glibc' : 'musl';
// This machine's addon: the source build, or the prebuild made from it (prebuildify moves it).
const built = join(root, 'build/Release/octokafka.node');
const binary = existsSync(built) ? built : join(root, `prebuilds/${process.platform}-${process.arch}/octokafka.${libc}.node`);
const platformPackage = `octokafka-${process.platform}-${process.arch}-${libc === 'glibc' ? 'gnu' : 'musl'}`;
let app = '';

/** An application folder with octokafka installed (dist + package.json, no build/). */
function install(opts: { platformBinary?: string; prebuild?: boolean }): string {
  const dir = mkdtempSync(join(app, 'app-'));
  const pkg = join(dir, 'node_modules/octokafka');
  mkdirSync(pkg, { recursive: true });
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true });
  symlinkSync(join(root, 'node_modules/node-gyp-build'), join(dir, 'node_modules/node-gyp-build'));
  if (opts.prebuild) {
    mkdirSync(join(pkg, `prebuilds/${process.platform}-${process.arch}`), { recursive: true });
    cpSync(binary, join(pkg, `prebuilds/${process.platform}-${process.arch}/octokafka.${libc}.node`));
  }
  if (opts.platformBinary !== undefined) {
    const p = join(dir, 'node_modules', platformPackage);
    mkdirSync(p, { recursive: true });
    writeFileSync(join(p, 'package.json'), JSON.stringify({ name: platformPackage, version: '0.0.0' }));
    if (opts.platformBinary === 'broken') writeFileSync(join(p, 'octokafka.node'), 'not an ELF file');
    else cpSync(opts.platformBinary, join(p, 'octokafka.node'));
  }
  return dir;
}

/** Loads the addon in the application and reports what was loaded from where. */
function load(dir: string) {
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `const n = require(require('path').resolve('node_modules/octokafka/dist/cjs/native/binding.js'));
       const b = n.native();
       console.log(JSON.stringify({ name: n.platformPackageName(), from: n.nativeBinaryPath, version: b.librdkafkaVersion }));`,
    ],
    { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, OCTOKAFKA_SKIP_PLATFORM_PACKAGE: '' } },
  );
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as { name: string; from: string; version: string };
}

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'octokafka-platform-'));
});
afterAll(() => rmSync(app, { recursive: true, force: true }));

describe('per-platform package', () => {
  it('is named after os, arch and libc', () => {
    const r = load(install({ prebuild: true }));
    expect(r.name).toBe(platformPackage);
  });

  it('is loaded first, before the in-package prebuild', () => {
    const dir = install({ platformBinary: binary, prebuild: true });
    const r = load(dir);
    expect(r.from).toBe(join(dir, 'node_modules', platformPackage, 'octokafka.node'));
    expect(r.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('without it, the in-package prebuild is loaded', () => {
    const dir = install({ prebuild: true });
    const r = load(dir);
    expect(r.from).toBe(join(dir, `node_modules/octokafka/prebuilds/${process.platform}-${process.arch}/octokafka.${libc}.node`));
  });

  it('a platform binary that does not load falls back to the prebuild', () => {
    const dir = install({ platformBinary: 'broken', prebuild: true });
    const r = load(dir);
    expect(r.from).toContain('/node_modules/octokafka/prebuilds/');
    expect(r.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('install script (scripts/install.cjs)', () => {
  function installScript(withPlatformPackage: boolean) {
    const dir = mkdtempSync(join(app, 'install-'));
    const pkg = join(dir, 'node_modules/octokafka');
    mkdirSync(join(pkg, 'scripts'), { recursive: true });
    cpSync(join(root, 'scripts/install.cjs'), join(pkg, 'scripts/install.cjs'));
    cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
    if (withPlatformPackage) {
      mkdirSync(join(dir, 'node_modules', platformPackage));
      writeFileSync(join(dir, 'node_modules', platformPackage, 'octokafka.node'), 'binary');
    }
    // No node-gyp-build beside it: handing over to it fails, which shows when it is used.
    return spawnSync(process.execPath, [join(pkg, 'scripts/install.cjs')], { cwd: pkg, encoding: 'utf8', timeout: 60_000 });
  }

  it('builds nothing when the platform package is installed', () => {
    const r = installScript(true);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`using ${platformPackage}`);
    expect(r.stdout).toContain('nothing to build');
  });

  it('hands over to node-gyp-build otherwise', () => {
    const r = installScript(false);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("Cannot find module 'node-gyp-build/bin.js'");
  });
});
