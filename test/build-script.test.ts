/**
 * scripts/librdkafka.sh stops with a message that says exactly what to do when the
 * tarball does not match the pin or a tool is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
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
