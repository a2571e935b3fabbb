#!/usr/bin/env node
// The release build, one command (npm run release:build): cross-builds every Linux target
// (scripts/cross-build.sh), gates each binary (scripts/check-binary.mjs), lays out one npm
// package per platform and the main package that lists them as optionalDependencies, and packs
// them all into release/, ready to publish (publishing is not done here).
//
// Usage: node scripts/release.mjs [--targets linux-x64-glibc,linux-x64-musl,...] [--out release]
//
// Layout of --out:
//   packages/octokafka-linux-<arch>-<gnu|musl>/   package.json (os, cpu, libc), octokafka.node
//   octokafka-linux-<arch>-<gnu|musl>-<version>.tgz
//   main/package/                                 the main package as npm pack made it, with
//                                                 optionalDependencies added and no prebuilds/
//   octokafka-<version>.tgz
// Why the main package drops prebuilds/ and the repository's package.json has no
// optionalDependencies: users download only their platform's binary; and a development
// `npm install` must not resolve package names that are not published yet.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { checkBinary } from './check-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
// target -> npm's os/cpu/libc and the package name's suffix
const TARGETS = {
  'linux-x64-glibc': { cpu: 'x64', libc: 'glibc', suffix: 'linux-x64-gnu' },
  'linux-x64-musl': { cpu: 'x64', libc: 'musl', suffix: 'linux-x64-musl' },
  'linux-arm64-glibc': { cpu: 'arm64', libc: 'glibc', suffix: 'linux-arm64-gnu' },
  'linux-arm64-musl': { cpu: 'arm64', libc: 'musl', suffix: 'linux-arm64-musl' },
};
const targets = opt('--targets', Object.keys(TARGETS).join(',')).split(',');
const out = resolve(opt('--out', join(root, 'release')));
for (const t of targets) if (!TARGETS[t]) throw new Error(`unknown target ${t} (${Object.keys(TARGETS).join(', ')})`);

const main = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;
const log = (s) => console.log(`release: ${s}`);
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'packages'), { recursive: true });

// 1. Build and gate every binary first: nothing is laid out when one fails.
const built = {};
let failed = false;
for (const t of targets) {
  const start = Date.now();
  const r = spawnSync('bash', [join(root, 'scripts/cross-build.sh'), t], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`cross-build.sh ${t} failed (exit ${r.status})`);
  const file = r.stdout.trim().split('\n').pop();
  const check = checkBinary(file);
  log(`${t}: ${mb(statSync(file).size)}, glibc floor ${check.glibcFloor ?? 'none (musl)'}, needs ${check.needed.join(' ')}; ${((Date.now() - start) / 1000).toFixed(0)} s`);
  for (const p of check.problems) log(`${t}: FAIL ${p}`);
  failed ||= check.problems.length > 0;
  built[t] = file;
}
if (failed) {
  console.error('release: a binary failed scripts/check-binary.mjs (above); nothing laid out');
  process.exit(1);
}

/**
 * The platform packages' notices: what the cross-built binary links (the pinned versions of
 * deps/cross.pin, and LLVM's C++ runtime from Zig instead of libstdc++), then the main
 * package's notices (librdkafka, OpenSSL, zstd, zlib texts), then the LLVM runtime's license
 * as the toolchain carries it.
 */
function notices() {
  const pin = readFileSync(join(root, 'deps/cross.pin'), 'utf8');
  const get = (name) => new RegExp(`^${name}="([^"]*)"`, 'm').exec(pin)?.[1].split(' ') ?? [];
  const zig = /^ZIG_VERSION=(\S+)/m.exec(pin)?.[1];
  const cache = process.env.OCTOKAFKA_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? '', '.cache'), 'octokafka');
  const llvm = readFileSync(join(cache, 'zig', zig, 'ziglang/lib/libcxx/LICENSE.TXT'), 'utf8');
  return [
    'This package holds one binary of octokafka, cross-built with Zig ' + zig + '. It statically links:',
    `  OpenSSL ${get('OPENSSL_CRATE')[4]} (Apache-2.0), Zstandard ${get('ZSTD_CRATE')[4]} (BSD-3-Clause), zlib ${get('ZLIB_CRATE')[4]} (Zlib),`,
    '  librdkafka and what it bundles, node-addon-api (as listed below), and',
    "  LLVM's libc++, libc++abi, libunwind and compiler-rt, from Zig " + zig + ' (Apache-2.0 WITH LLVM-exception; text at the end),',
    '  in place of the GNU C++ runtime that the list below mentions for builds made with gcc.',
    'The C library (glibc or musl) is not linked in: the binary uses the system one.',
    '',
    readFileSync(join(root, 'THIRD_PARTY_NOTICES'), 'utf8'),
    '==============================================================================',
    '',
    "LLVM's C++ runtime (libc++, libc++abi, libunwind, compiler-rt), as shipped with Zig " + zig,
    '',
    llvm,
  ].join('\n');
}

// 2. One package per platform: npm installs only the one whose os, cpu and libc match.
const optional = {};
for (const t of targets) {
  const { cpu, libc, suffix } = TARGETS[t];
  const name = `${main.name}-${suffix}`;
  const dir = join(out, 'packages', name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(built[t], join(dir, 'octokafka.node'));
  const pkg = {
    name,
    version: main.version,
    description: `The ${t} native binary of ${main.name} (loaded by ${main.name}; not used on its own).`,
    license: main.license,
    os: ['linux'],
    cpu: [cpu],
    libc: [libc],
    files: ['octokafka.node'],
    // Node-API binary: any Node.js the main package supports.
    engines: main.engines,
  };
  pkg.files.push('LICENSE', 'THIRD_PARTY_NOTICES');
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  copyFileSync(join(root, 'LICENSE'), join(dir, 'LICENSE'));
  writeFileSync(join(dir, 'THIRD_PARTY_NOTICES'), notices());
  writeFileSync(join(dir, 'README.md'), `# ${name}\n\nThe ${t} binary of [${main.name}](https://www.npmjs.com/package/${main.name}), installed by it as an optional dependency.\n`);
  execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  optional[name] = main.version;
}

// 3. The main package: npm pack (its prepack checks the package), then the release's changes.
const stage = join(out, 'main');
mkdirSync(stage, { recursive: true });
const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', stage], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  .trim()
  .split('\n')
  .pop();
execFileSync('tar', ['-xzf', join(stage, packed), '-C', stage]);
rmSync(join(stage, packed));
rmSync(join(stage, 'package/prebuilds'), { recursive: true, force: true });
const released = JSON.parse(readFileSync(join(stage, 'package/package.json'), 'utf8'));
released.optionalDependencies = optional;
writeFileSync(join(stage, 'package/package.json'), `${JSON.stringify(released, null, 2)}\n`);
execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', out], { cwd: join(stage, 'package'), stdio: ['ignore', 'ignore', 'inherit'] });

for (const f of [`${main.name}-${main.version}.tgz`, ...Object.keys(optional).map((n) => `${n}-${main.version}.tgz`)]) {
  if (!existsSync(join(out, f))) throw new Error(`${f} was not produced`);
  log(`${f}: ${mb(statSync(join(out, f)).size)} packed`);
}
log(`ready in ${out}`);
