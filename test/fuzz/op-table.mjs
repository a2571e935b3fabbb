// @ts-check
// The weighted table of operations a step chooses from. Its order is part of what a seed
// means: choose() walks it in definition order, so operations must be defined in a fixed
// order (operations.mjs holds it).
import { open } from './pools.mjs';

/** @typedef {[name: string, weight: number, when: () => boolean, run: () => void]} Op */

export class OpTable {
  /** @param {RegExp | undefined} only  keep only the operations whose names match (creation always runs) */
  constructor(only) {
    this.only = only;
    /** @type {Op[]} */
    this.ops = [];
  }

  /**
   * Defines an operation, available while `when()` holds.
   * @param {string} name @param {number} weight @param {() => boolean} when @param {() => void} run
   */
  def(name, weight, when, run) {
    if (!this.only || this.only.test(name) || name.endsWith('.new') || name === 'driver.connect') this.ops.push([name, weight, when, run]);
  }

  /**
   * Draws one available operation, with probability proportional to its weight.
   * @param {import('./prng.mjs').Rng} r
   */
  choose(r) {
    let x = (r.u32() / 2 ** 32) * this.#totalWeight();
    for (const [, w, when, run] of this.ops) {
      if (!when()) continue;
      x -= w;
      if (x < 0) return run;
    }
    return /** @type {Op} */ (this.ops[this.ops.length - 1])[3];
  }

  #totalWeight() {
    return this.ops.reduce((sum, [, w, when]) => sum + (when() ? w : 0), 0);
  }
}

/**
 * Defines an operation on one open raw client of a pool, picked at random; the trace names
 * that client.
 * @param {import('./context.mjs').FuzzContext} ctx
 * @param {import('./pools.mjs').RawSlot[]} list
 * @param {string} name @param {number} weight
 * @param {(s: import('./pools.mjs').RawSlot) => void} run
 */
export function defPerClient(ctx, list, name, weight, run) {
  ctx.table.def(name, weight, () => open(list).length > 0, () => {
    const slot = ctx.r.pick(open(list));
    ctx.out.current = slot.id;
    run(slot);
    ctx.out.current = '';
  });
}
