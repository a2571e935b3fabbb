import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { DefaultSerializer } from '../../lib/topic/components/serializers';
import { EventBatch, dataLength } from '../../lib/topic/event-batch';
import { decodeEvent, encodeEvent, eventDataStart } from '../../lib/topic/wire';

/** The value of event i of a packed run, as librdkafka will read it. */
function valueAt(run: ReturnType<EventBatch['toRun']>, i: number): Buffer {
  const o = i * 5;
  return run.arena.subarray(run.layout[o + 3]!, run.layout[o + 3]! + run.layout[o + 4]!);
}

describe('EventBatch', () => {
  const serializer = new DefaultSerializer();
  const cases: Array<[unknown, Uint8Array[]]> = [
    [{ i: 1 }, [Buffer.from('hello')]],
    [{ é: 'ü', emoji: '😀', cjk: '漢字' }, []],
    [[1, 'two', null], [Buffer.from('a'), Buffer.alloc(0), Buffer.from('bc')]],
    ['x'.repeat(70_000), [Buffer.alloc(5000, 7)]], // grows the buffer past its first size
  ];

  it('writes each event byte for byte as encodeEvent(serialize()) does, with its partition and no key', () => {
    const batch = new EventBatch(64);
    cases.forEach(([metadata, segments], i) => batch.addText(i, serializer.serializeText(metadata), segments, dataLength(segments)));
    batch.addBytes(9, serializer.serialize({ bytes: true }), [Buffer.from('z')], 1);
    const run = batch.toRun('t');
    expect(run).toMatchObject({ topic: 't', count: 5, timestamps: null, headerRows: null, headerSpans: null });
    expect(run.layout).toHaveLength(25);
    cases.forEach(([metadata, segments], i) => {
      expect(valueAt(run, i).equals(encodeEvent(serializer.serialize(metadata), segments))).toBe(true);
      expect(run.layout[i * 5]).toBe(i);
      expect(run.layout[i * 5 + 2]).toBe(-1);
      const decoded = decodeEvent(valueAt(run, i));
      expect(decoded.kind === 'event' && serializer.deserialize(decoded.metadata)).toEqual(metadata);
    });
    expect(valueAt(run, 4).equals(encodeEvent(serializer.serialize({ bytes: true }), [Buffer.from('z')]))).toBe(true);
    expect(run.layout[20]).toBe(9);
  });
});

describe('deserializeRange and eventDataStart (the consumer fast path)', () => {
  const serializer = new DefaultSerializer();
  const outcome = (f: () => unknown): unknown => {
    try {
      return { value: f() };
    } catch (e) {
      return { error: `${(e as Error).name}: ${(e as Error).message}` };
    }
  };

  it('give exactly what deserialize / decodeEvent give, for valid and arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue().map((v) => serializer.serialize(v)), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b))), fc.nat(8), fc.nat(8), (metadata, before, after) => {
        const buf = Buffer.concat([Buffer.alloc(before, 0x41), metadata, Buffer.alloc(after, 0x42)]);
        expect(outcome(() => serializer.deserializeRange(buf, before, before + metadata.length))).toEqual(outcome(() => serializer.deserialize(metadata)));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
        const value = Buffer.from(bytes);
        const start = outcome(() => eventDataStart(value));
        const decoded = outcome(() => decodeEvent(value));
        if ('error' in (decoded as object)) expect(start).toEqual(decoded);
        else expect((decoded as { value: { kind: string } }).value.kind === 'end').toBe((start as { value: number }).value === -1);
      }),
      { numRuns: 500 },
    );
  });
});
