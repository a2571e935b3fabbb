import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../lib/util/errors';
import { DefaultSerializer, decodeJsonMetadata } from '../../lib/topic/components';
import { decodeEvent, encodeEndOfStream, encodeEvent, HEADER_SIZE } from '../../lib/topic/wire';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** Hex from lines of `hex bytes   comment` (the comment starts after two spaces). */
const annotated = (text: string): Buffer => hex(text.split('\n').map((l) => l.trim().split(/\s{2,}/)[0] ?? '').join(''));

/** Decodes and expects an event (not the end marker). */
function decodeData(value: Uint8Array): { metadata: Buffer; data: Buffer } {
  const d = decodeEvent(value);
  if (d.kind !== 'event') throw new Error('expected an event');
  return d;
}

/** Calls fn; passes when it returns or throws a DecodeError, fails on any other throw. */
function onlyDecodeErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof DecodeError) return true;
    throw e;
  }
}

/** JSON.parse's result with every integer literal beyond ±(2^53 − 1) as its exact bigint. */
function exactIntegers(value: unknown): unknown {
  if (typeof value === 'number') {
    const literal = JSON.stringify(value);
    return Number.isInteger(value) && !Number.isSafeInteger(value) && /^-?\d+$/.test(literal) ? BigInt(literal) : value;
  }
  if (Array.isArray(value)) return value.map(exactIntegers);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exactIntegers(v)]));
  return value;
}

describe('event wire format: exact bytes', () => {
  const serializer = new DefaultSerializer();

  it('metadata {"i":1} with data "abc" through the default serializer', () => {
    const value = encodeEvent(serializer.serialize({ i: 1 }), Buffer.from('abc'));
    expect(value).toEqual(
      annotated(`
        0f00000000000000   metadataLen = 8 + 7
        0300000000000000   dataLen = 3
        0700000000000000   jsonLen = 7 (the default serializer's prefix)
        7b2269223a317d     {"i":1}
        616263             abc
      `),
    );
    expect(value).toEqual(hex('0f00000000000000' + '0300000000000000' + '0700000000000000' + '7b2269223a317d' + '616263'));
  });

  it('metadata {} and no data', () => {
    const value = encodeEvent(serializer.serialize({}));
    expect(value).toEqual(hex('0a00000000000000 0000000000000000 0200000000000000 7b7d'));
  });

  it('data given as several segments is concatenated', () => {
    const value = encodeEvent(Buffer.from([0xaa]), [Buffer.from('ab'), new Uint8Array(0), Buffer.from('c')]);
    expect(value).toEqual(hex('0100000000000000 0300000000000000 aa 616263'));
  });

  it('non-ASCII metadata: lengths count UTF-8 bytes', () => {
    const value = encodeEvent(serializer.serialize({ é: 'ü' }));
    // {"é":"ü"} is 11 bytes of UTF-8
    expect(value).toEqual(hex('1300000000000000 0000000000000000 0b00000000000000 7b22c3a9223a22c3bc227d'));
  });

  it('end-of-stream marker: both lengths all ones', () => {
    expect(encodeEndOfStream()).toEqual(hex('ff'.repeat(16)));
    expect(decodeEvent(encodeEndOfStream())).toEqual({ kind: 'end' });
  });

  it('decodes the exact bytes back, as views of the value', () => {
    const value = hex('0f00000000000000 0300000000000000 0700000000000000 7b2269223a317d 616263');
    const d = decodeData(value);
    expect(serializer.deserialize(d.metadata)).toEqual({ i: 1 });
    expect(d.data.toString()).toBe('abc');
    expect(d.metadata.buffer).toBe(value.buffer);
    expect(d.data.byteOffset).toBe(value.byteOffset + 31);
  });

  it('accepts a plain Uint8Array and a view inside a larger buffer', () => {
    const inner = encodeEvent(Buffer.from('m'), Buffer.from('d'));
    const big = new Uint8Array(inner.length + 10);
    big.set(inner, 5);
    const d = decodeData(big.subarray(5, 5 + inner.length));
    expect(d.metadata.toString()).toBe('m');
    expect(d.data.toString()).toBe('d');
    expect(d.data.buffer).toBe(big.buffer);
  });
});

describe('event wire format: decode errors', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
  ])('a %s value', (_name, value) => {
    expect(() => decodeEvent(value)).toThrow(/null/);
    expect(() => decodeEvent(value)).toThrow(DecodeError);
  });

  it('values shorter than the header', () => {
    for (let n = 0; n < HEADER_SIZE; n++) {
      expect(() => decodeEvent(Buffer.alloc(n))).toThrow(new DecodeError(`event value is ${n} bytes, shorter than its 16-byte header`));
    }
  });

  it('lengths that do not add up', () => {
    const value = encodeEvent(Buffer.from('meta'), Buffer.from('data'));
    expect(() => decodeEvent(value.subarray(0, value.length - 1))).toThrow(/is 23 bytes but its header announces 24 \(16 \+ 4 metadata \+ 4 data\)/);
    expect(() => decodeEvent(Buffer.concat([value, Buffer.from([0])]))).toThrow(DecodeError);
  });

  it('every truncation of a valid value', () => {
    const value = encodeEvent(new DefaultSerializer().serialize({ k: 'v' }), Buffer.from('payload'));
    for (let n = 0; n < value.length; n++) expect(() => decodeEvent(value.subarray(0, n))).toThrow(DecodeError);
  });

  it('lengths beyond 2^53', () => {
    const value = Buffer.alloc(16);
    value.writeBigUInt64LE(2n ** 53n, 0);
    expect(() => decodeEvent(value)).toThrow(/metadata length 9007199254740992 is beyond 2\^53/);
    value.writeBigUInt64LE(0n, 0);
    value.writeBigUInt64LE(2n ** 64n - 1n, 8); // one length all ones is not the marker
    expect(() => decodeEvent(value)).toThrow(/data length 18446744073709551615 is beyond 2\^53/);
  });

  it('an end marker with trailing bytes', () => {
    expect(() => decodeEvent(Buffer.concat([encodeEndOfStream(), Buffer.from([1])]))).toThrow(/end-of-stream marker followed by 1 unexpected bytes/);
  });
});

describe('event wire format: properties', () => {
  const segmentsArb = fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 5 });

  it('decode(encode(m, d)) gives m and the concatenation of d', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), segmentsArb, (metadata, segments) => {
        const value = encodeEvent(metadata, segments);
        const d = decodeData(value);
        expect(d.metadata).toEqual(Buffer.from(metadata));
        expect(d.data).toEqual(Buffer.concat(segments));
        expect(value.length).toBe(16 + metadata.length + d.data.length);
      }),
    );
  });

  it('the default serializer round-trips any JSON through the wire', () => {
    const s = new DefaultSerializer();
    fc.assert(
      fc.property(fc.jsonValue(), fc.uint8Array({ maxLength: 32 }), (metadata, data) => {
        const d = decodeData(encodeEvent(s.serialize(metadata), data));
        // Integer literals beyond ±(2^53 − 1) read back as exact bigints (issue 17).
        expect(s.deserialize(d.metadata)).toEqual(exactIntegers(JSON.parse(JSON.stringify(metadata))));
        expect(d.data).toEqual(Buffer.from(data));
      }),
    );
  });

  it('random bytes only ever decode or throw DecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => onlyDecodeErrors(() => decodeEvent(bytes))));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => onlyDecodeErrors(() => decodeJsonMetadata(bytes))));
  });

  it('valid values with corrupted lengths or truncations only throw DecodeError', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.constantFrom(0, 8),
        fc.nat(100),
        (metadata, data, length, field, cut) => {
          const value = encodeEvent(metadata, data);
          const corrupted = Buffer.from(value);
          corrupted.writeBigUInt64LE(length, field);
          return (
            onlyDecodeErrors(() => decodeEvent(corrupted)) &&
            onlyDecodeErrors(() => decodeEvent(value.subarray(0, Math.min(cut, value.length))))
          );
        },
      ),
    );
  });

  it('corrupted default-serializer metadata only throws DecodeError', () => {
    const s = new DefaultSerializer();
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(200), fc.integer({ min: 0, max: 255 }), (metadata, at, byte) => {
        const bytes = Buffer.from(s.serialize(metadata));
        bytes[at % bytes.length] = byte;
        return onlyDecodeErrors(() => s.deserialize(bytes));
      }),
    );
  });
});
