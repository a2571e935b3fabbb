// @ts-check
// Topic-layer producers and consumers over the drivers' topics: create, push, pull,
// process, close, and a closed driver asked for more clients.
import { HandlerFault } from './outcomes.mjs';
import { live } from './pools.mjs';

/** @param {import('./context.mjs').FuzzContext} ctx */
export function defineTopicOps(ctx) {
  const { r, out, table, lib } = ctx;
  const { topics, tproducers, tconsumers } = ctx.pools;

  table.def('topic.producer', 1, () => live(topics).length > 0 && live(tproducers).length < 2, () => {
    const topic = r.pick(live(topics));
    const maxPending = r.pick([undefined, 5, 100]);
    const slot = { id: ctx.uniq('tp'), topic, closed: false, ready: topic.ready.then((/** @type {any} */ t) => t.producer({ maxPending })) };
    tproducers.push(slot);
    out.launch('topic.producer', () => slot.ready);
  });
  table.def('topic.push', 4, () => live(tproducers).length > 0, () => {
    const slot = r.pick(live(tproducers));
    const n = r.range(1, 30);
    const at = out.step;
    const bad = r.chance(0.1);
    const data = r.chance(0.5) ? Buffer.from('payload') : undefined;
    out.launch('topic.push', async () => {
      const p = await slot.ready;
      for (let i = 0; i < n; i++) {
        // A metadata that cannot be serialized is a ValidationError, rejected on its own.
        const metadata = bad && i === 0 ? { bad: 1n } : { i, at };
        out.track('topic.push.event', p.push(metadata, data), { at });
      }
    });
  });
  table.def('topic.consumer', 1, () => live(topics).length > 0 && live(tconsumers).length < 2, () => {
    const topic = r.pick(live(topics));
    const group = r.chance(0.5) ? `tg-${ctx.tag}` : ctx.uniq('tg');
    const targeted = r.chance(0.3);
    const slot = {
      id: ctx.uniq('tc'),
      topic,
      closed: false,
      ready: topic.ready.then((/** @type {any} */ t) => t.consumer(group, targeted ? { targets: [0] } : {})),
    };
    tconsumers.push(slot);
    out.launch('topic.consumer', () => slot.ready);
  });
  table.def('topic.pull', 3, () => live(tconsumers).length > 0, () => {
    const slot = r.pick(live(tconsumers));
    const timeoutMs = r.pick([0, 50, 300]);
    const ack = r.chance(0.5);
    out.launch('topic.pull', async () => {
      const c = await slot.ready;
      const event = await c.pull({ timeoutMs });
      if (event !== null && typeof event.id !== 'bigint') out.violation('pull gave an event without a bigint id');
      if (event !== null && ack) await event.acknowledge();
    });
  });
  table.def('topic.process', 2, () => live(tconsumers).length > 0, () => {
    const slot = r.pick(live(tconsumers));
    const maxEvents = r.range(1, 30);
    const timeoutMs = r.pick([50, 300]);
    const concurrency = r.pick([1, 3]);
    const throwAt = r.chance(0.3) ? r.int(maxEvents) : -1;
    const stopAt = r.chance(0.2) ? r.int(maxEvents) : -1;
    out.launch(
      'topic.process',
      async () => {
        const c = await slot.ready;
        let n = 0;
        await c.process(
          async (/** @type {any} */ event) => {
            const i = n++;
            if (i === throwAt) throw new HandlerFault();
            if (i % 2 === 0) await event.acknowledge();
            return i !== stopAt;
          },
          { maxEvents, timeoutMs, concurrency },
        );
      },
      { handlerMayThrow: true },
    );
  });
  table.def('topic.markAsComplete', 0.2, () => live(topics).length > 0, () => {
    const topic = r.pick(live(topics));
    out.launch('topic.markAsComplete', async () => (await topic.ready).markAsComplete());
  });
  table.def('topic.close', 1, () => live(tproducers).length + live(tconsumers).length > 0, () => {
    const slot = r.pick([...live(tproducers), ...live(tconsumers)]);
    slot.closed = true;
    out.launch('topic.close', async () => (await slot.ready).close());
  });
  table.def('topic.afterDriverClose', 0.3, () => topics.some((t) => t.closed), () => {
    const topic = r.pick(topics.filter((t) => t.closed));
    const consumer = r.chance(0.5);
    out.launch('topic.afterDriverClose', async () => {
      const t = await topic.ready.catch(() => null);
      if (t === null || !topic.driver.closed) return;
      // A closed driver makes no more clients; the call says so with ClosedError.
      await (await topic.driver.ready).close();
      out.afterClose++;
      try {
        if (consumer) t.consumer('late');
        else t.producer();
      } catch (e) {
        if (e instanceof lib.ClosedError) return;
        throw e;
      }
      out.violation(`topic.${consumer ? 'consumer' : 'producer'}() after the driver closed did not throw ClosedError`);
    });
  });
}
