// @ts-check
// Topic-layer drivers (on this thread's own cluster: the driver creates topics through it):
// connect, create and open topics, close. A driver's closed flag, and its topics', is set
// when its close is launched.
import { live } from './pools.mjs';

/** @param {import('./context.mjs').FuzzContext} ctx */
export function defineDriverOps(ctx) {
  const { r, out, table, lib } = ctx;
  const { drivers, topics } = ctx.pools;

  table.def('driver.connect', 1, () => live(drivers).length < 1, () => {
    const slot = { id: ctx.uniq('d'), ready: lib.Driver.connect({ kafka: { 'bootstrap.servers': ctx.own } }), closed: false };
    drivers.push(slot);
    out.launch('driver.connect', () => slot.ready);
  });
  table.def('driver.createTopic', 1, () => live(drivers).length > 0 && live(topics).length < 3, () => {
    const driver = r.pick(live(drivers));
    const name = ctx.uniq('t');
    const partitions = r.range(1, 3);
    const slot = { id: name, name, driver, closed: false, ready: driver.ready.then((/** @type {any} */ d) => d.createTopic(name, { num_partitions: partitions })) };
    topics.push(slot);
    out.launch('driver.createTopic', () => slot.ready);
  });
  table.def('driver.openTopic', 1, () => live(drivers).length > 0, () => {
    const driver = r.pick(live(drivers));
    const known = topics.length > 0 && r.chance(0.7);
    const name = known ? r.pick(topics).name : ctx.uniq('missing');
    out.launch('driver.openTopic', async () => {
      const d = await driver.ready;
      try {
        await d.openTopic(name);
      } catch (e) {
        // An unknown (or not yet created) topic is a TopicNotFoundError.
        if (!(e instanceof lib.TopicNotFoundError) && !(e instanceof lib.ClosedError)) throw e;
      }
    });
  });
  table.def('driver.close', 0.3, () => live(drivers).length > 0, () => {
    const driver = r.pick(live(drivers));
    driver.closed = true;
    for (const t of topics) if (t.driver === driver) t.closed = true;
    out.launch('driver.close', async () => (await driver.ready).close());
  });
}
