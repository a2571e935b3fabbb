/**
 * The folder tree of lib/ is the architecture: each folder is a layer, and a layer may import
 * only from its own layer and the layers below it. This test reads every lib/**\/*.ts, takes
 * its relative import specifiers (`import`, `import type`, `export … from`, `import()` and
 * `require()` of relative paths), and fails on an import of a higher layer and on any import
 * cycle between files (type-only imports count: a cycle of types is still a knot to untie).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

import { describe, expect, it } from 'vitest';

const lib = join(__dirname, '..', '..', 'lib');

/**
 * The layers, lowest first. A file's layer is the first folder under lib/ (the files at lib/'s
 * root are the package's entry points). The order is the one the code needs:
 * - util: errors and dependency-free helpers, which everything uses;
 * - native: the binding loader and what is read from it (librdkafka's version);
 * - config: librdkafka properties, client configuration, secrets, environment variables;
 * - auth: SASL/OAUTHBEARER token providers and AWS MSK IAM, which client-base drives;
 * - core: what every client shares (client-base, message types, delivery batches, the
 *   registry through which a mock cluster makes itself known);
 * - observability: tracing (the producer instruments its sends) and metrics;
 * - admin: the admin client, and the readiness probe that producers and consumers use;
 * - client: producer and consumer;
 * - testing: the mock cluster (in this process or in its own);
 * - topic: the Octopus topic model over the clients;
 * - app: connections files, graceful shutdown, the worker;
 * - cli, kafkajs: the command line and the KafkaJS-compatible API, over everything;
 * - entry: lib/index.ts and lib/cli.ts.
 */
const RANK: Record<string, number> = {
  util: 0,
  native: 1,
  config: 2,
  auth: 3,
  core: 4,
  observability: 5,
  admin: 6,
  client: 7,
  testing: 8,
  topic: 9,
  app: 10,
  cli: 11,
  kafkajs: 11,
  entry: 12,
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

function layerOf(file: string): string {
  const parts = relative(lib, file).split(sep);
  return parts.length === 1 ? 'entry' : parts[0]!;
}

/** The relative specifiers a source imports, in any of the forms TypeScript compiles. */
export function relativeImports(source: string): string[] {
  const specs: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s+['"](\.{1,2}\/[^'"]*)['"]/g,
    /\bimport\s+['"](\.{1,2}\/[^'"]*)['"]/g,
    /\b(?:import|require)\(\s*['"](\.{1,2}\/[^'"]*)['"]\s*\)/g,
  ];
  // Comments may quote paths (`see './errors'`): they are not imports.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  for (const pattern of patterns) for (const m of code.matchAll(pattern)) specs.push(m[1]!);
  return specs;
}

function resolveImport(from: string, spec: string): string {
  const base = join(dirname(from), spec).replace(/\.(js|ts)$/, '');
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  throw new Error(`${relative(lib, from)}: cannot resolve ${spec}`);
}

/** Every import edge of lib/, file to file. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(lib)) {
    graph.set(file, relativeImports(readFileSync(file, 'utf8')).map((spec) => resolveImport(file, spec)));
  }
  return graph;
}

/** The import cycles (each as the files around it), by a depth-first search over the graph. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found.map((c) => c.map((f) => relative(lib, f)));
}

describe('lib/ layers', () => {
  const graph = importGraph();

  it('finds the imports of every form', () => {
    const source = [
      "import { a } from './a';",
      "import type { B } from '../b';",
      "export { c } from './c/index';",
      "export * from './d';",
      "import './e';",
      "const f = require('./f');",
      "type G = typeof import('./g');",
      "// import { x } from './not-an-import';",
    ].join('\n');
    expect(relativeImports(source)).toEqual(['./a', '../b', './c/index', './d', './e', './f', './g']);
    expect(graph.size).toBeGreaterThan(100);
  });

  it('puts every file in a known layer', () => {
    expect([...new Set([...graph.keys()].map(layerOf))].filter((l) => RANK[l] === undefined)).toEqual([]);
  });

  it('has no import of a higher layer', () => {
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      for (const target of imports) {
        if (RANK[layerOf(target)]! > RANK[layerOf(file)]!) {
          upward.push(`${relative(lib, file)} (${layerOf(file)}) imports ${relative(lib, target)} (${layerOf(target)})`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import cycle between files', () => {
    expect(cycles(graph).map((c) => c.join(' -> '))).toEqual([]);
  });
});
