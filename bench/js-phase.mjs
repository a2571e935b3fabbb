// One JS benchmark phase in its own process (started by bench/run.mjs): clean peak RSS,
// no garbage or JIT state carried over from other phases, and a hard timeout from outside.
//
//   node bench/js-phase.mjs '<json spec>'
//
// spec: { phase: 'batch' | 'send' | 'produce' | 'consume' | 'iterate' | 'latency' | 'topic-push'
//         | 'topic-raw' | 'topic-pull' | 'topic-pull-ack' | 'topic-process', brokers, topic, count, size, producer: {...librdkafka},
//         consumer: {...librdkafka}, chunk, inflightChunks, window, rate, seconds, partitions }
// The result is one line on stderr: RESULT {json}. A consume phase writes its running
// message count to spec.creditFile after each batch (credits for the feeder, see
// bench/native/bench.c).
import { openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

import { Driver, ErrorCode, KafkaConsumer, KafkaProducer, Offset } from '../dist/esm/index.mjs';
import { meter, peakRssKb } from './meter.mjs';

const spec = JSON.parse(process.argv[2]);
const { phase, brokers, topic, count, size } = spec;

function producerConfig() {
  return { ...spec.producer, 'bootstrap.servers': brokers };
}

function consumerConfig() {
  return { ...spec.consumer, 'bootstrap.servers': brokers };
}

const payload = Buffer.alloc(size, 'j');

async function warmProducer(warmValue = payload) {
  const producer = new KafkaProducer(producerConfig());
  producer.on('error', (e) => process.stderr.write(`producer error: ${e.message}\n`));
  // Connection, metadata and (idempotence) producer id are set up before the clock starts.
  await producer.send({ topic, value: warmValue });
  return producer;
}

/** sendBatch in chunks, a few chunks in flight. */
async function phaseBatch() {
  const chunk = spec.chunk ?? 10_000;
  // reports: 'columns' resolves with a BatchDelivery (typed arrays) instead of report objects.
  const batchOptions = spec.reports ? { reports: spec.reports } : {};
  const maxInflight = spec.inflightChunks ?? 10;
  const producer = await warmProducer();
  const m = meter();
  let inflight = 0;
  let delivered = 0;
  let wake = null;
  let failure = null;
  m.start();
  for (let sent = 0; sent < count && !failure; ) {
    while (inflight >= maxInflight) await new Promise((r) => (wake = r));
    const n = Math.min(chunk, count - sent);
    const messages = new Array(n);
    for (let i = 0; i < n; i++) messages[i] = { topic, value: payload };
    inflight++;
    sent += n;
    producer.sendBatch(messages, batchOptions).then(
      (reports) => {
        delivered += reports.length;
        inflight--;
        wake?.();
      },
      (e) => {
        failure = e;
        inflight--;
        wake?.();
      },
    );
    // An application loop lets other work run now and then.
    await yieldToLoop();
  }
  while (inflight > 0) await new Promise((r) => (wake = r));
  const result = m.stop({ count, delivered, error: failure?.message });
  await producer.close();
  return result;
}

/** One send() per message, each with its own delivery promise; a window of them in flight. */
async function phaseSend() {
  const windowSize = spec.window ?? 50_000;
  const producer = await warmProducer();
  const m = meter();
  let inflight = 0;
  let delivered = 0;
  let failed = 0;
  let firstError = null;
  let wake = null;
  const ok = () => {
    delivered++;
    if (--inflight <= windowSize / 2 && wake) {
      wake();
      wake = null;
    }
  };
  const fail = (e) => {
    failed++;
    firstError ??= e;
    if (--inflight <= windowSize / 2 && wake) {
      wake();
      wake = null;
    }
  };
  m.start();
  for (let i = 0; i < count; i++) {
    if (inflight >= windowSize) await new Promise((r) => (wake = r));
    inflight++;
    producer.send({ topic, value: payload }).then(ok, fail);
    // An application loop lets other work run now and then.
    if (i % 1_000 === 999) await yieldToLoop();
  }
  while (inflight > 0) await new Promise((r) => (wake = r));
  const result = m.stop({ count, delivered, failed, error: firstError?.message });
  await producer.close();
  return result;
}

/** Fire-and-forget produce() with a delivery callback; waits for room on QUEUE_FULL. */
async function phaseProduce() {
  const producer = await warmProducer();
  const m = meter();
  let delivered = 0;
  let failed = 0;
  let firstError = null;
  let allDone = null;
  const callback = (error) => {
    if (error) {
      failed++;
      firstError ??= error;
    } else delivered++;
    if (delivered + failed === count) allDone?.();
  };
  const done = new Promise((r) => (allDone = r));
  let queueFull = 0;
  m.start();
  for (let i = 0; i < count; ) {
    try {
      producer.produce({ topic, value: payload }, callback);
      i++;
    } catch (e) {
      if (e?.code !== ErrorCode.QUEUE_FULL) throw e;
      queueFull++;
      await producer.waitForRoom();
      continue;
    }
    // An application loop lets other work run now and then.
    if (i % 1_000 === 0) await yieldToLoop();
  }
  await done;
  const result = m.stop({ count, delivered, failed, queueFull, error: firstError?.message });
  await producer.close();
  return result;
}

/**
 * Reads the partition from the beginning, filled beforehand or while the native feeder writes
 * it (spec.creditFile): `batches()` (phase consume) or `for await (const message of consumer)`
 * (phase iterate).
 */
async function phaseConsume() {
  const perMessage = phase === 'iterate';
  const t_open = performance.now();
  const consumer = new KafkaConsumer(consumerConfig());
  consumer.on('error', (e) => process.stderr.write(`consumer error: ${e.message}\n`));
  const m = meter();
  await consumer.assign([{ topic, partition: 0, offset: Offset.BEGINNING }]);
  let got = 0;
  let bytes = 0;
  let gaps = 0;
  let expected = 0n;
  let batches = 0;
  let untimed = 0;
  let startupSeconds = 0;
  // Credits for the feeder (if any): the running count, in an 8-byte file it maps.
  const creditFd = spec.creditFile ? openSync(spec.creditFile, 'r+') : -1;
  const credit = Buffer.alloc(8);
  const publish = () => {
    if (creditFd < 0) return;
    credit.writeBigInt64LE(BigInt(got), 0);
    writeSync(creditFd, credit, 0, 8, 0);
  };
  const started = () => {
    m.start();
    startupSeconds = (performance.now() - t_open) / 1000;
  };
  if (perMessage) {
    // Clock from the first message (not counted).
    for await (const message of consumer) {
      if (got === 0) {
        started();
        untimed = 1;
      }
      bytes += message.value.length;
      if (message.offset !== expected) gaps++;
      expected = message.offset + 1n;
      got++;
      if (got % 1000 === 0) publish();
      if (got >= count) break;
    }
  } else {
    // Same clock as the C consumer: from the arrival of the first batch, whose messages are
    // not counted.
    for await (const batch of consumer.batches(10_000)) {
      if (batches === 0) started();
      batches++;
      for (let i = 0; i < batch.length; i++) bytes += batch[i].value.length;
      const first = batch[0].offset;
      const last = batch[batch.length - 1].offset;
      if (first !== expected || last - first !== BigInt(batch.length - 1)) gaps++;
      expected = last + 1n;
      got += batch.length;
      if (batches === 1) untimed = got;
      publish();
      if (got >= count) break;
    }
  }
  const result = m.stop({ count: got, timedCount: got - untimed, bytes, batches, gaps, startupSeconds });
  await consumer.close();
  return result;
}

/** send() paced at `rate` by a 1 ms timer; batches() measures producer→consumer latency. */
async function phaseLatency() {
  const rate = spec.rate ?? 10_000;
  const total = Math.round(rate * (spec.seconds ?? 10));
  const latencies = new Float64Array(total);
  let received = 0;
  let warm = false;
  let onAll = null;
  const allReceived = new Promise((r) => (onAll = r));
  const consumer = new KafkaConsumer(consumerConfig());
  consumer.on('error', (e) => process.stderr.write(`consumer error: ${e.message}\n`));
  await consumer.assign([{ topic, partition: 0, offset: Offset.BEGINNING }]);
  const reading = (async () => {
    for await (const batch of consumer.batches(10_000)) {
      const now = performance.now();
      for (const message of batch) {
        const sent = message.value.readDoubleLE(0);
        if (sent === 0) warm = true;
        else if (received < total) latencies[received++] = now - sent;
      }
      if (received >= total) break;
    }
    onAll();
  })();
  const producer = await warmProducer(Buffer.alloc(size)); // a message stamped 0
  for (const t = performance.now(); !warm; ) {
    if (performance.now() - t > 30_000) throw new Error('warm-up message never reached the consumer');
    await new Promise((r) => setTimeout(r, 1));
  }
  const m = meter();
  let sent = 0;
  let failed = 0;
  m.start();
  const start = performance.now();
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      for (; sent < due; sent++) {
        const value = Buffer.allocUnsafe(size);
        value.fill(0, 8);
        value.writeDoubleLE(performance.now(), 0);
        producer.send({ topic, value }).catch(() => failed++);
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const sendSeconds = (performance.now() - start) / 1000;
  await Promise.race([allReceived, new Promise((r) => setTimeout(r, 30_000))]);
  const result = m.stop({ count: total, received, failed, sendSeconds });
  const got = latencies.subarray(0, received).sort();
  const pct = (p) => (received ? got[Math.floor(p * (received - 1))] : -1);
  Object.assign(result, { p50: pct(0.5), p99: pct(0.99), p999: pct(0.999), max: received ? got[received - 1] : -1 });
  await producer.close();
  await consumer.close();
  await reading;
  return result;
}

// ------------------------------------------------------------------ topic layer (issue 4)

/**
 * Metadata of event n: always 12 characters of JSON ({"i":123456}), 20 bytes serialized. With
 * BENCH_TOPIC_METADATA=record, a flat record of six keys inserted out of order (which the
 * serializer writes sorted, as Octopus does): the cost of sorting in the pipeline.
 */
const eventMetadata =
  process.env.BENCH_TOPIC_METADATA === 'record'
    ? (n) => ({ ts: 1_733_400_000_000 + n, device: 'sensor-17', unit: 'C', level: 3, ok: true, i: 100_000 + (n % 900_000) })
    : (n) => ({ i: 100_000 + (n % 900_000) });
/** Kafka value bytes of one event: u64 + u64 header, u64 + JSON metadata, data. */
const eventValueBytes = () => 16 + 8 + JSON.stringify(eventMetadata(0)).length + size;

async function connectDriver() {
  // disable_info_topic: the mock process cannot create topics, bench/run.mjs made them.
  const driver = await Driver.connect({ kafka: { 'bootstrap.servers': brokers }, disable_info_topic: true });
  return driver;
}

/**
 * Pushes `n` events (100-byte data, {"i":…} metadata) with a window of `windowSize` pushes in
 * flight (resumes at half), yielding to the event loop every 1,000 pushes like phaseSend.
 * On one partition, reports the highest id (the consume phases check ids per partition).
 */
async function pushAll(producer, n, windowSize, partitions) {
  let inflight = 0;
  let delivered = 0;
  let failed = 0;
  let firstError = null;
  let wake = null;
  let maxId = -1n;
  const settle = () => {
    if (--inflight <= windowSize / 2 && wake) {
      wake();
      wake = null;
    }
  };
  const ok = (id) => {
    delivered++;
    if (id > maxId) maxId = id;
    settle();
  };
  const fail = (e) => {
    failed++;
    firstError ??= e;
    settle();
  };
  for (let i = 0; i < n; i++) {
    if (inflight >= windowSize) await new Promise((r) => (wake = r));
    inflight++;
    producer.push(eventMetadata(i), payload).then(ok, fail);
    if (i % 1_000 === 999) await yieldToLoop();
  }
  while (inflight > 0) await new Promise((r) => (wake = r));
  return { delivered, failed, error: firstError?.message, lastId: partitions === 1 ? Number(maxId) : undefined };
}

/** TopicProducer.push per event on a fresh 1-partition topic, default components. */
async function phaseTopicPush() {
  const windowSize = spec.window ?? 50_000;
  const driver = await connectDriver();
  const handle = await driver.openTopic(topic);
  if (handle.partitions.length !== 1) throw new Error(`${topic} has ${handle.partitions.length} partitions`);
  const producer = handle.producer({ maxPending: windowSize });
  // Warm-up (connection, metadata, producer id) before the clock, like warmProducer.
  await producer.push({ warm: true }, payload);
  const m = meter();
  m.start();
  const r = await pushAll(producer, count, windowSize, 1);
  const result = m.stop({ count, ...r, valueBytes: eventValueBytes() });
  if (r.lastId !== count) result.error ??= `last id ${r.lastId}, expected ${count}`;
  await producer.close();
  await driver.close();
  return result;
}

/**
 * Fills a fresh `spec.partitions`-partition topic with `count` events (default round-robin
 * selector, so each partition stays well under the mock's 5 MiB), then reads them all through
 * a fresh consumer group: `pull()` per event (topic-pull), `pull()` and `await
 * event.acknowledge()` per event as the README teaches it (topic-pull-ack; the acknowledged
 * offsets committed, inside the clock) or `process()` with a sync handler (topic-process);
 * or through a raw consumer's `batches()` without the topic layer (topic-raw: the base the
 * topic consumer reads from). Clock: from the first event (not counted; topic-raw: the first
 * batch) to the last (topic-pull-ack: to the commit of the last acknowledgement).
 */
async function phaseTopicConsume() {
  const partitions = spec.partitions;
  const driver = await connectDriver();
  const handle = await driver.openTopic(topic);
  if (handle.partitions.length !== partitions) throw new Error(`${topic} has ${handle.partitions.length} partitions, expected ${partitions}`);
  const producer = handle.producer({ maxPending: 50_000 });
  const f0 = performance.now();
  const fill = await pushAll(producer, count, 50_000, partitions);
  const fillSeconds = (performance.now() - f0) / 1000;
  await producer.close();
  if (fill.delivered !== count) throw new Error(`fill: ${fill.delivered} of ${count} delivered (${fill.error})`);

  // (topic-raw reads with a raw consumer instead: a topic consumer would fetch meanwhile.)
  const consumer = phase === 'topic-raw' ? null : handle.consumer(`${topic}-group`);
  const m = meter();
  const next = new Array(partitions).fill(0n);
  let got = 0;
  let bytes = 0;
  let gaps = 0;
  let errors = 0;
  let badMetadata = 0;
  const t_open = performance.now();
  let startupSeconds = 0;
  // What arrived when the clock started, not timed: the first event (topic-raw: the first batch).
  let untimed = 1;
  const startClock = () => {
    m.start();
    startupSeconds = (performance.now() - t_open) / 1000;
  };
  const onEvent = (event) => {
    if (got === 0) startClock();
    got++;
    if (event.error) errors++;
    const p = event.partition.partition_id;
    if (event.id !== next[p]) gaps++;
    next[p] = event.id + 1n;
    const d = event.data;
    for (let k = 0; k < d.length; k++) bytes += d[k].length;
    if (typeof event.metadata?.i !== 'number') badMetadata++;
  };
  let raw = null;
  if (phase === 'topic-raw') {
    // No topic layer: the raw consumer configured as TopicConsumer configures its own
    // (lib/topic/consumer.ts, fetch size from lib/topic/consumer-fetch.ts). The data length
    // is read from the event's header (wire.ts); the metadata is not parsed.
    raw = new KafkaConsumer({ 'bootstrap.servers': brokers, 'group.id': `${topic}-raw-group`, 'enable.auto.commit': false, 'auto.offset.reset': 'earliest', 'fetch.max.bytes': 4 << 20 });
    await raw.subscribe([topic]);
    for await (const batch of raw.batches(1000)) {
      if (got === 0) {
        untimed = batch.length;
        startClock();
      }
      for (const message of batch) {
        got++;
        const p = message.partition;
        if (message.offset !== next[p]) gaps++;
        next[p] = message.offset + 1n;
        const v = message.value;
        if (v === null || v.length < 16) errors++;
        else bytes += v.readUInt32LE(8);
      }
      if (got >= count) break;
    }
  } else if (phase === 'topic-pull') {
    while (got < count) {
      const event = await consumer.pull({ timeoutMs: 30_000 });
      if (event === null) break;
      onEvent(event);
    }
  } else if (phase === 'topic-pull-ack') {
    let last;
    while (got < count) {
      const event = await consumer.pull({ timeoutMs: 30_000 });
      if (event === null) break;
      onEvent(event);
      await event.acknowledge();
      last = event;
    }
    // Durable before the clock stops: a durable acknowledgement's commit carries every
    // partition's acknowledged offset.
    await last?.acknowledge({ durable: true });
  } else {
    await consumer.process(onEvent, { maxEvents: count, timeoutMs: 30_000 });
  }
  const result = m.stop({ count: got, timedCount: got - untimed, bytes, gaps, errors: errors + badMetadata, startupSeconds, fillSeconds, fillEventsPerSec: count / fillSeconds, partitions, valueBytes: eventValueBytes() });
  if (raw) {
    await raw.close();
  } else {
    const closed = await consumer.close();
    if (closed.uncommitted?.length > 0) throw new Error(`close left ${closed.uncommitted.length} acknowledgements uncommitted`);
  }
  await driver.close();
  return result;
}

const phases = { batch: phaseBatch, send: phaseSend, produce: phaseProduce, consume: phaseConsume, iterate: phaseConsume, latency: phaseLatency, 'topic-push': phaseTopicPush, 'topic-raw': phaseTopicConsume, 'topic-pull': phaseTopicConsume, 'topic-pull-ack': phaseTopicConsume, 'topic-process': phaseTopicConsume };

try {
  if (!phases[phase]) throw new Error(`unknown phase ${phase}`);
  const result = await phases[phase]();
  result.peakRssKb = peakRssKb();
  process.stderr.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (e) {
  process.stderr.write(`phase ${phase} failed: ${e?.stack ?? e}\n`);
  process.exit(1);
}
