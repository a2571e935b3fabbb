// Compiles lib/ to CommonJS (dist/cjs) with declarations, then writes the ESM entry
// (dist/esm) as a thin re-export of the CommonJS build. One implementation serves both
// module systems, so there is one MockCluster class, one component registry, one
// instanceof KafkaError — no dual-package hazard.
//
// The build goes to a folder of its own and replaces dist/ by renames at the end: a test that
// runs the built package (a child process, the CLI) while another rebuilds it (npm pack runs
// `prepare`) never finds dist/ missing or half written.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Beside dist/ (same depth: the built code finds build/ and package.json relative to itself).
const out = join(root, `dist.next-${process.pid}`);
rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), '--outDir', join(out, 'cjs')], {
  stdio: 'inherit',
});
writeFileSync(join(out, 'cjs/package.json'), '{"type":"commonjs"}\n');

// Named ESM exports are listed explicitly (not left to cjs-module-lexer) so that every
// export is importable by name. One ESM entry per package entry point: the main one, the
// KafkaJS-compatible API (octokafka/kafkajs) and the subpaths that show the layers
// (octokafka/topic, octokafka/worker, octokafka/metrics, octokafka/testing; package.json
// `exports` maps each to this ESM file and to its CommonJS index).
mkdirSync(join(out, 'esm'), { recursive: true });
for (const [cjsPath, esmName] of [
  ['index.js', 'index'],
  ['kafkajs/index.js', 'kafkajs'],
  ['topic/index.js', 'topic'],
  ['app/worker/index.js', 'worker'],
  ['observability/metrics/index.js', 'metrics'],
  ['testing/index.js', 'testing'],
]) {
  const cjs = createRequire(import.meta.url)(join(out, 'cjs', cjsPath));
  const names = Object.keys(cjs).filter((n) => n !== '__esModule' && n !== 'default');
  writeFileSync(
    join(out, `esm/${esmName}.mjs`),
    `import cjs from '../cjs/${cjsPath}';\nexport const { ${names.join(', ')} } = cjs;\nexport default cjs;\n`,
  );
  writeFileSync(
    join(out, `esm/${esmName}.d.mts`),
    `export * from '../cjs/${cjsPath}';\nimport * as octokafka from '../cjs/${cjsPath}';\nexport default octokafka;\n`,
  );
  console.log(`built dist/cjs and dist/esm (${esmName}: ${names.length} exports)`);
}
const old = join(root, `dist.old-${process.pid}`);
try {
  renameSync(join(root, 'dist'), old);
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
}
renameSync(out, join(root, 'dist'));
rmSync(old, { recursive: true, force: true });
