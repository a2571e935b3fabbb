// Installs the peer clients into a folder of the benchmark's own (bench/.build/peers), for
// the Node.js that will run them: node-rdkafka and Confluent's client are NAN addons, built
// here against that Node's headers (no download: both build their bundled librdkafka,
// Confluent's against the system's OpenSSL, zlib and zstd, since its static build fetches
// their sources from the internet). Returns { dir, errors } where errors names each peer
// that could not be installed, with why; the benchmark reports those instead of dropping them.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const NATIVE = {
  'node-rdkafka': { addon: 'build/Release/node-librdkafka.node', env: {} },
  '@confluentinc/kafka-javascript': { addon: 'build/Release/confluent-kafka-javascript.node', env: { CKJS_LINKING: 'dynamic' } },
};

function nodeGyp() {
  // npm ships node-gyp; find it next to the npm that runs on this machine.
  const npmRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
  for (const p of [join(npmRoot, 'npm/node_modules/node-gyp/bin/node-gyp.js'), join(npmRoot, 'node-gyp/bin/node-gyp.js')]) if (existsSync(p)) return p;
  throw new Error('node-gyp not found (it comes with npm)');
}

export function installPeers(dir, nodeBin, log = (s) => process.stderr.write(`${s}\n`)) {
  mkdirSync(dir, { recursive: true });
  const errors = {};
  const wanted = readFileSync(join(here, 'package.json'), 'utf8');
  const stamp = join(dir, '.installed');
  const key = `${wanted}\n${nodeBin}`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return { dir, errors: JSON.parse(readFileSync(join(dir, '.errors.json'), 'utf8')) };
  copyFileSync(join(here, 'package.json'), join(dir, 'package.json'));
  log(`peers: npm install in ${dir}`);
  // npm runs under the benchmark's Node (first on PATH), so that engine checks are its.
  const path = `${dirname(nodeBin)}:${process.env.PATH}`;
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], { cwd: dir, env: { ...process.env, PATH: path }, stdio: ['ignore', 'ignore', 'inherit'] });
  const nodeDir = dirname(dirname(nodeBin));
  const gyp = nodeGyp();
  for (const [name, { addon, env }] of Object.entries(NATIVE)) {
    const pkg = join(dir, 'node_modules', name);
    log(`peers: building ${name} for ${nodeBin} (a few minutes: it compiles its librdkafka)`);
    const run = () =>
      execFileSync(nodeBin, [gyp, ...arguments_], {
        cwd: pkg,
        env: { ...process.env, ...env, PATH: path, JOBS: '2' },
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 256 * 1024 * 1024,
      });
    let arguments_ = ['rebuild', `--nodedir=${nodeDir}`];
    try {
      try {
        run();
      } catch {
        // Their gyp files race under parallel make (the addon links before librdkafka is
        // installed): a second, incremental build finishes it.
        arguments_ = ['build', `--nodedir=${nodeDir}`];
        run();
      }
      if (!existsSync(join(pkg, addon))) throw new Error(`${addon} was not built`);
      createRequire(join(dir, 'package.json'));
    } catch (e) {
      const out = `${e.stdout ?? ''}${e.stderr ?? ''}`.split('\n').filter((l) => /error|ERR!/i.test(l)).slice(0, 5).join(' / ');
      errors[name] = `build failed: ${out || e.message}`.slice(0, 400);
      log(`peers: ${name}: ${errors[name]}`);
    }
  }
  writeFileSync(join(dir, '.errors.json'), JSON.stringify(errors));
  writeFileSync(stamp, key);
  return { dir, errors };
}
