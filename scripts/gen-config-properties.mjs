#!/usr/bin/env node
// Generates lib/config/config-properties.ts: one line per librdkafka configuration property, read
// from librdkafka's CONFIGURATION.md (names, scope, role, type, range, enum values, default,
// deprecation, aliases) plus the few facts that only src/rdkafka_conf.c holds: which
// properties are secret (_RK_SENSITIVE), which integer properties take names (acks=all) and
// which properties octokafka's prebuilt librdkafka lacks (no libcurl; Linux only).
//
// It also generates lib/config/config-property-types.ts: the precise TypeScript type of every
// settable property, by role, with its TSDoc (see lib/config/typed-config.ts).
//
// Usage (the output is committed; rerun it when deps/librdkafka.pin changes):
//   node scripts/gen-config-properties.mjs [--check] [CONFIGURATION.md] [rdkafka_conf.c]
// Defaults: <prefix>/share/CONFIGURATION.md, where <prefix> is what
// `bash scripts/librdkafka.sh --print-prefix` prints, and src/rdkafka_conf.c read straight
// from the pinned, sha256-checked source tarball in librdkafka.sh's cache folder.
// --check writes nothing and exits 1 if either generated file is out of date.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'lib/config/config-properties.ts');
const typesOut = join(root, 'lib/config/config-property-types.ts');

/** deps/librdkafka.pin is shell `KEY=value` lines. */
function readPin() {
  const pin = {};
  for (const line of readFileSync(join(root, 'deps/librdkafka.pin'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) pin[m[1]] = m[2];
  }
  return pin;
}

function librdkafkaPrefix() {
  return execFileSync('bash', [join(root, 'scripts/librdkafka.sh'), '--print-prefix'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/** The cache folder of scripts/librdkafka.sh (same rule), which holds the verified tarball. */
function cacheDir() {
  return process.env.OCTOKAFKA_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'octokafka');
}

/** rdkafka_conf.c from the cached source tarball, checked against the pin first. */
function confCFromTarball(pin) {
  const tarball = join(cacheDir(), pin.LIBRDKAFKA_TARBALL_NAME);
  if (!existsSync(tarball)) throw new Error(`${tarball} is missing: run bash scripts/librdkafka.sh first, or pass rdkafka_conf.c`);
  const sha = createHash('sha256').update(readFileSync(tarball)).digest('hex');
  if (sha !== pin.LIBRDKAFKA_TARBALL_SHA256) throw new Error(`${tarball} does not match deps/librdkafka.pin`);
  return execFileSync('tar', ['-xzOf', tarball, `${pin.LIBRDKAFKA_TOP_FOLDER}/src/rdkafka_conf.c`], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
}

const TYPES = {
  integer: 'integer',
  float: 'float',
  boolean: 'boolean',
  'enum value': 'enum',
  'CSV flags': 'flags',
  string: 'string',
  'pattern list': 'patterns',
  'see dedicated API': 'api',
};
const ROLES = { '*': 'both', C: 'consumer', P: 'producer' };

/** Splits a Markdown table row on unescaped pipes (kinit.cmd's default holds `\|`). */
function cells(line) {
  return line.split(/(?<!\\)\|/).map((c) => c.replace(/\\\|/g, '|').trim());
}

/** The first sentence of a description, without markers, for describeProperty(). */
function summarize(desc) {
  let s = desc
    .replace(/<br>\s*\*Type:[^*]*\*\s*$/, '')
    .replace(/\*\*(DEPRECATED|EXPERIMENTAL)\*\*:?( subject to change or removal\.)?/g, '')
    .replace(/^\s*Alias for `[^`]+`:\s*/, '')
    .replace(/\*\*/g, '')
    .trim()
    .replace(/^\[/, '');
  // A sentence ends at a full stop followed by a capital (not at "SASL-SCRAM-.. mechanism").
  const end = s.search(/\.(\s+[A-Z`*(]|\s*$)/);
  if (end >= 0) s = s.slice(0, end + 1);
  if (s.length > 160) s = `${s.slice(0, 157).trimEnd()}...`;
  return s;
}

function parseMarkdown(md) {
  const props = [];
  let scope;
  for (const line of md.split('\n')) {
    if (line.startsWith('## Global')) scope = 'global';
    else if (line.startsWith('## Topic')) scope = 'topic';
    if (!scope || !line.includes('|') || /^(Property\s|-{3})/.test(line)) continue;
    const c = cells(line);
    if (c.length < 6) continue;
    const [name, cp, range, def, importance] = c;
    const desc = c.slice(5).join('|');
    const typeText = /\*Type: ([^*]+)\*\s*$/.exec(desc)?.[1];
    const type = TYPES[typeText];
    if (!type || !ROLES[cp]) throw new Error(`cannot parse the row of ${name}: type ${typeText}, C/P ${cp}`);
    const p = { name, scope, role: ROLES[cp], type };
    const numeric = /^(-?\d+(?:\.\d+)?) \.\. (-?\d+(?:\.\d+)?)$/.exec(range);
    if (numeric) {
      p.min = Number(numeric[1]);
      p.max = Number(numeric[2]);
    } else if ((type === 'enum' || type === 'flags') && range) {
      p.values = range.split(',').map((v) => v.trim());
    }
    if (def) p.default = def;
    p.importance = importance;
    const alias = /^(?:\*\*DEPRECATED\*\*\s*)?Alias for `([^`]+)`/.exec(desc);
    if (alias) p.alias = alias[1];
    if (desc.includes('**DEPRECATED**')) p.deprecated = true;
    if (desc.includes('**EXPERIMENTAL**')) p.experimental = true;
    p.summary = summarize(desc);
    props.push(p);
  }
  return props;
}

/** Drops `.s2i = {...}` blocks so that per-value tags are not read as per-property ones. */
function withoutS2i(seg) {
  let s = seg;
  for (let at = s.indexOf('.s2i'); at >= 0; at = s.indexOf('.s2i')) {
    let i = s.indexOf('{', at);
    let depth = 0;
    for (; i < s.length; i++) {
      if (s[i] === '{') depth++;
      else if (s[i] === '}' && --depth === 0) break;
    }
    s = s.slice(0, at) + s.slice(i + 1);
  }
  return s;
}

/**
 * What octokafka's prebuilt librdkafka lacks (see scripts/librdkafka.sh: WITH_CURL=OFF, built
 * for Linux), by the tag rdkafka_conf.c puts on the property. Other tags (SSL, zlib, zstd,
 * OpenSSL versions, Windows-only Kerberos restrictions) are satisfied by that build.
 */
const UNSUPPORTED_TAGS = {
  _UNSUPPORTED_HTTP: 'libcurl',
  _UNSUPPORTED_HTTPS: 'libcurl',
  _UNSUPPORTED_OIDC: 'libcurl',
  'configuration only valid on Windows': 'windows',
};

/** Per (scope, name): sensitive flag, unsupported tag and named integers from rdkafka_conf.c. */
function parseConfC(src) {
  const start = src.indexOf('rd_kafka_properties[] = {');
  if (start < 0) throw new Error('rd_kafka_properties[] not found in rdkafka_conf.c');
  const body = src.slice(start);
  const entry = /\{\s*((?:_RK_[A-Z_]+\s*\|?\s*)+),\s*"([^"]+)",\s*(_RK_C_[A-Z0-9]+)/g;
  const found = [...body.matchAll(entry)];
  const facts = new Map();
  found.forEach((m, i) => {
    const seg = body.slice(m.index + m[0].length, found[i + 1]?.index ?? body.length);
    const scope = m[1].includes('_RK_TOPIC') ? 'topic' : 'global';
    const f = { sensitive: m[1].includes('_RK_SENSITIVE'), hidden: m[1].includes('_RK_HIDDEN') };
    const flat = withoutS2i(seg);
    const tags = [...flat.matchAll(/(_UNSUPPORTED_[A-Z0-9_]+)|\.unsupported\s*=\s*"([^"]+)"/g)];
    const last = tags.at(-1);
    if (last) f.unsupported = UNSUPPORTED_TAGS[last[1] ?? last[2]];
    if (m[3] === '_RK_C_INT' && seg.includes('.s2i')) {
      f.named = Object.fromEntries([...seg.matchAll(/\{\s*(-?\d+)\s*,\s*"([^"]+)"/g)].map((n) => [n[2], Number(n[1])]));
    }
    facts.set(`${scope}:${m[2]}`, f);
  });
  return facts;
}

function merge(props, facts) {
  const sensitiveSeen = [...facts].filter(([, f]) => f.sensitive && !f.hidden).map(([k]) => k);
  for (const p of props) {
    const f = facts.get(`${p.scope}:${p.name}`);
    if (!f) throw new Error(`${p.scope} property ${p.name} is documented but not in rdkafka_conf.c`);
    if (f.sensitive) p.sensitive = true;
    if (f.unsupported) p.unsupported = f.unsupported;
    if (f.named && Object.keys(f.named).length) p.named = f.named;
  }
  // Aliases carry no flags in rdkafka_conf.c: inherit the target's, since the value is the same.
  for (const p of props) {
    if (!p.alias) continue;
    const target = props.find((t) => t.scope === p.scope && t.name === p.alias);
    if (!target) throw new Error(`${p.name} is an alias of unknown ${p.alias}`);
    for (const k of ['sensitive', 'unsupported', 'named', 'separator', 'choices']) if (target[k] !== undefined) p[k] = target[k];
  }
  const missing = sensitiveSeen.filter((k) => !props.some((p) => `${p.scope}:${p.name}` === k));
  if (missing.length) throw new Error(`sensitive properties missing from CONFIGURATION.md: ${missing.join(', ')}`);
}

/**
 * String properties that hold lists, with the separator librdkafka splits them on: the runtime
 * joins arrays with it and the generated types accept arrays for them. (Flags and pattern lists
 * are comma-separated lists too.)
 */
const LIST_SEPARATORS = {
  'metadata.broker.list': ',',
  'partition.assignment.strategy': ',',
  'ssl.providers': ',',
  'plugin.library.paths': ';',
  // OpenSSL's list syntax.
  'ssl.cipher.suites': ':',
  'ssl.curves.list': ':',
  'ssl.sigalgs.list': ':',
};

/**
 * String properties whose values librdkafka restricts though CONFIGURATION.md lists no range
 * (it compares them case-sensitively, so the runtime sends the canonical spelling).
 */
const STRING_CHOICES = {
  // rd_kafka_conf_validate_partitioner() in rdkafka_conf.c.
  partitioner: ['random', 'consistent', 'consistent_random', 'murmur2', 'murmur2_random', 'fnv1a', 'fnv1a_random'],
  // The SASL providers of rdkafka_sasl.c (GSSAPI is rejected later, with its own reason).
  'sasl.mechanisms': ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER', 'GSSAPI'],
  // Built-in assignors of rdkafka_assignor.c; each element of the list.
  'partition.assignment.strategy': ['range', 'roundrobin', 'cooperative-sticky'],
};

/** Adds octokafka's own facts (list separators, string choices); aliases inherit them in merge(). */
function addOctokafkaFacts(props) {
  for (const [table, key] of [[LIST_SEPARATORS, 'separator'], [STRING_CHOICES, 'choices']]) {
    for (const [name, value] of Object.entries(table)) {
      const p = props.find((q) => q.name === name);
      if (!p || p.type !== 'string') throw new Error(`${name} is not a string property`);
      p[key] = value;
    }
  }
}

const KEY_ORDER = ['name', 'scope', 'role', 'type', 'min', 'max', 'values', 'named', 'separator', 'choices', 'default', 'importance', 'alias', 'deprecated', 'experimental', 'sensitive', 'unsupported', 'summary'];

/** A TypeScript literal with single-quoted strings (the repository's style). */
function ts(v) {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(ts).join(', ')}]`;
  if (v && typeof v === 'object') {
    const key = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : ts(k));
    return `{ ${Object.entries(v).map(([k, x]) => `${key(k)}: ${ts(x)}`).join(', ')} }`;
  }
  return String(v);
}

function literal(p) {
  const parts = KEY_ORDER.filter((k) => p[k] !== undefined).map((k) => `${k}: ${ts(p[k])}`);
  return `  { ${parts.join(', ')} },`;
}

function render(props, version) {
  const head = `// Generated by scripts/gen-config-properties.mjs from librdkafka ${version}'s CONFIGURATION.md
// and src/rdkafka_conf.c. Do not edit by hand: run \`node scripts/gen-config-properties.mjs\`.
/* eslint-disable */

/** The librdkafka release this table describes. */
export const LIBRDKAFKA_CONFIG_VERSION = '${version}';

/** Value kinds, from CONFIGURATION.md's "Type:" (\`api\`: set through a dedicated C API, not a string). */
export type PropertyType = 'integer' | 'float' | 'boolean' | 'enum' | 'flags' | 'string' | 'patterns' | 'api';

/** One documented librdkafka configuration property. */
export interface PropertyInfo {
  /** The property name as librdkafka spells it. */
  readonly name: string;
  /** \`global\` or \`topic\` (topic properties may be given in the flat client configuration). */
  readonly scope: 'global' | 'topic';
  /** Which clients use it (CONFIGURATION.md's C/P column). */
  readonly role: 'producer' | 'consumer' | 'both';
  /** The kind of value the property takes. */
  readonly type: PropertyType;
  /** Inclusive range of integer and float properties. */
  readonly min?: number;
  /** Inclusive upper bound of integer and float properties. */
  readonly max?: number;
  /** Allowed values of enum and CSV-flag properties (matched case-insensitively). */
  readonly values?: readonly string[];
  /** Names an integer property also accepts (\`acks: 'all'\` is -1). */
  readonly named?: Readonly<Record<string, number>>;
  /** List-valued string properties: the separator of the list (arrays are joined with it). */
  readonly separator?: string;
  /** String properties librdkafka restricts to these values (each element, for lists). */
  readonly choices?: readonly string[];
  /** librdkafka's default, as documented. */
  readonly default?: string;
  /** librdkafka's rating of how likely the property needs setting. */
  readonly importance: 'low' | 'medium' | 'high';
  /** The property this name is an alias of (same scope). */
  readonly alias?: string;
  /** librdkafka marks the property deprecated. */
  readonly deprecated?: true;
  /** librdkafka marks the property experimental. */
  readonly experimental?: true;
  /** Marked _RK_SENSITIVE in rdkafka_conf.c: its value is a secret. */
  readonly sensitive?: true;
  /** Missing from octokafka's prebuilt librdkafka: \`libcurl\` (not linked) or \`windows\` (Windows only). */
  readonly unsupported?: 'libcurl' | 'windows';
  /** First sentence of librdkafka's description. */
  readonly summary: string;
}

/** Every property in CONFIGURATION.md, global section first, in librdkafka's order. */
export const PROPERTIES: readonly PropertyInfo[] = [
`;
  return `${head}${props.map(literal).join('\n')}\n];\n`;
}

/** TSDoc text: no comment terminator, and `@` not read as a tag. */
function doc(text) {
  return text.replace(/\*\//g, '*\\/').replace(/@/g, '\\@');
}

/** A string-literal union of `values` ('a' | 'b'). */
function union(values) {
  return values.map(ts).join(' | ');
}

/** The TypeScript type of a property's value: what the runtime (config-values.ts) accepts. */
function valueType(p) {
  switch (p.type) {
    case 'integer':
      return p.named ? `IntegerValue<${union(Object.keys(p.named))}>` : 'IntegerValue';
    case 'float':
      return 'FloatValue';
    case 'boolean':
      return 'BooleanValue';
    case 'enum':
      return `SpelledName<${union(p.values)}>`;
    case 'flags':
      return `FlagsValue<${union(p.values)}>`;
    case 'patterns':
      return 'ListValue';
    case 'string':
      if (p.choices) return p.separator ? `ChoiceListValue<${union(p.choices)}>` : `SpelledName<${union(p.choices)}>`;
      return p.separator ? 'ListValue' : 'string';
  }
  throw new Error(`no value type for ${p.name} (${p.type})`);
}

/** One property of a generated type, with its TSDoc (summary, alias, range, default, deprecation). */
function member(p) {
  const notes = [doc(p.summary)];
  if (p.alias) notes.push(`Alias of \`${p.alias}\`.`);
  if (p.min !== undefined) notes.push(`Range ${p.min} .. ${p.max}.`);
  if (p.default !== undefined && p.default !== '') notes.push(`@defaultValue \`${doc(p.default.replace(/`/g, "'"))}\``);
  if (p.deprecated) notes.push('@deprecated');
  return `  /** ${notes.filter((n) => n).join(' ')} */\n  ${ts(p.name)}?: ${valueType(p)} | undefined;`;
}

/**
 * The settable properties by role: callback (\`api\`) and unsupported properties, and flags
 * without values (\`builtin.features\`, read-only), are left out, since the runtime rejects them; a name in both scopes is typed by its global entry, which
 * is the one librdkafka (and the runtime) resolves it to.
 */
function renderTypes(props, version) {
  const byName = new Map();
  const settable = (p) => p.type !== 'api' && !p.unsupported && !((p.type === 'enum' || p.type === 'flags') && !p.values);
  for (const p of props) if (settable(p) && !byName.has(p.name)) byName.set(p.name, p);
  const block = (role, name, what) => {
    const members = [...byName.values()].filter((p) => p.role === role).map(member);
    return `/** ${what} */\nexport type ${name} = {\n${members.join('\n')}\n};\n`;
  };
  return `// Generated by scripts/gen-config-properties.mjs from librdkafka ${version}'s CONFIGURATION.md
// and src/rdkafka_conf.c. Do not edit by hand: run \`node scripts/gen-config-properties.mjs\`.
// The value types accept what lib/config/config-values.ts accepts; lib/config/typed-config.ts
// composes them into ProducerConfig, ConsumerConfig and AdminConfig.
/* eslint-disable */

/**
 * A name librdkafka takes: as librdkafka spells it, or all upper or lower case (the runtime
 * matches names case-insensitively; other mixes need \`uncheckedConfig\`).
 */
export type SpelledName<T extends string> = T | Uppercase<T> | Lowercase<T>;
/** An integer property: a number, a bigint, a decimal string, or one of its names (\`acks: 'all'\`). */
export type IntegerValue<Names extends string = never> = number | bigint | \`\${number}\` | SpelledName<Names>;
/** A float property: a number or a decimal string. */
export type FloatValue = number | \`\${number}\`;
/** A boolean property: a boolean or one of librdkafka's spellings. */
export type BooleanValue = boolean | SpelledName<'true' | 'false' | 't' | 'f'> | '1' | '0';
/** One flag of a CSV-flags property, optionally \`+\` (add to the default set) or \`-\` (remove). */
export type FlagItem<F extends string> = SpelledName<F> | \`\${'+' | '-'}\${SpelledName<F>}\`;
/** A CSV-flags property: a comma-separated string that starts with a flag, or an array of flags. */
export type FlagsValue<F extends string> = FlagItem<F> | \`\${FlagItem<F>},\${string}\` | readonly FlagItem<F>[];
/** A list-valued string property: the list as one string, or an array of its elements. */
export type ListValue = string | readonly string[];
/** A list of restricted values (\`partition.assignment.strategy\`): a comma-separated string or an array. */
export type ChoiceListValue<C extends string> = SpelledName<C> | \`\${SpelledName<C>},\${string}\` | readonly SpelledName<C>[];

${block('both', 'CommonProperties', 'librdkafka properties every client (producer, consumer, admin) takes.')}
${block('producer', 'ProducerProperties', 'librdkafka properties only producers take.')}
${block('consumer', 'ConsumerProperties', 'librdkafka properties only consumers take.')}`;
}

const args = process.argv.slice(2);
const check = args.includes('--check');
const [mdArg, confArg] = args.filter((a) => a !== '--check');
const pin = readPin();
const mdPath = mdArg ?? join(librdkafkaPrefix(), 'share/CONFIGURATION.md');
const props = parseMarkdown(readFileSync(mdPath, 'utf8'));
addOctokafkaFacts(props);
merge(props, parseConfC(confArg ? readFileSync(confArg, 'utf8') : confCFromTarball(pin)));
const outputs = [
  [out, render(props, pin.LIBRDKAFKA_VERSION)],
  [typesOut, renderTypes(props, pin.LIBRDKAFKA_VERSION)],
];
for (const [file, text] of outputs) {
  if (check) {
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (current !== text) {
      console.error(`${relative(root, file)} is out of date: run node scripts/gen-config-properties.mjs`);
      process.exitCode = 1;
    } else {
      console.error(`${relative(root, file)} is up to date (${props.length} properties)`);
    }
  } else {
    writeFileSync(file, text);
    console.error(`wrote ${relative(root, file)}: ${props.length} properties`);
  }
}
