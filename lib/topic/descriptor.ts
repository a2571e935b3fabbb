/**
 * Data descriptors: which bytes of an event's data a consumer wants materialized.
 *
 * A descriptor is a view of the event's data. Views stack, and the offsets given to
 * `sub`, `strided` and `unstructured` are always relative to the view they are called on
 * (the Diaspora API documents this; Octopus applied them to the raw data instead, its bug 6).
 * Internally a descriptor keeps only its flattened form, the sorted, merged list of byte
 * ranges of the underlying data it selects, so stacking costs one linear pass per view.
 *
 * Argument errors are {@link ConfigError}s whose `property` names the argument, e.g.
 * `strided` or `unstructured[1]`.
 */
import { ConfigError } from '../util/errors';

/** A contiguous range of bytes: `size` bytes from `offset`. */
export interface Segment {
  /** Where the segment starts in the data, in bytes. */
  readonly offset: number;
  /** The segment's length in bytes. */
  readonly size: number;
}

function checkCount(property: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ConfigError(property, `must be a non-negative integer, got ${String(n)}`);
  }
}

/** Appends a range to a flattened list, merging it with the last one when they touch. */
function push(out: Segment[], offset: number, size: number): void {
  if (size === 0) return;
  const last = out[out.length - 1];
  if (last !== undefined && last.offset + last.size === offset) {
    out[out.length - 1] = { offset: last.offset, size: last.size + size };
  } else {
    out.push({ offset, size });
  }
}

/** A selection of bytes of an event's data; immutable. */
export class DataDescriptor {
  /** The one empty descriptor; views that select nothing return it. */
  private static readonly none = new DataDescriptor([], 0);

  private constructor(
    /** Sorted, non-overlapping, non-touching ranges of the underlying data. */
    private readonly segments: readonly Segment[],
    /** Number of bytes this view selects. */
    readonly size: number,
  ) {}

  /** A descriptor of all `size` bytes of the data. */
  static of(size: number): DataDescriptor {
    checkCount('size', size);
    return size === 0 ? DataDescriptor.none : new DataDescriptor([{ offset: 0, size }], size);
  }

  /** A descriptor of all of `data`, one buffer or several segments taken end to end. */
  static forData(data: Uint8Array | readonly Uint8Array[]): DataDescriptor {
    return DataDescriptor.of(totalLength(toList(data)));
  }

  /** The descriptor that selects nothing (a data selector's "no data"). */
  static empty(): DataDescriptor {
    return DataDescriptor.none;
  }

  /** True when the view selects no byte. */
  get isEmpty(): boolean {
    return this.size === 0;
  }

  /** The ranges of the underlying data this view selects, in order, adjacent ranges merged. */
  flatten(): Segment[] {
    return this.segments.map((s) => ({ offset: s.offset, size: s.size }));
  }

  /**
   * The `size` bytes of this view from `offset`. Like the C++ API, a view reaching past the end is
   * truncated, and an offset at or past the end, or a zero size, gives the empty descriptor.
   */
  sub(offset: number, size: number): DataDescriptor {
    checkCount('sub.offset', offset);
    checkCount('sub.size', size);
    if (offset >= this.size || size === 0) return DataDescriptor.none;
    return this.select([{ offset, size: Math.min(size, this.size - offset) }]);
  }

  /**
   * `numBlocks` blocks of `blockSize` bytes, the first at `offset`, each followed by a gap of
   * `gapSize` bytes. The whole stride including the last gap must fit: that is what the C++ API
   * checks, so `(0, 4, 128, 192)` on 1024 bytes is an error although the last block would fit.
   * An offset past the end, or zero blocks or block size, gives the empty descriptor.
   * @throws ConfigError when the stride goes out of bounds.
   */
  strided(offset: number, numBlocks: number, blockSize: number, gapSize: number): DataDescriptor {
    checkCount('strided.offset', offset);
    checkCount('strided.numBlocks', numBlocks);
    checkCount('strided.blockSize', blockSize);
    checkCount('strided.gapSize', gapSize);
    if (offset > this.size || numBlocks === 0 || blockSize === 0) return DataDescriptor.none;
    const stride = blockSize + gapSize;
    const end = offset + numBlocks * stride;
    if (end > this.size) {
      throw new ConfigError(
        'strided',
        `out of bounds: offset ${offset} + ${numBlocks} blocks × (${blockSize} + ${gapSize}) = ${end} > view size ${this.size}`,
      );
    }
    const ranges: Segment[] = [];
    for (let i = 0; i < numBlocks; i++) ranges.push({ offset: offset + i * stride, size: blockSize });
    return this.select(ranges);
  }

  /**
   * The given ranges of this view, concatenated. They must be sorted, must not overlap and
   * must lie within the view; adjacent ones merge, empty ones are ignored. An empty list gives
   * the empty descriptor.
   * @throws ConfigError naming the first offending range.
   */
  unstructured(segments: readonly Segment[]): DataDescriptor {
    let previousEnd = 0;
    segments.forEach((s, i) => {
      const property = `unstructured[${i}]`;
      checkCount(`${property}.offset`, s.offset);
      checkCount(`${property}.size`, s.size);
      if (s.offset < previousEnd) {
        throw new ConfigError(property, `starts at ${s.offset}, before the end (${previousEnd}) of the previous range: ranges must be sorted and must not overlap`);
      }
      if (s.offset + s.size > this.size) {
        throw new ConfigError(property, `ends at ${s.offset + s.size}, past the end of the view (${this.size} bytes)`);
      }
      if (s.size > 0) previousEnd = s.offset + s.size;
    });
    return this.select(segments);
  }

  /**
   * Maps sorted, non-overlapping, in-bounds ranges of this view to ranges of the underlying
   * data, in one pass over both lists.
   */
  private select(ranges: readonly Segment[]): DataDescriptor {
    const out: Segment[] = [];
    let index = 0; // segment of this view that contains `viewStart`
    let viewStart = 0; // view offset where segments[index] begins
    let total = 0;
    for (const r of ranges) {
      let at = r.offset;
      let left = r.size;
      total += left;
      while (left > 0) {
        let seg = this.segments[index]!;
        while (viewStart + seg.size <= at) {
          viewStart += seg.size;
          seg = this.segments[++index]!;
        }
        const within = at - viewStart;
        const take = Math.min(left, seg.size - within);
        push(out, seg.offset + within, take);
        at += take;
        left -= take;
      }
    }
    return total === 0 ? DataDescriptor.none : new DataDescriptor(out, total);
  }
}

function toList(data: Uint8Array | readonly Uint8Array[]): readonly Uint8Array[] {
  return data instanceof Uint8Array ? [data] : data;
}

function totalLength(list: readonly Uint8Array[]): number {
  let n = 0;
  for (const b of list) n += b.length;
  return n;
}

/**
 * Calls `fn` with the views of `source` (segments taken end to end) that `descriptor` selects,
 * in order. Checks first that the selection lies within `source`.
 */
function forEachSlice(
  descriptor: DataDescriptor,
  source: readonly Uint8Array[],
  fn: (slice: Uint8Array) => void,
): void {
  const segments = descriptor.flatten();
  const last = segments[segments.length - 1];
  const available = totalLength(source);
  if (last !== undefined && last.offset + last.size > available) {
    throw new ConfigError('source', `the descriptor selects bytes up to ${last.offset + last.size} but the data has ${available}`);
  }
  let index = 0; // source buffer that contains `at`
  let start = 0; // offset of source[index] in the data
  for (const seg of segments) {
    let at = seg.offset;
    let left = seg.size;
    while (left > 0) {
      let buf = source[index]!;
      while (start + buf.length <= at) {
        start += buf.length;
        buf = source[++index]!;
      }
      const within = at - start;
      const take = Math.min(left, buf.length - within);
      fn(buf.subarray(within, within + take));
      at += take;
      left -= take;
    }
  }
}

/**
 * Zero-copy: the views of `source` that `descriptor` selects, in order. `source` is the whole
 * data, one buffer or several segments end to end.
 * @throws ConfigError when the descriptor selects bytes beyond the data.
 */
export function viewSlices(descriptor: DataDescriptor, source: Uint8Array | readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  forEachSlice(descriptor, toList(source), (s) => out.push(s));
  return out;
}

/**
 * Copies the bytes `descriptor` selects from `source` into a new buffer of `descriptor.size` bytes.
 * @throws ConfigError when the descriptor selects bytes beyond the data.
 */
export function materialize(descriptor: DataDescriptor, source: Uint8Array | readonly Uint8Array[]): Buffer {
  const out = Buffer.allocUnsafe(descriptor.size);
  materializeInto(descriptor, source, out);
  return out;
}

/**
 * Copies the bytes `descriptor` selects from `source` into caller-provided memory (what a data
 * allocator returned): one buffer, or several filled one after the other. Returns the number of
 * bytes written (`descriptor.size`); bytes of `target` past that are left untouched.
 * @throws ConfigError when the descriptor selects bytes beyond the data, or `target` is too small.
 */
export function materializeInto(
  descriptor: DataDescriptor,
  source: Uint8Array | readonly Uint8Array[],
  target: Uint8Array | readonly Uint8Array[],
): number {
  const targets = toList(target);
  const room = totalLength(targets);
  if (room < descriptor.size) {
    throw new ConfigError('target', `${room} bytes cannot hold the ${descriptor.size} selected bytes`);
  }
  let index = 0;
  let used = 0; // bytes already written into targets[index]
  forEachSlice(descriptor, toList(source), (slice) => {
    let from = 0;
    while (from < slice.length) {
      const buf = targets[index]!;
      const take = Math.min(slice.length - from, buf.length - used);
      buf.set(slice.subarray(from, from + take), used);
      from += take;
      used += take;
      if (used === buf.length) {
        index++;
        used = 0;
      }
    }
  });
  return descriptor.size;
}
