/**
 * The addon must be self-contained: it links librdkafka, OpenSSL, zstd, zlib and the C++
 * runtime statically and exports nothing but the Node-API entry points.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const candidates = [join(root, 'build/Release/octokafka.node')];
const prebuildDir = join(root, 'prebuilds/linux-x64');
if (existsSync(prebuildDir)) {
  for (const f of readdirSync(prebuildDir)) if (f.endsWith('.node')) candidates.push(join(prebuildDir, f));
}
const binaries = candidates.filter((f) => existsSync(f));

describe('native binary', () => {
  it('exists', () => {
    expect(binaries.length).toBeGreaterThan(0);
  });

  for (const file of binaries) {
    const name = file.slice(root.length + 1);

    it(`${name}: ldd lists only libc, libm, libpthread and libdl`, () => {
      const libs = execFileSync('ldd', [file], { encoding: 'utf8' })
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[0]!)
        .filter((l) => l && !l.startsWith('linux-vdso') && !l.includes('ld-linux'));
      expect(libs.length).toBeGreaterThan(0);
      for (const lib of libs) expect(lib).toMatch(/^lib(c|m|pthread|dl)\.so\.\d+$/);
    });

    it(`${name}: needs glibc 2.36 at most (the README's promise)`, () => {
      const versions = [...execFileSync('objdump', ['-T', file], { encoding: 'utf8' }).matchAll(/GLIBC_(\d+)\.(\d+)/g)].map(
        (m) => Number(m[1]) * 1000 + Number(m[2]),
      );
      expect(versions.length).toBeGreaterThan(0);
      expect(Math.max(...versions)).toBeLessThanOrEqual(2036);
    });

    it(`${name}: exports only the Node-API entry points (no rd_kafka_*, no OpenSSL)`, () => {
      const symbols = execFileSync('nm', ['-D', '--defined-only', file], { encoding: 'utf8' })
        .split('\n')
        .map((l) => l.trim().split(/\s+/).pop()!)
        .filter(Boolean);
      expect(symbols.filter((s) => /^(rd_kafka_|SSL_|EVP_|OPENSSL_|CRYPTO_|ZSTD_|deflate|inflate)/.test(s))).toEqual([]);
      expect(symbols).toContain('napi_register_module_v1');
      expect(symbols.length).toBeLessThanOrEqual(2);
    });
  }

  it('is built from the pinned librdkafka with the features the build promises', async () => {
    const { librdkafkaVersion, librdkafkaFeatures } = await import('../../lib/native/version');
    const pin = (await import('node:fs')).readFileSync(join(root, 'deps/librdkafka.pin'), 'utf8');
    expect(librdkafkaVersion()).toBe(/LIBRDKAFKA_VERSION=(\S+)/.exec(pin)![1]);
    expect(librdkafkaFeatures()).toEqual(expect.arrayContaining(['ssl', 'sasl_plain', 'sasl_scram', 'sasl_oauthbearer', 'zstd', 'lz4']));
  });
});
