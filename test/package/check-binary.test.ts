/**
 * scripts/check-binary.mjs, the release gate for binaries: it must pass a clean Node-API
 * shared object and fail one that needs a newer glibc, exports more than the entry point, or
 * needs a shared library beyond libc's. The fixtures are tiny shared objects built here with
 * the machine's C compiler (glibc 2.36, so a newer-than-2.28 symbol is at hand).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const script = join(root, 'scripts/check-binary.mjs');
let dir = '';

/** Builds a shared object from C source; `exportsAll` skips the version script. */
function build(name: string, source: string, extra: string[] = [], exportsAll = false): string {
  const c = join(dir, `${name}.c`);
  const out = join(dir, `${name}.so`);
  writeFileSync(c, source);
  const map = join(dir, 'exports.map');
  const args = ['-shared', '-fPIC', '-O1', c, '-o', out, ...extra];
  if (!exportsAll) args.push(`-Wl,--version-script=${map}`);
  execFileSync('cc', args);
  return out;
}

function check(...args: string[]) {
  const r = spawnSync(process.execPath, [script, '--json', ...args], { encoding: 'utf8' });
  const results = JSON.parse(r.stdout) as { problems: string[]; glibcFloor: string | null; needed: string[]; exports: string[] }[];
  return { status: r.status, results };
}

const entry = 'void *napi_register_module_v1(void *env, void *exports) { return exports; }\n';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'octokafka-check-'));
  writeFileSync(join(dir, 'exports.map'), '{ global: napi_register_module_v1; node_api_module_get_api_version_v1; local: *; };\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('check-binary', () => {
  it('passes a shared object that exports only the entry point and needs only libc', () => {
    const so = build('clean', `#include <string.h>\n${entry}size_t helper(const char *s) { return strlen(s); }\n`);
    const { status, results } = check(so);
    expect(results[0]!.problems).toEqual([]);
    expect(results[0]!.exports).toEqual(['napi_register_module_v1']);
    expect(status).toBe(0);
  });

  it('fails a glibc symbol newer than the floor, and names it', () => {
    // gettid() is GLIBC_2.30.
    const so = build('newglibc', `#define _GNU_SOURCE\n#include <unistd.h>\n${entry}int tid(void) { return gettid(); }\n`);
    const { status, results } = check(so);
    expect(status).toBe(1);
    expect(results[0]!.glibcFloor).toBe('2.30');
    expect(results[0]!.problems.join('\n')).toMatch(/needs glibc 2\.30, above the floor 2\.28 \(GLIBC_2\.30\)/);
    // The same binary is fine against a floor it meets.
    expect(check('--glibc-floor', '2.30', so).status).toBe(0);
  });

  it('fails extra exports (e.g. a statically linked library left visible)', () => {
    const so = build('leaky', `${entry}int SSL_CTX_new(void) { return 1; }\n`, [], true);
    const { status, results } = check(so);
    expect(status).toBe(1);
    expect(results[0]!.problems.join('\n')).toMatch(/exports 1 symbol\(s\) besides the Node-API entry point: SSL_CTX_new/);
  });

  it('fails a needed library other than libc, libm, libpthread, libdl, librt and the loader', () => {
    const so = build('needsz', `#include <zlib.h>\n${entry}const char *v(void) { return zlibVersion(); }\n`, ['-lz', '-lm', '-Wl,--no-as-needed']);
    const { status, results } = check(so);
    expect(status).toBe(1);
    expect(results[0]!.needed).toContain('libz.so.1');
    expect(results[0]!.problems.join('\n')).toMatch(/needs shared libraries other than libc's: libz\.so\.1$/m);
  });

  it('fails a dynamically linked C++ runtime', () => {
    const cc = join(dir, 'cxx.cc');
    writeFileSync(cc, `#include <string>\nextern "C" ${entry}std::string name() { return std::string(40, 'x'); }\n`);
    const so = join(dir, 'cxx.so');
    execFileSync('c++', ['-shared', '-fPIC', cc, '-o', so, `-Wl,--version-script=${join(dir, 'exports.map')}`]);
    const { status, results } = check(so);
    expect(status).toBe(1);
    expect(results[0]!.problems.join('\n')).toMatch(/libstdc\+\+\.so\.6/);
  });
});
