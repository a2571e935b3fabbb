// octokafka's own API, driven like the other clients of the peer benchmark.
import { ErrorCode, KafkaConsumer, KafkaProducer } from '../../dist/esm/index.mjs';
import { ACKS, chunked, consumeCounter, latencyProbe, LINGER_MS, windowed, yieldToLoop } from './common.mjs';

async function producer(ctx, lingerMs = LINGER_MS) {
  const p = new KafkaProducer({
    'bootstrap.servers': ctx.brokers,
    acks: String(ACKS),
    'enable.idempotence': false,
    'linger.ms': lingerMs,
    ...(ctx.compression ? { 'compression.type': ctx.compression } : {}),
  });
  p.on('error', (e) => process.stderr.write(`producer error: ${e.message}\n`));
  // Connection and metadata are ready before the clock starts (every client warms up alike).
  await p.send({ topic: ctx.topic, value: ctx.warmValue ?? ctx.value });
  return p;
}

function consumer(ctx) {
  const c = new KafkaConsumer({
    'bootstrap.servers': ctx.brokers,
    'group.id': ctx.group,
    'auto.offset.reset': 'earliest',
    ...(ctx.fetchWaitMs ? { 'fetch.wait.max.ms': ctx.fetchWaitMs } : {}),
  });
  c.on('error', (e) => process.stderr.write(`consumer error: ${e.message}\n`));
  return c;
}

/** A subscribed consumer given to `read` (which counts what it takes on `n`), timed, closed. */
async function consumed(ctx, read) {
  const c = consumer(ctx);
  await c.subscribe([ctx.topic]);
  const n = consumeCounter(ctx);
  // With several consumers (runInstances) the count is shared: one may wait for messages
  // that went to the others, so each stops once all arrived.
  await Promise.race([read(c, n), n.done]);
  ctx.meter.stopHere();
  await c.close();
  return n.result();
}

/** sendBatch of 10,000 messages per call, up to 10 calls in flight. */
async function sendBatchRows(ctx, reports) {
  const p = await producer(ctx);
  const options = reports ? { reports } : {};
  await ctx.meter.start();
  const { topic, values, keys, headers } = ctx;
  let k = 0;
  const r = await chunked(ctx.count, 10_000, 10, (n) => {
    const messages = new Array(n);
    if (values.length === 1 && !keys) for (let i = 0; i < n; i++) messages[i] = { topic, value: ctx.value };
    else for (let i = 0; i < n; i++, k++) messages[i] = keys ? { topic, value: values[k % values.length], key: keys[k % keys.length], headers } : { topic, value: values[k % values.length] };
    return p.sendBatch(messages, options);
  });
  ctx.meter.stopHere();
  await p.close();
  return r;
}

export const modes = {
  batch: (ctx) => sendBatchRows(ctx),
  'batch-columns': (ctx) => sendBatchRows(ctx, 'columns'),

  /** send() per message, a promise each, 50,000 in flight. */
  async send(ctx) {
    const p = await producer(ctx);
    const message = { topic: ctx.topic, value: ctx.value };
    await ctx.meter.start();
    const r = await windowed(ctx.count, 50_000, () => p.send(message));
    ctx.meter.stopHere();
    await p.close();
    return r;
  },

  /** produce() with a delivery callback; waits for room when librdkafka's queue is full. */
  async produce(ctx) {
    const p = await producer(ctx);
    let delivered = 0;
    let failed = 0;
    let error;
    let allDone;
    const done = new Promise((r) => (allDone = r));
    const callback = (e) => {
      if (e) {
        failed++;
        error ??= e.message;
      } else delivered++;
      if (delivered + failed === ctx.count) allDone();
    };
    const message = { topic: ctx.topic, value: ctx.value };
    await ctx.meter.start();
    for (let i = 0; i < ctx.count; ) {
      try {
        p.produce(message, callback);
        i++;
      } catch (e) {
        if (e?.code !== ErrorCode.QUEUE_FULL) throw e;
        await p.waitForRoom();
        continue;
      }
      if (i % 1_000 === 0) await yieldToLoop();
    }
    await done;
    ctx.meter.stopHere();
    await p.close();
    return { delivered, failed, error };
  },

  /** for await (const batch of consumer.batches()). */
  async batches(ctx) {
    return consumed(ctx, async (c, n) => {
      for await (const batch of c.batches(10_000)) {
        let bytes = 0;
        for (let i = 0; i < batch.length; i++) bytes += batch[i].value.length;
        n.add(batch.length, bytes);
        if (n.result().count >= ctx.count) break;
      }
    });
  },

  /** for await (const message of consumer). */
  async iterate(ctx) {
    return consumed(ctx, async (c, n) => {
      for await (const message of c) {
        n.add(1, message.value.length);
        if (n.result().count >= ctx.count) break;
      }
    });
  },

  /** send() paced at the rate, batches() reading: producer→consumer latency. */
  async latency(ctx) {
    const probe = latencyProbe(ctx);
    const c = consumer(ctx);
    await c.subscribe([ctx.topic]);
    const reading = (async () => {
      for await (const batch of c.batches(10_000)) {
        const now = performance.now();
        for (const m of batch) probe.received(m.value, now);
        if (ctx.meter.finished) break;
      }
    })();
    const p = await producer({ ...ctx, warmValue: probe.warmValue }, 1);
    await probe.warmedUp();
    const r = await probe.run((values) => {
      for (const value of values) p.send({ topic: ctx.topic, value }).catch(() => {});
    });
    ctx.meter.stopHere();
    await p.close();
    await c.close();
    await reading;
    return r;
  },
};
