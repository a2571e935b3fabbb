import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/util/errors';
import { javaPartition, murmur2 } from '../../lib/util/murmur2';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('murmur2 (Java client compatible)', () => {
  // Apache Kafka clients, UtilsTest.testMurmur2: values of Utils.murmur2 (Java int).
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('Kafka UtilsTest vector %j', (key, expected) => {
    expect(murmur2(bytes(key))).toBe(expected);
  });

  // librdkafka rdmurmur2.c unittest_murmur2: the Java results as int32 bit patterns, including
  // every alignment of a 4-byte and a long key.
  const shortKey = '1234';
  const longKey = 'PreAmbleWillBeRemoved,ThePrePartThatIs';
  it.each([
    ['kafka', 0xd067cf64],
    ['giberish123456789', 0x8f552b0c],
    [shortKey, 0x9fc97b14],
    [shortKey.slice(1), 0xe7c009ca],
    [shortKey.slice(2), 0x873930da],
    [shortKey.slice(3), 0x5a4b5ca1],
    [longKey, 0x78424f1c],
    [longKey.slice(1), 0x4a62b377],
    [longKey.slice(2), 0xe0e4e09e],
    [longKey.slice(3), 0x62b8b43f],
    ['', 0x106e08d9],
  ])('librdkafka vector %j', (key, expected) => {
    expect(murmur2(bytes(key)) >>> 0).toBe(expected);
    expect(murmur2(bytes(key))).toBe(expected | 0); // a signed 32-bit int, like Java's
  });

  it('hashes the bytes, not the view it is given', () => {
    const backing = bytes('xxkafkayy');
    expect(murmur2(backing.subarray(2, 7)) >>> 0).toBe(0xd067cf64);
  });
});

describe('javaPartition', () => {
  // librdkafka tests/0048-partitioner.c, "murmur2" partitioner: masked hashes from the Java
  // client (tests/java/Murmur2Cli), taken modulo the partition count.
  const cases: Array<[string, number]> = [
    ['', 0x106e08d9],
    ['23456', 0x058d780f],
    ['this is another string with more length to it perhaps', 0x4f7703da],
    ['hejsan', 0x5ec19395],
  ];
  it.each(cases)('librdkafka partitioner vector %j', (key, masked) => {
    for (const n of [1, 7, 17, 100]) expect(javaPartition(bytes(key), n)).toBe(masked % n);
  });

  it('clears the sign bit like Java toPositive, then takes the modulo', () => {
    // -973932308 & 0x7fffffff = 1173551340
    expect(javaPartition(bytes('21'), 1_000_000_007)).toBe(1173551340 % 1_000_000_007);
    expect(javaPartition(bytes('21'), 0x7fffffff)).toBe(1173551340);
  });

  it('always returns a partition in range', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 0x7fffffff }), (key, n) => {
        const p = javaPartition(key, n);
        return Number.isInteger(p) && p >= 0 && p < n;
      }),
    );
  });

  it.each([0, -1, 1.5, Number.NaN, 2 ** 31])('rejects %p partitions', (n) => {
    expect(() => javaPartition(bytes('k'), n)).toThrow(ConfigError);
  });
});
