/**
 * Event metadata byte-identical to Octopus's (issue 17, points 3 and 4): keys sorted as
 * nlohmann::json writes them, and integers beyond 2^53 kept exactly (as bigints).
 * The expected bytes are built from the documented wire format, as Octopus writes them.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaConsumer } from '../../lib/client/consumer';
import { ValidationError } from '../../lib/util/errors';
import { Offset } from '../../lib/core/message';
import { KafkaProducer } from '../../lib/client/producer';
import { canonicalJson, createSerializer, createValidator, descriptionJson } from '../../lib/topic/components';
import { compareKeys, octopusJson, parseOctopusJson } from '../../lib/topic/components/json-text';
import { Driver } from '../../lib/topic/driver';
import { encodeEvent } from '../../lib/topic/wire';
import { startCluster, unique, type TestCluster } from '../helpers';

/** `u64 len | text`, the default serializer's metadata bytes as Octopus writes them. */
function octopusMetadata(json: string): Buffer {
  const text = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + text.length);
  out.writeBigUInt64LE(BigInt(text.length));
  text.copy(out, 8);
  return out;
}

/** A whole event value as Octopus writes it: `u64 mdLen | u64 dataLen | md | data`. */
function octopusEvent(json: string, data = Buffer.alloc(0)): Buffer {
  const md = octopusMetadata(json);
  const head = Buffer.alloc(16);
  head.writeBigUInt64LE(BigInt(md.length), 0);
  head.writeBigUInt64LE(BigInt(data.length), 8);
  return Buffer.concat([head, md, data]);
}

const error = (path: string, reason: string): Error => new ValidationError(path, reason);

/** An independent reference of nlohmann's writer: keys ordered by their UTF-8 bytes. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${reference((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return typeof value === 'bigint' ? value.toString() : JSON.stringify(value);
}

describe('metadata keys in nlohmann order (point 3)', () => {
  const serializer = createSerializer({});

  it.each([
    [{ z: 1, a: 2 }, '{"a":2,"z":1}'],
    [{ event_num: 3, source: 'x', data_size: 10 }, '{"data_size":10,"event_num":3,"source":"x"}'],
    [{ b: { y: [{ d: 1, c: 2 }], x: null }, a: [3, 2, 1] }, '{"a":[3,2,1],"b":{"x":null,"y":[{"c":2,"d":1}]}}'],
    // JavaScript lists integer-like keys first, in numeric order; nlohmann sorts them as text.
    [{ 9: 'n', 10: 't', a: 'a' }, '{"10":"t","9":"n","a":"a"}'],
    // Code point order: U+FFFF before U+10000 (UTF-16 would put the surrogate pair first).
    [{ '\u{1F600}': 1, '\uFFFF': 2, é: 3, e: 4 }, '{"e":4,"é":3,"\uFFFF":2,"\u{1F600}":1}'],
    [{ Z: 1, a: 2, _: 3, '': 4 }, '{"":4,"Z":1,"_":3,"a":2}'],
    [{}, '{}'],
    [[], '[]'],
    ['text', '"text"'],
    [null, 'null'],
  ])('%j is written %s, byte for byte what Octopus writes', (metadata, text) => {
    expect(serializer.serializeText!(metadata)).toBe(text);
    expect(serializer.serialize(metadata)).toEqual(octopusMetadata(text));
    expect(encodeEvent(serializer.serialize(metadata), Buffer.from('d'))).toEqual(octopusEvent(text, Buffer.from('d')));
  });

  it('JSON.stringify rules otherwise: toJSON, undefined members dropped, undefined in arrays and NaN as null', () => {
    const date = new Date(0);
    expect(serializer.serializeText!({ z: undefined, y: date, x: [undefined, NaN, () => 1], w: new Number(2) })).toBe(
      '{"w":2,"x":[null,null,null],"y":"1970-01-01T00:00:00.000Z"}',
    );
    expect(serializer.serializeText!({ b: { toJSON: () => ({ d: 1, c: 2 }) }, a: 1 })).toBe('{"a":1,"b":{"c":2,"d":1}}');
    expect(() => serializer.serializeText!(undefined)).toThrow(ValidationError);
  });

  it('a frequent shape out of order (compiled copier) is written right every time, nested values and undefined included', () => {
    for (let i = 0; i < 40; i++) {
      const m = { z: i, y: 'v', x: undefined, w: { b: 1, c: [i] }, v: null, u: i % 2 === 0 };
      expect(serializer.serializeText!(m)).toBe(`{"u":${i % 2 === 0},"v":null,"w":{"b":1,"c":[${i}]},"y":"v","z":${i}}`);
      // The same shape with a nested object out of order: sorted all the way down.
      expect(serializer.serializeText!({ z: i, y: 'v', x: 1, w: { c: 1, b: 2 }, v: null, u: true })).toBe(`{"u":true,"v":null,"w":{"b":2,"c":1},"x":1,"y":"v","z":${i}}`);
    }
  });

  it('own "__proto__" keys and inherited enumerable keys are written as JSON.stringify treats them', () => {
    const own = JSON.parse('{"z":1,"__proto__":{"b":2,"a":1}}') as object;
    expect(serializer.serializeText!(own)).toBe('{"__proto__":{"a":1,"b":2},"z":1}');
    const proto = { inherited: 1 };
    for (let i = 0; i < 40; i++) {
      const child = Object.create(proto) as Record<string, unknown>;
      child.z = 1;
      child.a = 2;
      expect(serializer.serializeText!(child)).toBe('{"a":2,"z":1}');
      expect(serializer.serializeText!({ z: 1, a: 2, inherited: 3 })).toBe('{"a":2,"inherited":3,"z":1}');
    }
  });

  it('property: the text equals an independent nlohmann-order writer and parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = octopusJson(value, error);
        expect(text).toBe(reference(value));
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 300 },
    );
  });

  it('compareKeys is UTF-8 byte order', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))));
      }),
      { numRuns: 500 },
    );
  });

  it('an Octopus-written info record with sorted keys rebuilds a component that writes the same bytes', () => {
    const records = [
      '{"schema":{"properties":{"age":{"maximum":18446744073709551615,"type":"integer"},"name":{"type":"string"}},"required":["name"],"type":"object"},"type":"schema"}',
      '{"schema":{"detail":{"level":[{"numeric":[">",2]}]},"source":["sensor"]},"type":"eventbridge"}',
      '{"type":"default"}',
    ];
    expect(descriptionJson(createValidator(records[0]))).toBe(records[0]);
    expect(descriptionJson(createValidator(records[1]))).toBe(records[1]);
    expect(descriptionJson(createSerializer(records[2]))).toBe(records[2]);
    expect(canonicalJson({ big: 2n ** 64n - 1n })).toBe('{"big":18446744073709551615}');
  });
});

describe('integers beyond 2^53 (point 4)', () => {
  const serializer = createSerializer({});
  // What Octopus writes for metadata holding the extremes of its int64 / uint64 integers.
  const text = '{"max_u64":18446744073709551615,"min_i64":-9223372036854775808,"safe":9007199254740991,"unsafe":9007199254740992}';

  // JSON source-text access (Node 21+): without it only the fallback parser can be tested.
  const sourceTextAccess = (() => {
    let seen = false;
    JSON.parse('1', (_k, v: unknown, c?: { source?: string }) => ((seen = typeof c?.source === 'string'), v));
    return seen;
  })();
  const ways: Array<[string, boolean]> = [['with the fallback parser', false]];
  if (sourceTextAccess) ways.push(['with JSON source-text access', true]);

  it.each(ways)('reads exact bigints for unsafe integer literals, numbers for the rest (%s)', (_how, sourceText) => {
    const value = parseOctopusJson(text, sourceText) as Record<string, unknown>;
    expect(value).toEqual({ max_u64: 18446744073709551615n, min_i64: -9223372036854775808n, safe: 9007199254740991, unsafe: 9007199254740992n });
    const mixed = parseOctopusJson(
      '{"a":[12345678901234567890,1e20,1.5,-0,12345678901234567890.5],"s":"12345678901234567890","__proto__":{"x":99999999999999999}}',
      sourceText,
    ) as Record<string, unknown>;
    expect(mixed.a).toEqual([12345678901234567890n, 1e20, 1.5, -0, 12345678901234567890.5]);
    expect(mixed.s).toBe('12345678901234567890');
    expect(Object.getOwnPropertyDescriptor(mixed, '__proto__')?.value).toEqual({ x: 99999999999999999n });
    expect(Object.getPrototypeOf(mixed)).toBe(Object.prototype);
  });

  /** JSON.parse's result, with every unsafe integer literal of the text as its exact bigint. */
  const exact = (value: unknown): unknown => {
    if (typeof value === 'number') {
      const literal = JSON.stringify(value);
      return Number.isInteger(value) && !Number.isSafeInteger(value) && /^-?\d+$/.test(literal) ? BigInt(literal) : value;
    }
    if (Array.isArray(value)) return value.map(exact);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exact(v)]));
    return value;
  };

  it('the fallback parser is JSON.parse except for unsafe integer literals, which are exact bigints', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const t = JSON.stringify(value, null, 1);
        expect(parseOctopusJson(t, false)).toEqual(exact(JSON.parse(t)));
      }),
      { numRuns: 300 },
    );
  });

  it('syntax errors are still errors', () => {
    expect(() => parseOctopusJson('{"a":12345678901234567890', false)).toThrow(SyntaxError);
  });

  it('Octopus-written bytes round-trip: decoded then re-encoded to the same bytes', () => {
    const bytes = octopusMetadata(text);
    const metadata = serializer.deserialize(bytes);
    expect((metadata as { max_u64: unknown }).max_u64).toBe(2n ** 64n - 1n);
    expect(serializer.serialize(metadata)).toEqual(bytes);
  });

  it('the largest 64-bit value comes back exactly (not 18446744073709552000)', () => {
    const metadata = { id: 18446744073709551615n };
    expect(serializer.deserialize(serializer.serialize(metadata))).toEqual(metadata);
  });

  it('a schema validator judges bigints as the integers they are', () => {
    const v = createValidator({ type: 'schema', schema: { type: 'object', properties: { id: { type: 'integer', minimum: 0 } } } });
    expect(() => v.validate({ id: 18446744073709551615n })).not.toThrow();
    expect(() => v.validate({ id: -5n })).toThrow(ValidationError);
    expect(() => v.validate({ id: 'x' })).toThrow(ValidationError);
  });
});

describe('end to end on the cluster', () => {
  let cluster: TestCluster;
  let driver: Driver;
  beforeAll(async () => {
    cluster = await startCluster();
    driver = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers } });
  });
  afterAll(async () => {
    await driver?.close();
    await cluster?.close();
  });

  it('a push writes the Kafka value Octopus writes for the same event; a pull reads an Octopus-written value exactly', async () => {
    const name = unique('bytes');
    const topic = await driver.createTopic(name);
    const producer = topic.producer();
    const pushed = [
      { z: 1, a: 2 },
      { n: 18446744073709551615n, m: { y: 'ü', x: [1, 2] } },
      {},
    ];
    for (const m of pushed) await producer.push(m, Buffer.from('data'));
    await producer.close();
    const raw = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('raw') });
    try {
      await raw.assign([{ topic: name, partition: 0, offset: Offset.BEGINNING }]);
      const values: Buffer[] = [];
      while (values.length < pushed.length) {
        const m = await raw.consume({ timeoutMs: 10_000 });
        if (m === null) break;
        values.push(m.value!);
      }
      expect(values).toEqual([
        octopusEvent('{"a":2,"z":1}', Buffer.from('data')),
        octopusEvent('{"m":{"x":[1,2],"y":"ü"},"n":18446744073709551615}', Buffer.from('data')),
        octopusEvent('{}', Buffer.from('data')),
      ]);
    } finally {
      await raw.close();
    }
    // An Octopus-written event (keys sorted, a uint64) read through the topic API.
    const writer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await writer.send({ topic: name, partition: 0, value: octopusEvent('{"a":-9223372036854775808,"b":{"c":1}}', Buffer.from('x')) });
    await writer.close();
    const consumer = topic.consumer(unique('reader'));
    const events = [];
    for (let i = 0; i < 4; i++) events.push(await consumer.pull({ timeoutMs: 10_000 }));
    await consumer.close();
    expect(events.map((e) => e?.metadata)).toEqual([...pushed, { a: -9223372036854775808n, b: { c: 1 } }]);
  });
});
