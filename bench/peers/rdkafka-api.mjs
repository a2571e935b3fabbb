// node-rdkafka's API (Producer.produce with delivery reports, KafkaConsumer.consume), run
// for node-rdkafka itself and for Confluent's client, which keeps that API as its
// "callback API". Both wrap librdkafka; this is their per-message path (produce()) and their
// batch read (consume(n, callback)) and flowing read (consume() with 'data' events).
import { ACKS, consumeCounter, latencyProbe, LINGER_MS, yieldToLoop } from './common.mjs';

const QUEUE_FULL = -184; // RD_KAFKA_RESP_ERR__QUEUE_FULL

function library(ctx) {
  return ctx.load(ctx.client === 'node-rdkafka' ? 'node-rdkafka' : '@confluentinc/kafka-javascript');
}

function connect(client) {
  return new Promise((resolve, reject) => client.connect({}, (e) => (e ? reject(e) : resolve())));
}

async function producer(ctx, onReport, lingerMs = LINGER_MS) {
  const Kafka = library(ctx);
  const p = new Kafka.Producer({
    'metadata.broker.list': ctx.brokers,
    'request.required.acks': ACKS,
    'linger.ms': lingerMs,
    ...(ctx.compression ? { 'compression.codec': ctx.compression } : {}),
    dr_cb: true,
  });
  p.on('delivery-report', onReport);
  p.on('event.error', (e) => process.stderr.write(`producer error: ${e.message}\n`));
  await connect(p);
  // Delivery reports are served by a poll every 1 ms (node-rdkafka's documented set-up).
  p.setPollInterval(1);
  return p;
}

function disconnect(client) {
  return new Promise((resolve) => client.disconnect(() => resolve()));
}

/** produce() per message; on QUEUE_FULL, lets delivery reports drain and retries. */
async function produceAll(ctx, p, count) {
  const { values, keys } = ctx;
  const headers = ctx.headers ? Object.entries(ctx.headers).map(([k, v]) => ({ [k]: v })) : undefined;
  for (let i = 0; i < count; ) {
    try {
      if (keys) p.produce(ctx.topic, null, values[i % values.length], keys[i % keys.length], null, null, headers);
      else p.produce(ctx.topic, null, values[i % values.length], null);
      i++;
    } catch (e) {
      if (e?.code !== QUEUE_FULL) throw e;
      await new Promise((r) => setTimeout(r, 1));
      continue;
    }
    if (i % 1_000 === 0) await yieldToLoop();
  }
}

async function consumer(ctx) {
  const Kafka = library(ctx);
  const wait = ctx.fetchWaitMs ? { 'fetch.wait.max.ms': ctx.fetchWaitMs } : {};
  const c = new Kafka.KafkaConsumer({ 'metadata.broker.list': ctx.brokers, 'group.id': ctx.group, ...wait }, { 'auto.offset.reset': 'earliest' });
  c.on('event.error', (e) => process.stderr.write(`consumer error: ${e.message}\n`));
  await connect(c);
  c.subscribe([ctx.topic]);
  return c;
}

export const modes = {
  /** produce() per message, delivery reports counted. */
  async produce(ctx) {
    let delivered = 0;
    let failed = 0;
    let error;
    let allDone;
    const done = new Promise((r) => (allDone = r));
    let warm;
    const warmed = new Promise((r) => (warm = r));
    let warming = true;
    const p = await producer(ctx, (e) => {
      if (warming) return warm();
      if (e) {
        failed++;
        error ??= e.message;
      } else delivered++;
      if (delivered + failed === ctx.count) allDone();
    });
    p.produce(ctx.topic, null, ctx.value, null);
    await warmed;
    warming = false;
    await ctx.meter.start();
    await produceAll(ctx, p, ctx.count);
    await done;
    ctx.meter.stopHere();
    await disconnect(p);
    return { delivered, failed, error };
  },

  /** consume(1000, callback) in a loop: the batch read. */
  async consume(ctx) {
    const c = await consumer(ctx);
    const n = consumeCounter(ctx);
    let stop = false;
    const next = () =>
      c.consume(1000, (e, messages) => {
        if (e) process.stderr.write(`consume error: ${e.message}\n`);
        else if (messages.length) {
          let bytes = 0;
          for (const m of messages) bytes += m.value.length;
          n.add(messages.length, bytes);
        }
        if (!stop) setImmediate(next);
      });
    next();
    await n.done;
    stop = true;
    ctx.meter.stopHere();
    await disconnect(c);
    return n.result();
  },

  /** consume() in flowing mode, a 'data' event per message. */
  async flowing(ctx) {
    const c = await consumer(ctx);
    const n = consumeCounter(ctx);
    c.on('data', (m) => n.add(1, m.value.length));
    c.consume();
    await n.done;
    ctx.meter.stopHere();
    await disconnect(c);
    return n.result();
  },

  /** produce() paced at the rate, flowing consume reading. */
  async latency(ctx) {
    const probe = latencyProbe(ctx);
    const c = await consumer(ctx);
    c.on('data', (m) => probe.received(m.value));
    c.consume();
    const p = await producer(ctx, () => {}, 1);
    p.produce(ctx.topic, null, probe.warmValue, null);
    await probe.warmedUp();
    const r = await probe.run((values) => {
      for (const value of values) p.produce(ctx.topic, null, value, null);
    });
    ctx.meter.stopHere();
    await disconnect(p);
    await disconnect(c);
    return r;
  },
};
