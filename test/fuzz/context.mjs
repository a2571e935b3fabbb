// @ts-check
// What every operation of one thread's fuzz works with, passed explicitly to the modules
// that define operations (instead of closures over the run's locals).
import { loadLibrary, TOPICS } from './library.mjs';
import { OpTable } from './op-table.mjs';
import { Outcomes } from './outcomes.mjs';
import { Pools } from './pools.mjs';
import { prng } from './prng.mjs';

/**
 * @typedef {object} FuzzContext
 * @property {any} lib                        the built library
 * @property {import('./prng.mjs').Rng} r     every choice is drawn from it, when an operation is launched
 * @property {any} ownCluster                 the MockCluster this thread may fault
 * @property {string} own                     its bootstrap servers
 * @property {string[]} clusters              where new raw clients connect (own, and the shared one)
 * @property {string} tag                     thread-seed, in group and topic names so threads do not collide
 * @property {(prefix: string) => string} uniq a fresh name
 * @property {Outcomes} out                   tracking and checks
 * @property {Pools} pools                    the clients made so far
 * @property {OpTable} table                  the operations to choose from
 */

/**
 * @param {{ seed: number, thread: string, lib?: any, cluster?: any, shared?: string, only?: RegExp, trace?: (line: string) => void }} options
 * @returns {Promise<FuzzContext>}
 */
export async function createContext(options) {
  const lib = options.lib ?? loadLibrary();
  const r = prng(options.seed);
  const ownCluster = options.cluster ?? (await lib.MockCluster.start({ topics: TOPICS }));
  const own = ownCluster.bootstrapServers;
  const tag = `${options.thread}-${options.seed}`;
  let serial = 0;
  return {
    lib,
    r,
    ownCluster,
    own,
    clusters: options.shared && options.shared !== own ? [own, options.shared] : [own],
    tag,
    uniq: (p) => `${p}-${tag}-${serial++}`,
    out: new Outcomes(options, lib.KafkaError),
    pools: new Pools(),
    table: new OpTable(options.only),
  };
}
