#!/usr/bin/env node
// Checks that addon binaries are fit to ship to every Linux machine of their platform:
//  - glibc floor: no versioned glibc symbol newer than GLIBC_2.28 (older distributions refuse
//    to load the binary otherwise: RHEL 8, Debian 10);
//  - exports: only the Node-API entry points (anything else, e.g. OpenSSL's symbols, would
//    bind to or clash with node's own copies);
//  - needed libraries: only libc, libm, libpthread, libdl, librt and the dynamic loader (glibc
//    or musl): everything else, above all the C++ runtime, is linked in.
// Reads the ELF with binutils' readelf (any architecture).
//
// Usage: node scripts/check-binary.mjs [--glibc-floor 2.28] [--json] FILE...
// Exit status 1 when any file fails; each failure is printed with the offending names.
import { execFileSync } from 'node:child_process';

export const ALLOWED_EXPORTS = new Set(['napi_register_module_v1', 'node_api_module_get_api_version_v1']);
const ALLOWED_NEEDED = [
  /^lib(c|m|dl|rt|pthread)\.so\.\d+$/, // glibc's libraries
  /^ld-linux-[a-z0-9_-]+\.so\.\d+$/, // glibc's dynamic loader (x86-64, aarch64)
  /^libc\.so$/, // musl (its loader answers to libc.so)
  /^(libc|ld)-musl-[a-z0-9_]+\.so\.1$/, // musl as Alpine names it
  /^libc\.musl-[a-z0-9_]+\.so\.1$/,
];

function readelf(args, file) {
  return execFileSync('readelf', ['-W', ...args, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

const versionKey = (v) => v.split('.').map(Number);
function newer(a, b) {
  const x = versionKey(a);
  const y = versionKey(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  }
  return false;
}

/** Facts about one binary and the reasons it fails (empty when it passes). */
export function checkBinary(file, { glibcFloor = '2.28' } = {}) {
  const needed = [...readelf(['-d'], file).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  // Defined dynamic symbols with global or weak binding and default visibility: the exports.
  const exports = [];
  const versions = new Set();
  for (const line of readelf(['--dyn-syms'], file).split('\n')) {
    const f = line.trim().split(/\s+/);
    // Num: Value Size Type Bind Vis Ndx Name
    if (f.length < 8 || !/^\d+:$/.test(f[0])) continue;
    const [, , , type, bind, vis, ndx, name] = f;
    const at = name.indexOf('@');
    if (at > 0) versions.add(name.slice(at).replace(/^@+/, '').replace(/\s.*$/, ''));
    if (ndx === 'UND' || bind === 'LOCAL' || vis !== 'DEFAULT' || type === 'SECTION' || type === 'FILE') continue;
    exports.push(at > 0 ? name.slice(0, at) : name);
  }
  // Versions the binary requires (.gnu.version_r), which is what the loader checks.
  for (const m of readelf(['-V'], file).matchAll(/Name: (\S+)\s+Flags/g)) versions.add(m[1]);
  const glibc = [...versions].filter((v) => v.startsWith('GLIBC_') && /^GLIBC_\d+(\.\d+)*$/.test(v)).map((v) => v.slice(6));
  const floor = glibc.reduce((max, v) => (newer(v, max) ? v : max), '0');
  const foreign = [...versions].filter((v) => /^(GLIBCXX|CXXABI|GCC)_/.test(v));
  const problems = [];
  if (newer(floor, glibcFloor)) {
    const over = glibc.filter((v) => newer(v, glibcFloor)).map((v) => `GLIBC_${v}`);
    problems.push(`needs glibc ${floor}, above the floor ${glibcFloor} (${[...new Set(over)].join(', ')})`);
  }
  const extra = exports.filter((n) => !ALLOWED_EXPORTS.has(n));
  if (extra.length) problems.push(`exports ${extra.length} symbol(s) besides the Node-API entry point: ${extra.slice(0, 10).join(', ')}`);
  if (!exports.includes('napi_register_module_v1')) problems.push('does not export napi_register_module_v1');
  const badNeeded = needed.filter((n) => !ALLOWED_NEEDED.some((re) => re.test(n)));
  if (badNeeded.length) problems.push(`needs shared libraries other than libc's: ${badNeeded.join(', ')}`);
  if (foreign.length) problems.push(`requires C++/gcc runtime symbol versions: ${foreign.join(', ')}`);
  const machine = /Machine:\s+(.+)/.exec(readelf(['-h'], file))?.[1].trim() ?? 'unknown';
  return { file, machine, glibcFloor: glibc.length ? floor : null, exports, needed, problems };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  let glibcFloor = '2.28';
  let json = false;
  const files = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--glibc-floor') glibcFloor = args[++i];
    else if (args[i] === '--json') json = true;
    else files.push(args[i]);
  }
  if (!files.length) {
    console.error('usage: node scripts/check-binary.mjs [--glibc-floor 2.28] [--json] FILE...');
    process.exit(2);
  }
  const results = files.map((f) => checkBinary(f, { glibcFloor }));
  if (json) console.log(JSON.stringify(results, null, 2));
  else {
    for (const r of results) {
      const head = `${r.problems.length ? 'FAIL' : 'ok  '} ${r.file} (${r.machine}; glibc floor ${r.glibcFloor ?? 'none (musl)'}; needs ${r.needed.join(' ') || 'nothing'}; exports ${r.exports.join(' ')})`;
      console.log(head);
      for (const p of r.problems) console.log(`     ${p}`);
    }
  }
  process.exit(results.some((r) => r.problems.length) ? 1 : 0);
}
