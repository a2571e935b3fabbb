// @ts-check
// What every thread of the fuzz shares: the built library, the worker script, the topics
// of the mock clusters.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/** The driver module, which is also the worker script (its entry runs the fuzz in a worker). */
export const DRIVER_PATH = join(here, 'lifecycle-driver.mjs');

/**
 * The built library (dist/cjs): one copy of every class per thread, shared by the test,
 * the script and the workers.
 * @returns {any}
 */
export function loadLibrary() {
  return createRequire(import.meta.url)(join(root, 'dist', 'cjs', 'index.js'));
}

/** The topics every mock cluster of the fuzz starts with (raw clients use only these). */
export const TOPICS = [
  { name: 'fz-a', partitions: 3 },
  { name: 'fz-b', partitions: 1 },
];
