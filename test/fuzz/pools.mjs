// @ts-check
// The clients a thread's fuzz made, by kind, and how operations pick among them. Raw
// clients are created synchronously and report `isClosed` themselves; topic-layer objects
// are promises (their creation is asynchronous), so their slots carry a closed flag, set
// when their close is launched: choices then never wait on I/O, and a seed replays.
import { TOPICS } from './library.mjs';

/** @typedef {{ id: string, client: any, servers: string, topics: typeof TOPICS }} RawSlot */
/** @typedef {{ id: string, ready: Promise<any>, closed: boolean }} AsyncSlot */
/** @typedef {AsyncSlot & { driver: AsyncSlot, name: string }} TopicSlot */
/** @typedef {AsyncSlot & { topic: AsyncSlot }} TopicClientSlot */

export class Pools {
  /** @type {RawSlot[]} */ producers = [];
  /** @type {RawSlot[]} */ consumers = [];
  /** @type {RawSlot[]} */ admins = [];
  /** @type {AsyncSlot[]} */ drivers = [];
  /** @type {TopicSlot[]} */ topics = [];
  /** @type {TopicClientSlot[]} */ tproducers = [];
  /** @type {TopicClientSlot[]} */ tconsumers = [];
}

export const open = (/** @type {RawSlot[]} */ list) => list.filter((s) => !s.client.isClosed);
export const closedOnes = (/** @type {RawSlot[]} */ list) => list.filter((s) => s.client.isClosed);
/** @template {AsyncSlot} S @param {S[]} list */
export const live = (list) => list.filter((s) => !s.closed);
/** An async slot's object, or undefined when its creation failed (nothing to close then). */
export const settleSlot = (/** @type {AsyncSlot} */ slot) => slot.ready.catch(() => undefined);

export const pickTopic = (/** @type {import('./prng.mjs').Rng} */ r, /** @type {RawSlot} */ s) => r.pick(s.topics);
export const pickPartition = (/** @type {import('./prng.mjs').Rng} */ r, /** @type {RawSlot} */ s) => {
  const t = pickTopic(r, s);
  return { topic: t.name, partition: r.int(t.partitions) };
};
