#!/usr/bin/env node
// Makes sure prebuilds/ holds this platform's Node-API binary, built from the current native
// sources, without compiling twice: `npm install` (node-gyp-build) has usually just built
// build/Release/octokafka.node from the same sources, so that file is copied and stripped
// into prebuildify's layout instead of running prebuildify's own full rebuild.
//
// Usage: node scripts/prebuild.mjs [--plan] [--for-pack]
//   --plan      print the decision (up-to-date | reuse | build) and the target; change nothing.
//   --for-pack  (npm's prepack) refuse, with a message saying what to do, if the binary
//               cannot be produced: a package without it would install only by compiling.
// Decisions: the prebuild is up to date when it is newer than every native input; otherwise
// a build/Release binary newer than every input is reused; otherwise prebuildify builds.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const plan = args.has('--plan');
const forPack = args.has('--for-pack');

// node-gyp-build's own view of the platform: glibc unless the runtime has no glibc.
const header = /** @type {{ glibcVersionRuntime?: string }} */ (process.report.getReport().header);
const libc = process.env.LIBC || (header.glibcVersionRuntime ? 'glibc' : 'musl');
// prebuildify --napi --tag-libc names the file <package name>.<libc>.node (no ABI tag: node-gyp-build
// then takes it for any Node.js version); the same name here, so both routes write one file.
const pkgName = /** @type {{ name: string }} */ (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))).name;
const target = join(root, 'prebuilds', `${process.platform}-${process.arch}`, `${pkgName.replace(/\//g, '+')}.${libc}.node`);
const built = join(root, 'build/Release/octokafka.node');

/** Every file whose change must change the binary. */
function inputs() {
  const files = [join(root, 'binding.gyp'), join(root, 'deps/librdkafka.pin'), join(root, 'scripts/librdkafka.sh')];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(join(root, 'native'));
  walk(join(root, 'deps/patches'));
  return files.filter((f) => existsSync(f));
}

const newestInput = Math.max(...inputs().map((f) => statSync(f).mtimeMs));
const fresh = (f) => existsSync(f) && statSync(f).mtimeMs >= newestInput;

const decision = fresh(target) ? 'up-to-date' : fresh(built) ? 'reuse' : 'build';
const rel = (p) => p.slice(root.length + 1);
if (plan) {
  console.log(`${decision} ${rel(target)}`);
  process.exit(0);
}

function fail(why) {
  console.error(`prebuild: ${why}`);
  if (forPack) {
    console.error(
      `prebuild: refusing to pack: the package would have no binary for ${process.platform}-${process.arch} (${libc}) ` +
        'and every user would need a compiler. Build it first (bash scripts/install-system-deps.sh && npm install, ' +
        'or npm run prebuild:force) and pack again.',
    );
  }
  process.exit(1);
}

if (decision === 'up-to-date') {
  console.log(`prebuild: ${rel(target)} is up to date`);
} else if (decision === 'reuse') {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.tmp`;
  copyFileSync(built, tmp);
  // As prebuildify --strip does: the package ships the stripped binary.
  const s = spawnSync('strip', ['--strip-all', tmp], { stdio: 'inherit' });
  if (s.status !== 0) fail(`strip failed on ${rel(tmp)} (install binutils)`);
  renameSync(tmp, target);
  console.log(`prebuild: ${rel(target)} from ${rel(built)} (built by npm install from the current sources; not rebuilt)`);
} else {
  console.log('prebuild: no current build; building with prebuildify');
  const r = spawnSync(process.execPath, [join(root, 'node_modules/prebuildify/bin.js'), '--napi', '--strip', '--tag-libc'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0 || !existsSync(target)) fail(`prebuildify failed (exit ${r.status ?? r.signal})`);
}

if (forPack) {
  // The binary must load here, not just exist: a truncated or foreign file fails now.
  try {
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(target)})`], { stdio: 'pipe' });
  } catch (e) {
    fail(`${rel(target)} does not load: ${String(/** @type {{ stderr?: Buffer }} */ (e).stderr ?? e).trim()}`);
  }
  console.log(`prebuild: packing with ${rel(target)} (${(statSync(target).size / 1e6).toFixed(1)} MB)`);
}
