/**
 * The input of `produce`: lines from stdin or a file, parsed into messages or events.
 * A line that does not parse is reported with its number and does not stop the others.
 */
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';

import type { OutgoingMessage } from '../core/message';
import { CliError } from './errors';

/** Lines of a stream, and how many bytes were read so far (for the progress bar). */
export interface LineSource {
  lines: AsyncIterable<string>;
  /** The size of the input when known (a regular file). */
  totalBytes: number | undefined;
  bytesRead(): number;
  /** Stops reading: the lines end (on Ctrl-C, while waiting for a terminal's next line). */
  close(): void;
}

/**
 * Opens the input: a file path, or stdin for `-` / none.
 * @throws CliError when the file cannot be read.
 */
export function openInput(path: string | undefined): LineSource {
  let stream: Readable;
  let totalBytes: number | undefined;
  if (path === undefined || path === '-') {
    stream = process.stdin;
  } else {
    try {
      const stat = statSync(path);
      if (stat.isDirectory()) throw new Error('it is a directory');
      // A pipe or device (`--file <(...)`, /dev/stdin) has no size to show progress against.
      if (stat.isFile()) totalBytes = stat.size;
    } catch (e) {
      throw new CliError(`cannot read ${path}: ${(e as Error).message}`);
    }
    stream = createReadStream(path);
  }
  let read = 0;
  stream.on('data', (chunk: Buffer | string) => (read += chunk.length));
  // The iterator is made now: readline drops the lines read before it exists, and the
  // caller may connect to the cluster first.
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  const iterator = rl[Symbol.asyncIterator]();
  return { lines: { [Symbol.asyncIterator]: () => iterator }, totalBytes, bytesRead: () => read, close: () => rl.close() };
}

/** Settings given on the command line for every message. */
export interface MessageDefaults {
  topic: string;
  key?: string;
  keySeparator?: string;
  headers: Array<[string, string]>;
  partition?: number;
}

/** A line that cannot become a message. */
export class LineError extends Error {}

const JSON_FIELDS = new Set(['key', 'value', 'headers', 'partition', 'timestamp']);
const EVENT_FIELDS = new Set(['metadata', 'data', 'partition']);

/** Bytes of a JSON field: strings as they are, null as null, anything else as its JSON text. */
function bytesField(value: unknown): string | null {
  if (value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function parseObject(line: string, fields: Set<string>, example: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (e) {
    throw new LineError(`not JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new LineError(`expected a JSON object like ${example}`);
  const unknown = Object.keys(parsed).filter((k) => !fields.has(k));
  if (unknown.length > 0) throw new LineError(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: ${[...fields].join(', ')})`);
  return parsed as Record<string, unknown>;
}

function partitionField(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new LineError(`"partition" must be an integer of 0 or more, got ${JSON.stringify(value)}`);
  return value as number;
}

/** A `lines` line: the value (or `key<sep>value` with a key separator). */
export function lineMessage(line: string, d: MessageDefaults): OutgoingMessage {
  let key: string | undefined = d.key;
  let value = line;
  if (d.keySeparator !== undefined) {
    const at = line.indexOf(d.keySeparator);
    if (at < 0) throw new LineError(`no key separator ${JSON.stringify(d.keySeparator)} in the line`);
    key = line.slice(0, at);
    value = line.slice(at + d.keySeparator.length);
  }
  const message: OutgoingMessage = { topic: d.topic, value };
  if (key !== undefined) message.key = key;
  if (d.headers.length > 0) message.headers = d.headers;
  if (d.partition !== undefined) message.partition = d.partition;
  return message;
}

/**
 * A `json` line: `{"key"?, "value", "headers"?, "partition"?, "timestamp"?}`. Headers are an
 * object or `[name, value]` pairs and come after the `--header` ones.
 */
export function jsonMessage(line: string, d: MessageDefaults): OutgoingMessage {
  const o = parseObject(line, JSON_FIELDS, '{"key":"k","value":"v","headers":{"h":"x"}}');
  if (!('value' in o)) throw new LineError('"value" is missing (null for a tombstone)');
  const message: OutgoingMessage = { topic: d.topic, value: bytesField(o.value) };
  const key = 'key' in o ? bytesField(o.key) : d.key;
  if (key !== undefined) message.key = key;
  const headers: Array<[string, string | null]> = [...d.headers];
  if (o.headers !== undefined) {
    if (Array.isArray(o.headers)) {
      for (const h of o.headers as unknown[]) {
        if (!Array.isArray(h) || h.length !== 2 || typeof h[0] !== 'string') throw new LineError('"headers" pairs must be ["name", value]');
        headers.push([h[0], bytesField(h[1])]);
      }
    } else if (o.headers !== null && typeof o.headers === 'object') {
      for (const [name, value] of Object.entries(o.headers)) headers.push([name, bytesField(value)]);
    } else throw new LineError('"headers" must be an object or an array of ["name", value] pairs');
  }
  if (headers.length > 0) message.headers = headers;
  const partition = partitionField(o.partition) ?? d.partition;
  if (partition !== undefined) message.partition = partition;
  if (o.timestamp !== undefined) {
    if (!Number.isSafeInteger(o.timestamp) || (o.timestamp as number) < 0) throw new LineError('"timestamp" must be milliseconds since the epoch');
    message.timestamp = o.timestamp as number;
  }
  return message;
}

/** A topic-layer event line: `{"metadata": ..., "data"?: "text", "partition"?: hint}`. */
export interface EventLine {
  metadata: unknown;
  data: Buffer | undefined;
  partition: number | undefined;
}

/** Parses an event line. */
export function eventLine(line: string, defaultPartition: number | undefined): EventLine {
  const o = parseObject(line, EVENT_FIELDS, '{"metadata":{"user":"u1"},"data":"text"}');
  if (!('metadata' in o)) throw new LineError('"metadata" is missing');
  let data: Buffer | undefined;
  if (o.data !== undefined && o.data !== null) {
    if (typeof o.data !== 'string') throw new LineError('"data" must be a string');
    data = Buffer.from(o.data, 'utf8');
  }
  return { metadata: o.metadata, data, partition: partitionField(o.partition) ?? defaultPartition };
}
