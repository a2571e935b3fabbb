// Compiles lib/ to CommonJS (dist/cjs) with declarations, then writes the ESM entry
// (dist/esm) as a thin re-export of the CommonJS build. One implementation serves both
// module systems, so there is one MockCluster class, one component registry, one
// instanceof KafkaError — no dual-package hazard.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', process.env.OCTOKAFKA_TSCONFIG ?? join(root, 'tsconfig.json')], {
  stdio: 'inherit',
});
writeFileSync(join(root, 'dist/cjs/package.json'), '{"type":"commonjs"}\n');

// Named ESM exports are listed explicitly (not left to cjs-module-lexer) so that every
// export is importable by name. One ESM entry per package entry point: the main one and the
// KafkaJS-compatible API (octokafka/kafkajs).
mkdirSync(join(root, 'dist/esm'), { recursive: true });
for (const [cjsPath, esmName] of [
  ['index.js', 'index'],
  ['kafkajs/index.js', 'kafkajs'],
]) {
  const cjs = createRequire(import.meta.url)(join(root, 'dist/cjs', cjsPath));
  const names = Object.keys(cjs).filter((n) => n !== '__esModule' && n !== 'default');
  writeFileSync(
    join(root, `dist/esm/${esmName}.mjs`),
    `import cjs from '../cjs/${cjsPath}';\nexport const { ${names.join(', ')} } = cjs;\nexport default cjs;\n`,
  );
  writeFileSync(
    join(root, `dist/esm/${esmName}.d.mts`),
    `export * from '../cjs/${cjsPath}';\nimport * as octokafka from '../cjs/${cjsPath}';\nexport default octokafka;\n`,
  );
  console.log(`built dist/cjs and dist/esm (${esmName}: ${names.length} exports)`);
}
