/**
 * scripts/librdkafka.sh stops with a message that says exactly what to do when the
 * tarball does not match the pin or a tool is missing, and the pinned librdkafka source
 * tree is obtainable from two independent places that yield the same tree checksum.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';
import { run, runOk } from '../child-process';

const root = join(__dirname, '..', '..');
const script = join(root, 'scripts/librdkafka.sh');
const work = mkdtempSync(join(tmpdir(), 'octokafka-build-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('scripts/librdkafka.sh', () => {
  it('refuses a tarball whose checksum does not match deps/librdkafka.pin', () => {
    const fake = join(work, 'librdkafka_2.14.2.orig.tar.gz');
    writeFileSync(fake, 'not the release');
    const r = spawnSync('bash', [script], {
      env: { ...process.env, OCTOKAFKA_CACHE: join(work, 'cache'), LIBRDKAFKA_TARBALL: fake },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('checksum mismatch');
    expect(r.stderr).toContain('expected size 4888688 sha256 4d53568c13717b167d12c7b2a0fe12aeb5d6bfe02de53df5b68f86d870a81b33');
    expect(r.stderr).toContain('does not match deps/librdkafka.pin; refusing to build it');
  });

  it('names the package to install when a build tool is missing', () => {
    // A PATH with the shell utilities the script needs before its tool checks, but no cmake.
    const bin = join(work, 'bin');
    mkdirSync(bin);
    for (const tool of ['bash', 'dirname', 'sha256sum', 'cut']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    const r = spawnSync(join(bin, 'bash'), [script], {
      env: { PATH: bin, HOME: work, OCTOKAFKA_CACHE: join(work, 'cache2') },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("'cmake' is not installed. Install it with: apt-get install -y cmake");
  });

  it('prints only the install prefix on stdout with --print-prefix (binding.gyp reads it)', () => {
    const r = spawnSync('bash', [script, '--print-prefix'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout.trim()).toMatch(/librdkafka-2\.14\.2-[0-9a-f]{12}$/);
  });
});

/** deps/librdkafka.pin, parsed (KEY=value lines). */
const pin: Record<string, string> = Object.fromEntries(
  readFileSync(join(root, 'deps/librdkafka.pin'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z0-9_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

/** The last stdout line of a successful run of the script (the tree checksum it printed). */
async function treeFrom(args: string[], env: NodeJS.ProcessEnv): Promise<{ sum: string; stderr: string }> {
  const r = await run('bash', [script, ...args], { env, timeout: 240_000 });
  expect(r.stderr, r.stderr).not.toContain('error:');
  expect(r.status).toBe(0);
  return { sum: r.stdout.trim().split('\n').pop()!, stderr: r.stderr };
}

describe('the pinned librdkafka sources, from each place they come from', () => {
  it('pins a tree checksum', () => {
    expect(pin.LIBRDKAFKA_TREE_SHA256).toMatch(/^[0-9a-f]{64}$/);
    expect(pin.LIBRDKAFKA_NPM_INTEGRITY).toMatch(/^sha512-/);
  });

  it("Debian's source archive (apt-get source, fetched for real into an empty cache) yields the pinned tree", async () => {
    const cache = join(work, 'debian-cache');
    const env: NodeJS.ProcessEnv = { ...process.env, OCTOKAFKA_CACHE: cache };
    delete env.LIBRDKAFKA_TARBALL;
    const { sum, stderr } = await treeFrom(['--verify-source'], env);
    expect(stderr).toContain(`fetching librdkafka=${pin.LIBRDKAFKA_DEBIAN_VERSION} from Debian's source archive`);
    expect(stderr).toContain(`tree checksum ok (Debian librdkafka=${pin.LIBRDKAFKA_DEBIAN_VERSION})`);
    expect(sum).toBe(pin.LIBRDKAFKA_TREE_SHA256);
  }, 240_000);

  it(`the npm registry's copy (${pin.LIBRDKAFKA_NPM_PACKAGE} deps/librdkafka, integrity-checked) yields the same tree`, async () => {
    // npm's own cache keeps the download; the script checks the pinned integrity either way.
    const { sum, stderr } = await treeFrom(['--verify-npm-source'], { ...process.env, OCTOKAFKA_CACHE: join(work, 'npm-cache') });
    expect(stderr).toContain(`tree checksum ok (npm ${pin.LIBRDKAFKA_NPM_PACKAGE})`);
    expect(sum).toBe(pin.LIBRDKAFKA_TREE_SHA256);
  }, 240_000);

  it('falls back to the npm copy when Debian cannot be reached, and verifies the same tree', async () => {
    // apt through a proxy that refuses connections: Debian's archive is unreachable.
    const aptConfig = join(work, 'apt-unreachable.conf');
    writeFileSync(aptConfig, 'Acquire::http::Proxy "http://127.0.0.1:9/";\nAcquire::https::Proxy "http://127.0.0.1:9/";\n');
    const env: NodeJS.ProcessEnv = { ...process.env, OCTOKAFKA_CACHE: join(work, 'chain-cache'), APT_CONFIG: aptConfig };
    delete env.LIBRDKAFKA_TARBALL;
    delete env.LIBRDKAFKA_SOURCES;
    const { sum, stderr } = await treeFrom(['--verify-source'], env);
    expect(stderr).toContain('Debian source: apt-get source failed');
    expect(stderr).toContain(`tree checksum ok (npm ${pin.LIBRDKAFKA_NPM_PACKAGE})`);
    expect(sum).toBe(pin.LIBRDKAFKA_TREE_SHA256);
  }, 240_000);

  it("builds the static library from the npm copy (librdkafka's ./configure, as it has no CMake files)", async () => {
    const cache = join(work, 'npm-build-cache');
    const env: NodeJS.ProcessEnv = { ...process.env, OCTOKAFKA_CACHE: cache, LIBRDKAFKA_SOURCES: 'npm' };
    delete env.LIBRDKAFKA_TARBALL;
    const r = await run('bash', [script, '--print-prefix'], { env, timeout: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('configuring (./configure: this copy has no packaging/cmake)');
    const prefix = r.stdout.trim();
    expect(prefix).toMatch(new RegExp(`librdkafka-${pin.LIBRDKAFKA_VERSION!.replace(/\./g, '\\.')}-configure-[0-9a-f]{12}$`));
    // The pinned version's header, and an archive holding librdkafka's and our patched code.
    const [major, minor, patch] = pin.LIBRDKAFKA_VERSION!.split('.').map(Number);
    const hex = ((major! << 24) | (minor! << 16) | (patch! << 8) | 0xff).toString(16).padStart(8, '0');
    expect(readFileSync(join(prefix, 'include/librdkafka/rdkafka.h'), 'utf8')).toContain(`#define RD_KAFKA_VERSION 0x${hex}`);
    const symbols = execFileSync('nm', ['--defined-only', join(prefix, 'lib/librdkafka.a')], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(symbols).toMatch(/ T rd_kafka_new$/m);
    expect(symbols).toMatch(/ T rd_kafka_mock_partition_max_bytes$/m); // deps/patches applied
    // A second run finds it in the cache (no fetch, no build).
    const again = await run('bash', [script, '--print-prefix'], { env, timeout: 60_000 });
    expect(again.stdout.trim()).toBe(prefix);
    expect(again.stderr).not.toContain('fetching');
  }, 600_000);

  it('the tree checksum covers every source file and leaves out only packaging metadata', () => {
    // Unpack the verified tarball that the Debian test above left in its cache.
    const tarball = join(work, 'debian-cache', pin.LIBRDKAFKA_TARBALL_NAME!);
    const dir = join(work, 'tree');
    mkdirSync(dir);
    execFileSync('tar', ['-xzf', tarball, '-C', dir]);
    const top = join(dir, pin.LIBRDKAFKA_TOP_FOLDER!);
    const sum = (): string => execFileSync('bash', [script, '--tree-sha256', top], { encoding: 'utf8' }).trim();
    expect(sum()).toBe(pin.LIBRDKAFKA_TREE_SHA256);
    // Packaging metadata that not every copy carries does not count...
    writeFileSync(join(top, 'packaging/extra-file'), 'x');
    expect(sum()).toBe(pin.LIBRDKAFKA_TREE_SHA256);
    // ...a changed source file does, and so does an added one.
    appendFileSync(join(top, 'src/rdkafka.c'), '\n');
    const changed = sum();
    expect(changed).not.toBe(pin.LIBRDKAFKA_TREE_SHA256);
    writeFileSync(join(top, 'src/extra.c'), '');
    expect(sum()).not.toBe(changed);
  });
});

