/**
 * The built-in serializers. Both write the metadata as `u64 jsonLen | JSON text`
 * (little-endian), which is what Octopus's serializers write into their archive: the length
 * prefix is part of the serializer's output, and the event value's `metadataLen` (see `wire.ts`)
 * counts it. A default event value is therefore `[8+J][D][J][json][data]`.
 */
import { DecodeError, ValidationError } from '../../util/errors';
import { sortKeysDeep } from './json';
import { octopusJson, parseOctopusJson } from './json-text';
import { compileSchema, type SchemaCheck } from './json-schema';
import type { ComponentDescription, Serializer } from './types';

/** Size of the JSON length prefix. */
const PREFIX = 8;
const TWO_32 = 0x1_0000_0000;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Frames metadata as `u64 jsonLen | JSON text`, the text being what Octopus writes for it
 * (see {@link jsonText}).
 * @throws ValidationError when the metadata is not JSON-serializable (undefined, a function,
 *   a cycle, a bigint outside −2^63…2^64 − 1).
 */
export function encodeJsonMetadata(metadata: unknown): Buffer {
  return frameJsonText(jsonText(metadata));
}

const metadataError = (path: string, reason: string): Error => new ValidationError(path, `metadata is ${reason}`);

/**
 * The metadata as the JSON text Octopus writes for it: object keys sorted by code point
 * (nlohmann's order) at every level, `bigint`s as exact integers.
 * @throws ValidationError when it is not JSON-serializable.
 */
export function jsonText(metadata: unknown): string {
  return octopusJson(metadata, metadataError);
}

/** Frames JSON text as `u64 jsonLen | text`. */
function frameJsonText(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const out = Buffer.allocUnsafe(PREFIX + length);
  out.writeUInt32LE(length % TWO_32, 0);
  out.writeUInt32LE(Math.floor(length / TWO_32), 4);
  out.write(text, PREFIX, 'utf8');
  return out;
}

/**
 * Reads `u64 jsonLen | JSON text` back.
 * @throws DecodeError when the prefix does not match the bytes, or the text is not UTF-8 JSON.
 */
export function decodeJsonMetadata(bytes: Uint8Array): unknown {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeJsonMetadataRange(buf, 0, buf.length);
}

/** {@link decodeJsonMetadata} of `buf[start, end)`, without making a view of it. */
export function decodeJsonMetadataRange(buf: Buffer, start: number, end: number): unknown {
  const size = end - start;
  if (size < PREFIX) {
    throw new DecodeError(`event metadata is ${size} bytes, shorter than its ${PREFIX}-byte length prefix`);
  }
  const length = buf.readUInt32LE(start + 4) * TWO_32 + buf.readUInt32LE(start);
  if (length !== size - PREFIX) {
    throw new DecodeError(`event metadata announces ${length} bytes of JSON but holds ${size - PREFIX}`);
  }
  let text: string;
  if (isAscii(buf, start + PREFIX, end)) {
    // ASCII is valid UTF-8 and decodes byte for byte: the common case, without a decoder.
    text = buf.toString('latin1', start + PREFIX, end);
  } else {
    try {
      text = utf8.decode(buf.subarray(start + PREFIX, end));
    } catch {
      throw new DecodeError('event metadata is not valid UTF-8');
    }
  }
  try {
    // Integers beyond 2^53 come back exactly, as bigints (Octopus keeps 64-bit integers).
    return parseOctopusJson(text);
  } catch (e) {
    throw new DecodeError(`event metadata is not valid JSON: ${(e as Error).message}`);
  }
}

function isAscii(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i]! > 0x7f) return false;
  return true;
}

/** Metadata as JSON text. */
export class DefaultSerializer implements Serializer {
  readonly description: ComponentDescription = { type: 'default' };

  serialize(metadata: unknown): Buffer {
    return encodeJsonMetadata(metadata);
  }

  serializeText(metadata: unknown): string {
    return jsonText(metadata);
  }

  deserialize(bytes: Uint8Array): unknown {
    return decodeJsonMetadata(bytes);
  }

  deserializeRange(buf: Buffer, start: number, end: number): unknown {
    return decodeJsonMetadataRange(buf, start, end);
  }
}

/**
 * Metadata as JSON text, like `default`, for metadata that complies with a JSON Schema
 * (`description.schema`); serializing checks it, deserializing does not (a reader must not
 * reject what a less strict writer wrote).
 */
export class SchemaSerializer implements Serializer {
  readonly description: ComponentDescription;
  private readonly check: SchemaCheck;

  /** @throws ConfigError when `schema` is missing or not a valid JSON Schema. */
  constructor(schema: unknown) {
    this.check = compileSchema('serializer.schema', schema);
    this.description = { schema: sortKeysDeep(schema), type: 'schema' };
  }

  /** @throws ValidationError naming the first field that does not comply. */
  serialize(metadata: unknown): Buffer {
    this.check(metadata);
    return encodeJsonMetadata(metadata);
  }

  serializeText(metadata: unknown): string {
    this.check(metadata);
    return jsonText(metadata);
  }

  deserialize(bytes: Uint8Array): unknown {
    return decodeJsonMetadata(bytes);
  }

  deserializeRange(buf: Buffer, start: number, end: number): unknown {
    return decodeJsonMetadataRange(buf, start, end);
  }
}

/** Factory of the `default` serializer. */
export function createDefaultSerializer(): Serializer {
  return new DefaultSerializer();
}

/** Factory of the `schema` serializer. */
export function createSchemaSerializer(description: ComponentDescription): Serializer {
  return new SchemaSerializer(description.schema);
}
