// @ts-check
// Every operation of the fuzz, defined in one fixed order: choose() walks the table in this
// order, so reordering these calls (or an operation within a module) changes what every
// seed means, and a failing seed printed by an older run no longer replays.
import { setTimeout as sleep } from 'node:timers/promises';

import { defineAdminOps } from './admin-ops.mjs';
import { defineAfterCloseOps } from './after-close-ops.mjs';
import { defineCreation } from './clients.mjs';
import { defineClusterOps } from './cluster-ops.mjs';
import { defineConsumerOps } from './consumer-ops.mjs';
import { defineDriverOps } from './driver-ops.mjs';
import { defineProducerOps } from './producer-ops.mjs';
import { defineTopicOps } from './topic-ops.mjs';

/** @param {import('./context.mjs').FuzzContext} ctx */
export function defineOperations(ctx) {
  defineCreation(ctx);
  defineProducerOps(ctx);
  defineConsumerOps(ctx);
  defineAdminOps(ctx);
  defineAfterCloseOps(ctx);
  defineClusterOps(ctx);
  defineDriverOps(ctx);
  defineTopicOps(ctx);
  // A pause lets earlier operations progress before the next ones pile up.
  ctx.table.def('sleep', 3, () => true, () => {
    const ms = ctx.r.pick([1, 5, 20]);
    ctx.out.launch('sleep', () => sleep(ms));
  });
}
