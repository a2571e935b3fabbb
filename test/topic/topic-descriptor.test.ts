import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/util/errors';
import { DataDescriptor, materialize, materializeInto, viewSlices, type Segment } from '../../lib/topic/descriptor';

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

describe('DataDescriptor: the C++ (Python binding) tests on 1024 bytes', () => {
  const dd = DataDescriptor.of(1024);

  it('sizes', () => {
    expect(dd.size).toBe(1024);
    expect(DataDescriptor.empty().size).toBe(0);
    expect(dd.flatten()).toEqual([{ offset: 0, size: 1024 }]);
  });

  it('sub-views, truncated at the end and empty past it', () => {
    expect(dd.sub(100, 200).size).toBe(200);
    expect(dd.sub(900, 200).size).toBe(124);
    expect(dd.sub(1200, 200).size).toBe(0);
    expect(dd.sub(1200, 200).isEmpty).toBe(true);
  });

  it('strided views count the trailing gap', () => {
    expect(dd.strided(0, 4, 64, 192).size).toBe(4 * 64);
    expect(() => dd.strided(0, 4, 128, 192)).toThrow(ConfigError);
    expect(() => dd.strided(0, 4, 128, 192)).toThrow(/out of bounds: offset 0 \+ 4 blocks × \(128 \+ 192\) = 1280 > view size 1024/);
  });

  it('unstructured views', () => {
    expect(dd.unstructured([{ offset: 0, size: 100 }, { offset: 200, size: 100 }, { offset: 400, size: 100 }]).size).toBe(300);
    expect(() => dd.unstructured([{ offset: 0, size: 100 }, { offset: 200, size: 100 }, { offset: 1000, size: 200 }])).toThrow(
      expect.objectContaining({ name: 'ConfigError', property: 'unstructured[2]' }),
    );
    expect(() => dd.unstructured([{ offset: 0, size: 200 }, { offset: 100, size: 200 }])).toThrow(
      expect.objectContaining({ name: 'ConfigError', property: 'unstructured[1]' }),
    );
  });
});

describe('DataDescriptor: the C++ data-selection tests (52 bytes in two segments)', () => {
  const seg1 = Buffer.from('abcdefghijklmnopqrstuvwxyz');
  const seg2 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
  const data = [seg1, seg2];
  const full = DataDescriptor.forData(data);

  it('no data', () => {
    expect(materialize(DataDescriptor.empty(), data).length).toBe(0);
  });
  it('the whole data', () => {
    expect(full.size).toBe(52);
    expect(text(materialize(full, data))).toBe('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ');
  });
  it('sub-view (13, 26)', () => {
    const d = full.sub(13, 26);
    expect(d.size).toBe(26);
    expect(text(materialize(d, data))).toBe('nopqrstuvwxyzABCDEFGHIJKLM');
  });
  it('strided view (13, 3, 4, 2)', () => {
    const d = full.strided(13, 3, 4, 2);
    expect(d.size).toBe(12);
    expect(text(materialize(d, data))).toBe('nopqtuvwzABC');
    expect(d.flatten()).toEqual([{ offset: 13, size: 4 }, { offset: 19, size: 4 }, { offset: 25, size: 4 }]);
  });
  it('unstructured view {3,6},{15,4},{27,8}', () => {
    const d = full.unstructured([{ offset: 3, size: 6 }, { offset: 15, size: 4 }, { offset: 27, size: 8 }]);
    expect(d.size).toBe(18);
    expect(text(materialize(d, data))).toBe('defghipqrsBCDEFGHI');
  });
});

describe('DataDescriptor: stacked views use offsets relative to the view below', () => {
  const data = [Buffer.from('abcdefghijklmnopqrstuvwxyz'), Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ')];
  const full = DataDescriptor.of(52);

  it('sub of sub', () => {
    // Octopus applied (2, 3) to the raw data ("cde"); the documented meaning is within the view.
    expect(text(materialize(full.sub(13, 26).sub(2, 3), data))).toBe('pqr');
    expect(text(materialize(full.sub(13, 26).sub(12, 3), data))).toBe('zAB');
  });

  it('sub, unstructured and strided on top of a strided view', () => {
    const strided = full.strided(13, 3, 4, 2); // nopq tuvw zABC
    expect(text(materialize(strided.sub(2, 4), data))).toBe('pqtu');
    expect(text(materialize(strided.unstructured([{ offset: 0, size: 1 }, { offset: 7, size: 2 }]), data))).toBe('nwz');
    expect(text(materialize(strided.strided(1, 3, 2, 1), data))).toBe('optuwz');
    expect(() => strided.strided(1, 3, 2, 2)).toThrow(ConfigError); // 1 + 3 × 4 > 12: bounds are the view's
    expect(strided.sub(2, 4).flatten()).toEqual([{ offset: 15, size: 2 }, { offset: 19, size: 2 }]);
  });

  it('the C++ header examples, on one view of the upper-case half', () => {
    const upper = full.sub(26, 26);
    expect(text(materialize(upper.strided(1, 5, 2, 3), data))).toBe('BCGHLMQRVW');
    expect(text(materialize(upper.sub(4, 8), data))).toBe('EFGHIJKL');
    expect(text(materialize(upper.unstructured([{ offset: 1, size: 3 }, { offset: 7, size: 5 }, { offset: 14, size: 2 }]), data))).toBe('BCDHIJKLOP');
  });

  it('adjacent ranges merge in the flattened form', () => {
    expect(full.unstructured([{ offset: 0, size: 2 }, { offset: 2, size: 3 }]).flatten()).toEqual([{ offset: 0, size: 5 }]);
    expect(full.strided(4, 3, 5, 0).flatten()).toEqual([{ offset: 4, size: 15 }]);
    expect(full.strided(0, 4, 2, 2).unstructured([{ offset: 1, size: 2 }, { offset: 3, size: 2 }]).flatten()).toEqual([
      { offset: 1, size: 1 },
      { offset: 4, size: 2 },
      { offset: 8, size: 1 },
    ]);
  });
});

describe('DataDescriptor: edge cases and argument errors', () => {
  const d = DataDescriptor.of(10);

  it('empty results', () => {
    expect(d.sub(10, 5).isEmpty).toBe(true);
    expect(d.sub(3, 0).isEmpty).toBe(true);
    expect(d.strided(11, 1, 1, 0).isEmpty).toBe(true);
    expect(d.strided(0, 0, 4, 0).isEmpty).toBe(true);
    expect(d.strided(0, 3, 0, 1).isEmpty).toBe(true);
    expect(d.unstructured([]).isEmpty).toBe(true);
    expect(d.unstructured([{ offset: 4, size: 0 }]).isEmpty).toBe(true);
    expect(DataDescriptor.empty().sub(0, 1).isEmpty).toBe(true);
    expect(DataDescriptor.of(0).flatten()).toEqual([]);
  });

  it('a stride may end exactly at the end, gap included', () => {
    expect(d.strided(0, 2, 3, 2).flatten()).toEqual([{ offset: 0, size: 3 }, { offset: 5, size: 3 }]);
    expect(() => d.strided(1, 2, 3, 2)).toThrow(ConfigError);
    expect(() => d.strided(10, 1, 1, 0)).toThrow(ConfigError);
  });

  it('unstructured ranges must be sorted and in bounds', () => {
    expect(() => d.unstructured([{ offset: 5, size: 1 }, { offset: 2, size: 1 }])).toThrow(/must be sorted and must not overlap/);
    expect(() => d.unstructured([{ offset: 8, size: 3 }])).toThrow(/past the end of the view \(10 bytes\)/);
    expect(d.unstructured([{ offset: 8, size: 2 }]).size).toBe(2);
  });

  it.each([
    ['sub.offset', () => d.sub(-1, 2)],
    ['sub.size', () => d.sub(0, 1.5)],
    ['strided.gapSize', () => d.strided(0, 1, 1, Number.NaN)],
    ['unstructured[0].size', () => d.unstructured([{ offset: 0, size: -3 }])],
    ['size', () => DataDescriptor.of(-1)],
  ])('rejects a bad %s', (property, call) => {
    expect(call).toThrow(expect.objectContaining({ name: 'ConfigError', property }));
  });

  it('flatten returns a copy', () => {
    const f = d.sub(1, 2).flatten();
    (f as Segment[]).push({ offset: 0, size: 1 });
    expect(d.sub(1, 2).flatten()).toEqual([{ offset: 1, size: 2 }]);
  });
});

describe('materialize, materializeInto and viewSlices', () => {
  const data = [Buffer.from('abcdefghijklmnopqrstuvwxyz'), Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ')];
  const view = DataDescriptor.of(52).strided(13, 3, 4, 2);

  it('writes into a caller-provided buffer and leaves the rest alone', () => {
    const target = Buffer.alloc(16, '.');
    expect(materializeInto(view, data, target)).toBe(12);
    expect(target.toString()).toBe('nopqtuvwzABC....');
  });

  it('scatters into several target segments', () => {
    const targets = [Buffer.alloc(5), Buffer.alloc(0), Buffer.alloc(3), Buffer.alloc(4)];
    materializeInto(view, data, targets);
    expect(targets.map((t) => t.toString())).toEqual(['nopqt', '', 'uvw', 'zABC']);
  });

  it('rejects a target too small and data too short', () => {
    expect(() => materializeInto(view, data, Buffer.alloc(11))).toThrow(expect.objectContaining({ property: 'target' }));
    expect(() => materialize(view, data[0]!)).toThrow(expect.objectContaining({ property: 'source' }));
  });

  it('viewSlices are views of the source, no copy', () => {
    const slices = viewSlices(DataDescriptor.of(52).sub(20, 10), data);
    expect(slices.map(text)).toEqual(['uvwxyz', 'ABCD']);
    expect(slices[0]!.buffer).toBe(data[0]!.buffer);
    expect(slices[1]!.buffer).toBe(data[1]!.buffer);
  });
});

// Reference model: a view is the explicit list of the underlying byte indices it selects.
type Op =
  | { kind: 'sub'; offset: number; size: number }
  | { kind: 'strided'; offset: number; numBlocks: number; blockSize: number; gapSize: number }
  | { kind: 'unstructured'; segments: Segment[] };

function modelApply(indices: number[], op: Op): number[] | 'error' {
  const n = indices.length;
  switch (op.kind) {
    case 'sub':
      if (op.offset >= n || op.size === 0) return [];
      return indices.slice(op.offset, op.offset + op.size);
    case 'strided': {
      if (op.offset > n || op.numBlocks === 0 || op.blockSize === 0) return [];
      if (op.offset + op.numBlocks * (op.blockSize + op.gapSize) > n) return 'error';
      const out: number[] = [];
      for (let b = 0; b < op.numBlocks; b++) {
        const start = op.offset + b * (op.blockSize + op.gapSize);
        out.push(...indices.slice(start, start + op.blockSize));
      }
      return out;
    }
    case 'unstructured': {
      let end = 0;
      const out: number[] = [];
      for (const s of op.segments) {
        if (s.offset < end || s.offset + s.size > n) return 'error';
        if (s.size > 0) end = s.offset + s.size;
        out.push(...indices.slice(s.offset, s.offset + s.size));
      }
      return out;
    }
  }
}

function apply(d: DataDescriptor, op: Op): DataDescriptor {
  switch (op.kind) {
    case 'sub':
      return d.sub(op.offset, op.size);
    case 'strided':
      return d.strided(op.offset, op.numBlocks, op.blockSize, op.gapSize);
    case 'unstructured':
      return d.unstructured(op.segments);
  }
}

/** Run-length encoding of an index list: what flatten() must return. */
function runs(indices: number[]): Segment[] {
  const out: Segment[] = [];
  for (const i of indices) {
    const last = out[out.length - 1];
    if (last !== undefined && last.offset + last.size === i) out[out.length - 1] = { offset: last.offset, size: last.size + 1 };
    else out.push({ offset: i, size: 1 });
  }
  return out;
}

/**
 * Random operations are drawn as seeds and made concrete against the size of the view they apply
 * to, so that most of them select something and a fair share is out of bounds.
 */
type OpSeed = { kind: 'sub' | 'strided' | 'unstructured'; a: number; b: number; c: number; d: number; parts: Array<[number, number]> };
const seedArb: fc.Arbitrary<OpSeed> = fc.record({
  kind: fc.constantFrom('sub' as const, 'strided' as const, 'unstructured' as const),
  a: fc.nat(1000),
  b: fc.nat(1000),
  c: fc.nat(1000),
  d: fc.nat(1000),
  parts: fc.array(fc.tuple(fc.nat(1000), fc.nat(1000)), { maxLength: 6 }),
});

function concretize(seed: OpSeed, n: number): Op {
  const faulty = seed.d % 8 === 0; // one op in eight (strided, unstructured) is made out of bounds
  switch (seed.kind) {
    case 'sub':
      return { kind: 'sub', offset: seed.a % (n + 2), size: seed.b % (n + 2) };
    case 'strided': {
      const offset = seed.a % (Math.floor(n / 3) + 1);
      const blockSize = seed.b % 23 === 0 ? 0 : 1 + (seed.b % Math.max(1, Math.floor(n / 4))); // 0 now and then: empty
      const gapSize = seed.c % (Math.floor(n / 6) + 1);
      const fit = Math.floor((n - offset) / (blockSize + gapSize || 1));
      const numBlocks = faulty ? fit + 1 : fit === 0 ? 0 : 1 + (seed.d % fit);
      return { kind: 'strided', offset, numBlocks, blockSize, gapSize };
    }
    case 'unstructured': {
      // Sorted cut points in [0, n], paired into ranges; then perhaps one made to overlap or overrun.
      const cuts = seed.parts.flat().map((x) => x % (n + 1)).sort((x, y) => x - y);
      const segments: Segment[] = [];
      for (let i = 0; i + 1 < cuts.length; i += 2) segments.push({ offset: cuts[i]!, size: cuts[i + 1]! - cuts[i]! });
      const last = segments[segments.length - 1];
      if (faulty && last !== undefined) {
        if (seed.c % 2 === 0) segments.push({ offset: last.offset, size: 1 }); // overlaps (or repeats) the last one
        else segments[segments.length - 1] = { offset: last.offset, size: n + 1 - last.offset }; // one past the end
      }
      return { kind: 'unstructured', segments };
    }
  }
}

/** Splits bytes into segments at the given cut points. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

describe('DataDescriptor: properties against a reference model', () => {
  it('stacked views select what the model selects, flatten to its runs, and materialize its bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof({ arbitrary: fc.uint8Array({ minLength: 16, maxLength: 160 }), weight: 9 }, { arbitrary: fc.uint8Array({ maxLength: 16 }), weight: 1 }),
        fc.array(seedArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(200), { maxLength: 4 }),
        fc.array(fc.nat(200), { maxLength: 3 }),
        (bytes, seeds, sourceCuts, targetCuts) => {
          let model: number[] = [...bytes.keys()];
          let d = DataDescriptor.of(bytes.length);
          for (const seed of seeds) {
            const op = concretize(seed, model.length);
            const next = modelApply(model, op);
            if (next === 'error') {
              expect(() => apply(d, op)).toThrow(ConfigError);
              return;
            }
            model = next;
            d = apply(d, op);
            expect(d.size).toBe(model.length);
          }
          expect(d.flatten()).toEqual(runs(model));
          const expected = Buffer.from(model.map((i) => bytes[i]!));
          const source = split(bytes, sourceCuts);
          expect(materialize(d, source)).toEqual(expected);
          expect(Buffer.concat(viewSlices(d, source))).toEqual(expected);
          const target = Buffer.alloc(model.length + 3, 0xee);
          const targets = split(target, targetCuts);
          expect(materializeInto(d, source, targets)).toBe(model.length);
          expect(target.subarray(0, model.length)).toEqual(expected);
          expect(target.subarray(model.length)).toEqual(Buffer.alloc(3, 0xee));
        },
      ),
      { numRuns: 500 },
    );
  });
});
