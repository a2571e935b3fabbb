/**
 * How `consume` prints what it reads: raw values, JSON lines, or a format string with
 * `{field}` placeholders. Each formatter returns the bytes of one output line.
 */
import { InvalidArgumentError } from 'commander';

import type { Header, Message } from '../core/message';

/** What a topic-layer event prints as. */
export interface EventRecord {
  topic: string;
  partition: number;
  id: bigint;
  metadata: unknown;
  data: Buffer;
}

/** Output modes of `consume`. */
export type OutputMode = 'raw' | 'json' | 'format';

/** Formats one record as one output line (newline included). */
export type Formatter<T> = (record: T) => Buffer;

const NEWLINE = Buffer.from('\n');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as JSON: a string when they are UTF-8 text, else `{"base64": "..."}`; null stays null. */
export function bytesJson(bytes: Buffer | null): string {
  if (bytes === null) return 'null';
  try {
    return JSON.stringify(utf8.decode(bytes));
  } catch {
    return `{"base64":${JSON.stringify(bytes.toString('base64'))}}`;
  }
}

function headersJson(headers: Header[]): string {
  return `[${headers.map(([name, value]) => `[${JSON.stringify(name)},${bytesJson(value)}]`).join(',')}]`;
}

/** JSON of a value that may hold bigints (written as exact JSON numbers). */
export function jsonWithBigInts(value: unknown, indent?: number): string {
  const marks = new Map<string, string>();
  const text = JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v !== 'bigint') return v;
      const mark = `\u0000bigint${marks.size}\u0000`;
      marks.set(mark, v.toString());
      return mark;
    },
    indent,
  );
  return marks.size === 0 ? text : text.replace(/"\\u0000bigint\d+\\u0000"/g, (m) => marks.get(JSON.parse(m) as string) ?? m);
}

/** One JSON object per message; offsets are exact JSON numbers, keys/values/headers text or base64. */
export function messageJson(m: Message): string {
  return (
    `{"topic":${JSON.stringify(m.topic)},"partition":${m.partition},"offset":${m.offset},"timestamp":${m.timestamp},` +
    `"key":${bytesJson(m.key)},"value":${bytesJson(m.value)},"headers":${headersJson(m.headers)}}`
  );
}

/** One JSON object per event: id and partition, metadata as JSON, data as text or base64. */
export function eventJson(e: EventRecord): string {
  return `{"topic":${JSON.stringify(e.topic)},"partition":${e.partition},"id":${e.id},"metadata":${jsonWithBigInts(e.metadata)},"data":${bytesJson(e.data)}}`;
}

const text = (b: Buffer | null): string => (b === null ? '' : b.toString('utf8'));

/** The placeholders of a message format string. */
const MESSAGE_FIELDS: Record<string, (m: Message) => string> = {
  topic: (m) => m.topic,
  partition: (m) => String(m.partition),
  offset: (m) => m.offset.toString(),
  timestamp: (m) => String(m.timestamp),
  key: (m) => text(m.key),
  value: (m) => text(m.value),
  headers: (m) => headersJson(m.headers),
};

/** The placeholders of an event format string. */
const EVENT_FIELDS: Record<string, (e: EventRecord) => string> = {
  topic: (e) => e.topic,
  partition: (e) => String(e.partition),
  id: (e) => e.id.toString(),
  offset: (e) => e.id.toString(),
  metadata: (e) => jsonWithBigInts(e.metadata),
  data: (e) => e.data.toString('utf8'),
};

/** `\n`, `\t` and `\\` in a format string, as a shell passes them literally. */
function unescape(s: string): string {
  return s.replace(/\\([nt\\])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

/**
 * Compiles a format string: `{name}` placeholders (see `--help`), `{{`/`}}` for literal
 * braces, `\n` `\t` escapes.
 * @throws InvalidArgumentError (a usage error) naming an unknown placeholder.
 */
function compile<T>(template: string, fields: Record<string, (r: T) => string>, header?: (r: T, name: string) => string): (r: T) => string {
  const parts: Array<string | ((r: T) => string)> = [];
  const re = /\{\{|\}\}|\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    parts.push(unescape(template.slice(last, m.index)));
    last = re.lastIndex;
    if (m[0] === '{{' || m[0] === '}}') {
      parts.push(m[0][0]!);
      continue;
    }
    const name = m[1]!;
    const field = fields[name];
    if (field) parts.push(field);
    else if (header && name.startsWith('header.') && name.length > 7) {
      const headerName = name.slice(7);
      parts.push((r) => header(r, headerName));
    } else {
      const known = Object.keys(fields).map((f) => `{${f}}`);
      if (header) known.push('{header.NAME}');
      throw new InvalidArgumentError(`unknown placeholder {${name}}; known: ${known.join(' ')}.`);
    }
  }
  parts.push(unescape(template.slice(last)));
  const compiled = parts.filter((p) => p !== '');
  return (r) => compiled.map((p) => (typeof p === 'string' ? p : p(r))).join('');
}

/** The formatter of consumed messages. */
export function messageFormatter(mode: OutputMode, template: string | undefined): Formatter<Message> {
  switch (mode) {
    case 'raw':
      return (m) => (m.value === null ? NEWLINE : Buffer.concat([m.value, NEWLINE]));
    case 'json':
      return (m) => Buffer.from(`${messageJson(m)}\n`);
    case 'format': {
      const f = compile(template ?? '{value}', MESSAGE_FIELDS, (m, name) => text(m.headers.find(([h]) => h === name)?.[1] ?? null));
      return (m) => Buffer.from(`${f(m)}\n`);
    }
  }
}

/** The formatter of topic-layer events. */
export function eventFormatter(mode: OutputMode, template: string | undefined): Formatter<EventRecord> {
  switch (mode) {
    case 'raw':
      return (e) => Buffer.concat([e.data, NEWLINE]);
    case 'json':
      return (e) => Buffer.from(`${eventJson(e)}\n`);
    case 'format': {
      const f = compile(template ?? '{metadata} {data}', EVENT_FIELDS);
      return (e) => Buffer.from(`${f(e)}\n`);
    }
  }
}

/** Checks a message format string early (at option parsing), for a usage error. */
export function checkFormat(template: string, events: boolean): string {
  if (events) compile(template, EVENT_FIELDS);
  else compile(template, MESSAGE_FIELDS, () => '');
  return template;
}

/** Left-aligned columns for human-readable tables. */
export function table(rows: string[][], indent = ''): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}
