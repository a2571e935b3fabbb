// @ts-check
// The fuzz's only source of choices: a seed printed by a failing run must replay the same
// operations, so every draw goes through this generator, in launch order.

/**
 * A small seeded PRNG (xorshift32 over a splitmix-scrambled seed): fast, deterministic,
 * and good enough to choose fuzz operations.
 * @param {number} seed
 */
export function prng(seed) {
  let z = (seed >>> 0) + 0x9e3779b9;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  let s = (z ^ (z >>> 16)) >>> 0 || 0x6d2b79f5;
  const u32 = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    u32,
    /** @param {number} n @returns {number} 0..n-1 */
    int: (n) => u32() % n,
    /** @param {number} a @param {number} b @returns {number} a..b */
    range: (a, b) => a + (u32() % (b - a + 1)),
    /** @param {number} p */
    chance: (p) => u32() / 2 ** 32 < p,
    /** @template T @param {readonly T[]} list @returns {T} */
    pick: (list) => /** @type {T} */ (list[u32() % list.length]),
  };
}

/** @typedef {ReturnType<typeof prng>} Rng */
