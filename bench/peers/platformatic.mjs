// @platformatic/kafka, as its README teaches it: producer.send({ messages }) and a consumer
// stream read with 'data' events (it has no batch read).
import { ACKS, chunked, consumeCounter, latencyProbe } from './common.mjs';

function library(ctx) {
  return ctx.load('@platformatic/kafka');
}

async function producer(ctx) {
  const { Producer } = library(ctx);
  const p = new Producer({ clientId: 'bench', bootstrapBrokers: [ctx.brokers], acks: ACKS, ...(ctx.compression ? { compression: ctx.compression } : {}) });
  const send = (messages) => p.send({ messages, acks: ACKS });
  await send([{ topic: ctx.topic, value: ctx.warmValue ?? ctx.value }]);
  return { p, send };
}

async function stream(ctx) {
  const { Consumer } = library(ctx);
  const wait = ctx.fetchWaitMs ? { maxWaitTime: ctx.fetchWaitMs } : {};
  const c = new Consumer({ clientId: 'bench', groupId: ctx.group, bootstrapBrokers: [ctx.brokers], ...wait });
  const s = await c.consume({ topics: [ctx.topic], mode: 'earliest', autocommit: true });
  return { c, s };
}

export const modes = {
  /** send() of 1,000 messages per call, one call at a time. */
  async batch(ctx) {
    const { p, send } = await producer(ctx);
    const { values, keys, headers } = ctx;
    const messages = Array.from({ length: 1000 }, (_, i) => ({ topic: ctx.topic, value: values[i % values.length], ...(keys ? { key: keys[i % keys.length], headers } : {}) }));
    await ctx.meter.start();
    const r = await chunked(ctx.count, 1000, 1, (n) => send(n === 1000 ? messages : messages.slice(0, n)));
    ctx.meter.stopHere();
    await p.close();
    return r;
  },

  /** The consumer stream, one 'data' event per message. */
  async stream(ctx) {
    const { c, s } = await stream(ctx);
    const n = consumeCounter(ctx);
    s.on('data', (m) => n.add(1, m.value.length));
    await n.done;
    ctx.meter.stopHere();
    await s.close();
    await c.close();
    return n.result();
  },

  /** send() of the messages due each millisecond, the stream reading. */
  async latency(ctx) {
    const probe = latencyProbe(ctx);
    const { c, s } = await stream(ctx);
    s.on('data', (m) => probe.received(m.value));
    const { p, send } = await producer({ ...ctx, warmValue: probe.warmValue });
    await probe.warmedUp();
    const r = await probe.run((values) => send(values.map((value) => ({ topic: ctx.topic, value }))).catch(() => {}));
    ctx.meter.stopHere();
    await p.close();
    await s.close();
    await c.close();
    return r;
  },
};
