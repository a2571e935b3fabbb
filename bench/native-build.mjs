// Compiles bench/native/bench.c (the C program: the native limit) against the librdkafka
// that octokafka links, once per source and library version (cached in bench/.build).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

/** The path of the compiled C program. */
export function buildNative() {
  const prefix = execFileSync(join(root, 'scripts/librdkafka.sh'), ['--print-prefix'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const lib = join(prefix, 'lib/librdkafka.a');
  const src = join(here, 'native/bench.c');
  const st = statSync(lib);
  const key = createHash('sha256').update(readFileSync(src)).update(`${lib}:${st.size}:${st.mtimeMs}`).digest('hex').slice(0, 12);
  const bin = join(here, '.build', `bench-${key}`);
  if (!existsSync(bin)) {
    mkdirSync(join(here, '.build'), { recursive: true });
    const args = ['-O2', '-Wall', '-o', bin, src, `-I${join(prefix, 'include')}`, lib, '-lssl', '-lcrypto', '-lzstd', '-lz', '-lpthread', '-lm', '-ldl'];
    process.stderr.write(`compiling ${relative(root, src)} against ${lib}\n`);
    execFileSync('cc', args, { cwd: root, stdio: ['ignore', 'inherit', 'pipe'] });
  }
  return bin;
}

/** librdkafka properties as the C program's -X (producer) or -C (consumer) arguments. */
export function confArgs(flag, conf) {
  return Object.entries(conf).flatMap(([k, v]) => [flag, `${k}=${v}`]);
}
