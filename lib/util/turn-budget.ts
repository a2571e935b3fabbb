/**
 * A budget of JavaScript time per turn of the event loop, shared by every consumer of the
 * thread. Each consumer's hand-off arrives as its own callback, and libuv runs every callback
 * that is ready in one turn: 50 consumers in one process, each reading the few thousand
 * messages of its hand-off, held the loop for up to 344 ms. A reader past the budget takes
 * its next batch on a later turn instead, so that timers and I/O run in between.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** JavaScript time one turn of the event loop may spend on consumers' batches. */
export const TURN_BUDGET_MS = 10;

/** When the current turn started (the first check in it), or -1 between turns. */
let turnStart = -1;
const endTurn = (): void => {
  turnStart = -1;
};

/** True when this turn of the event loop has already spent its budget. */
export function turnOverBudget(): boolean {
  const now = performance.now();
  if (turnStart < 0) {
    turnStart = now;
    // Runs at the end of this turn (or of the next, when called from an immediate).
    setImmediate(endTurn);
    return false;
  }
  return now - turnStart > TURN_BUDGET_MS;
}

/** Resolves on a later turn of the event loop. */
export function laterTurn(): Promise<void> {
  return nextTurn();
}
