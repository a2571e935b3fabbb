// The KafkaJS API, as KafkaJS's documentation teaches it: send() of 1,000 messages per
// call (awaited), consumer.run() with eachBatch or eachMessage. Three implementations run
// this same code: kafkajs itself, octokafka/kafkajs, and Confluent's KafkaJS-style API
// (@confluentinc/kafka-javascript's KafkaJS export, whose settings differ where its
// migration guide says they must: acks and fromBeginning per client, not per call).
import { ACKS, chunked, consumeCounter, latencyProbe, LINGER_MS, windowed } from './common.mjs';

/** { Kafka, logLevel, confluent } for the implementation named in ctx.client. */
async function implementation(ctx) {
  if (ctx.client === 'octokafka-kafkajs') return { ...(await import('../../dist/esm/kafkajs.mjs')), confluent: false };
  if (ctx.client === 'kafkajs') return { ...ctx.load('kafkajs'), confluent: false };
  return { ...ctx.load('@confluentinc/kafka-javascript').KafkaJS, confluent: true };
}

async function client(ctx) {
  const impl = await implementation(ctx);
  const common = { clientId: 'bench', brokers: [ctx.brokers], logLevel: impl.logLevel.NOTHING };
  const kafka = impl.confluent ? new impl.Kafka({ kafkaJS: common }) : new impl.Kafka(common);
  return { impl, kafka };
}

async function producer(ctx, lingerMs = LINGER_MS) {
  const { impl, kafka } = await client(ctx);
  // KafkaJS has no linger: a send() is one request. Confluent's client lingers like librdkafka.
  const p = impl.confluent ? kafka.producer({ kafkaJS: { acks: ACKS }, 'linger.ms': lingerMs }) : kafka.producer();
  await p.connect();
  const compression = ctx.compression ? { compression: impl.CompressionTypes[ctx.compression === 'lz4' ? 'LZ4' : 'ZSTD'] } : {};
  const send = impl.confluent ? (messages) => p.send({ topic: ctx.topic, messages, ...compression }) : (messages) => p.send({ topic: ctx.topic, messages, acks: ACKS, ...compression });
  await send([{ value: ctx.warmValue ?? ctx.value }]);
  return { p, send };
}

async function consumer(ctx) {
  const { impl, kafka } = await client(ctx);
  const c = impl.confluent
    ? kafka.consumer({ kafkaJS: { groupId: ctx.group, fromBeginning: true }, ...(ctx.fetchWaitMs ? { 'fetch.wait.max.ms': ctx.fetchWaitMs } : {}) })
    : kafka.consumer({ groupId: ctx.group, ...(ctx.fetchWaitMs ? { maxWaitTimeInMs: ctx.fetchWaitMs } : {}) });
  await c.connect();
  await c.subscribe(impl.confluent ? { topics: [ctx.topic] } : { topics: [ctx.topic], fromBeginning: true });
  return c;
}

async function consumeRows(ctx, handler) {
  const c = await consumer(ctx);
  const n = consumeCounter(ctx);
  await c.run(handler(n));
  await n.done;
  ctx.meter.stopHere();
  await c.disconnect();
  return n.result();
}

export const modes = {
  /** send() of 1,000 messages per call, one call at a time. */
  async batch(ctx) {
    const { p, send } = await producer(ctx);
    const { values, keys, headers } = ctx;
    const messages = Array.from({ length: 1000 }, (_, i) => (keys ? { value: values[i % values.length], key: keys[i % keys.length], headers } : { value: values[i % values.length] }));
    await ctx.meter.start();
    const r = await chunked(ctx.count, 1000, 1, (n) => send(n === 1000 ? messages : messages.slice(0, n)));
    ctx.meter.stopHere();
    await p.disconnect();
    return r;
  },

  /** send() of one message each, 10,000 in flight: the per-message path. */
  async send(ctx) {
    const { p, send } = await producer(ctx);
    const one = [{ value: ctx.value }];
    await ctx.meter.start();
    const r = await windowed(ctx.count, 10_000, () => send(one));
    ctx.meter.stopHere();
    await p.disconnect();
    return r;
  },

  eachBatch: (ctx) =>
    consumeRows(ctx, (n) => ({
      eachBatch: async ({ batch }) => {
        let bytes = 0;
        for (const m of batch.messages) bytes += m.value.length;
        n.add(batch.messages.length, bytes);
      },
    })),

  eachMessage: (ctx) =>
    consumeRows(ctx, (n) => ({
      eachMessage: async ({ message }) => n.add(1, message.value.length),
    })),

  /** send() of the messages due each millisecond, eachBatch reading. */
  async latency(ctx) {
    const probe = latencyProbe(ctx);
    const c = await consumer(ctx);
    await c.run({
      eachBatch: async ({ batch }) => {
        const now = performance.now();
        for (const m of batch.messages) probe.received(m.value, now);
      },
    });
    const { p, send } = await producer({ ...ctx, warmValue: probe.warmValue }, 1);
    await probe.warmedUp();
    const r = await probe.run((values) => send(values.map((value) => ({ value }))).catch(() => {}));
    ctx.meter.stopHere();
    await p.disconnect();
    await c.disconnect();
    return r;
  },
};
