/**
 * Behaviour a real Kafka broker has and librdkafka's mock cluster lacks or only imitates:
 * transaction markers and the last stable offset, idempotent sequences under load, producer
 * fencing, records deleted under a committed offset, and unknown topics with auto-creation
 * off. What the mock supports runs on it too; the rest skips there with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KafkaAdmin, KafkaConsumer, KafkaError, KafkaProducer, type ConsumerConfig, type Message } from '../../lib/index';
import { realCluster, rejection, unique, useCluster } from '../helpers';
import { startOldBrokerProxy } from '../old-broker-proxy';

const cluster = useCluster();
let admin: KafkaAdmin;
beforeAll(async () => {
  admin = new KafkaAdmin({ 'bootstrap.servers': cluster.bootstrapServers });
});
afterAll(async () => {
  await admin.close();
});

const servers = () => cluster.bootstrapServers;

/** Reads a partition from offset 0 until `n` messages came, or `timeoutMs` passed. */
async function readPartition(topic: string, partition: number, isolation: 'read_committed' | 'read_uncommitted', n: number, timeoutMs = 20_000): Promise<Message[]> {
  const consumer = new KafkaConsumer({ 'bootstrap.servers': servers(), 'group.id': unique('rb'), 'isolation.level': isolation });
  try {
    await consumer.assign([{ topic, partition, offset: 0n }]);
    const out: Message[] = [];
    const deadline = Date.now() + timeoutMs;
    while (out.length < n && Date.now() < deadline) out.push(...(await consumer.consumeBatch(n - out.length, { timeoutMs: Math.max(1, Math.min(1000, deadline - Date.now())) })));
    return out;
  } finally {
    await consumer.close();
  }
}

const values = (messages: Message[]) => messages.map((m) => m.value!.toString());

describe.skipIf(!realCluster)('transactions and read_committed — needs a real broker: the mock writes no transaction markers and keeps no last stable offset', () => {
  it('interleaved transactions on one partition: read_committed sees the committed ones only, read_uncommitted every message', async () => {
    const topic = await cluster.topic('rb-txn-interleaved');
    const a = new KafkaProducer({ 'bootstrap.servers': servers(), 'transactional.id': unique('tx-a') });
    const b = new KafkaProducer({ 'bootstrap.servers': servers(), 'transactional.id': unique('tx-b') });
    try {
      await Promise.all([a.initTransactions(), b.initTransactions()]);
      await a.beginTransaction();
      await b.beginTransaction();
      // Each send waits for its acknowledgement, so the partition holds them in this order.
      await a.send({ topic, partition: 0, value: 'a1' });
      await b.send({ topic, partition: 0, value: 'b1' });
      await a.send({ topic, partition: 0, value: 'a2' });
      await b.send({ topic, partition: 0, value: 'b2' });

      // While b1's transaction is open, the last stable offset stops at b1 even after A
      // commits (A's markers are written after commitTransaction returns: wait for them),
      // and the end of the log is past b2.
      const lso = async () => (await admin.listOffsets([{ topic, partition: 0, spec: 'latest' }], { isolationLevel: 'read_committed' }))[0]!.offset;
      expect(await lso()).toBe(0n);
      await a.commitTransaction();
      const [, b1] = await readPartition(topic, 0, 'read_uncommitted', 2);
      expect(b1!.value!.toString()).toBe('b1');
      await expect.poll(lso, { timeout: 10_000 }).toBe(b1!.offset);
      const [end] = await admin.listOffsets([{ topic, partition: 0, spec: 'latest' }]);
      expect(end!.offset).toBeGreaterThan(3n);

      await b.abortTransaction();
      await a.transaction(async () => {
        await a.send({ topic, partition: 0, value: 'a3' });
      });
      await b.transaction(async () => {
        await b.send({ topic, partition: 0, value: 'b3' });
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    expect(values(await readPartition(topic, 0, 'read_committed', 4))).toEqual(['a1', 'a2', 'a3', 'b3']);
    expect(values(await readPartition(topic, 0, 'read_uncommitted', 6))).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
    // Commit and abort markers take offsets: the end is past the six messages.
    const [end] = await admin.listOffsets([{ topic, partition: 0, spec: 'latest' }]);
    expect(end!.offset).toBeGreaterThan(6n);
  });

  it('a read_committed consumer gets the messages of a transaction only when it commits', async () => {
    const topic = await cluster.topic('rb-txn-visible');
    const producer = new KafkaProducer({ 'bootstrap.servers': servers(), 'transactional.id': unique('tx') });
    const consumer = new KafkaConsumer({ 'bootstrap.servers': servers(), 'group.id': unique('rb'), 'isolation.level': 'read_committed' });
    try {
      await producer.initTransactions();
      await consumer.assign([{ topic, partition: 0, offset: 0n }]);
      await producer.beginTransaction();
      await producer.sendBatch([{ topic, partition: 0, value: 'p1' }, { topic, partition: 0, value: 'p2' }]);
      // Open: the stable end is 0, so there is nothing for the consumer.
      const [open] = await admin.listOffsets([{ topic, partition: 0, spec: 'latest' }], { isolationLevel: 'read_committed' });
      expect(open!.offset).toBe(0n);
      expect(await consumer.consumeBatch(10, { timeoutMs: 1000 })).toEqual([]);
      await producer.commitTransaction();
      const got: Message[] = [];
      const deadline = Date.now() + 15_000;
      while (got.length < 2 && Date.now() < deadline) got.push(...(await consumer.consumeBatch(2 - got.length, { timeoutMs: 1000 })));
      expect(values(got)).toEqual(['p1', 'p2']);
    } finally {
      await consumer.close();
      await producer.close();
    }
  });
});

describe('idempotent producer', () => {
  it('a burst of 50 000 messages with 5 requests in flight arrives exactly once and in order per partition', async () => {
    const partitions = 2;
    const perPartition = 25_000;
    const topic = await cluster.topic('rb-idempotent', partitions);
    const producer = new KafkaProducer({
      'bootstrap.servers': servers(),
      'enable.idempotence': true,
      'max.in.flight.requests.per.connection': 5,
      'linger.ms': 5,
      'batch.num.messages': 500,
    });
    const started = performance.now();
    const sends: Array<Promise<unknown>> = [];
    for (let i = 0; i < perPartition; i++) {
      for (let p = 0; p < partitions; p++) sends.push(producer.send({ topic, partition: p, value: `${p}:${i}` }));
    }
    await Promise.all(sends);
    const produceMs = performance.now() - started;
    await producer.close();
    for (let p = 0; p < partitions; p++) {
      const got = await readPartition(topic, p, 'read_uncommitted', perPartition, 60_000);
      expect(got).toHaveLength(perPartition);
      // Nothing after them: a duplicate would have taken an offset.
      const [end] = await admin.listOffsets([{ topic, partition: p, spec: 'latest' }]);
      expect(end!.offset).toBe(BigInt(perPartition));
      const expected = Array.from({ length: perPartition }, (_, i) => `${p}:${i}`);
      expect(values(got)).toEqual(expected);
      expect(got.map((m) => m.offset)).toEqual(expected.map((_, i) => BigInt(i)));
    }
    console.log(`idempotent burst: ${perPartition * partitions} messages produced in ${produceMs.toFixed(0)} ms (${realCluster ? 'real broker' : 'mock'})`);
  }, 120_000);
});

describe.skipIf(!realCluster)('idempotence sequence checks — needs a real broker: the mock checks sequence numbers only for transactional producers', () => {
  /**
   * Produces `count` messages to one partition through a proxy that loses the broker's answer
   * to the first `lose` Produce requests (the broker stored those batches; the client retries
   * them on a new connection), then reads the partition from the broker itself.
   */
  async function produceThroughLostAnswers(idempotent: boolean, count: number, lose: number): Promise<{ values: string[]; lost: number }> {
    const topic = await cluster.topic(idempotent ? 'rb-seq' : 'rb-seq-off');
    // Metadata and FindCoordinator capped where the proxy rewrites addresses; the rest as the broker offers.
    const proxy = await startOldBrokerProxy(servers(), { maxVersions: { 3: 8, 10: 2 }, loseProduceAnswers: { times: lose } });
    const producer = new KafkaProducer({
      'bootstrap.servers': proxy.bootstrapServers,
      'enable.idempotence': idempotent,
      'linger.ms': 5,
      'retry.backoff.ms': 50,
    });
    producer.on('error', () => undefined);
    try {
      const sends: Array<Promise<unknown>> = [];
      for (let i = 0; i < count; i++) {
        sends.push(producer.send({ topic, partition: 0, value: `m${i}` }));
        // A few batches, so that answers are lost in the middle of the stream too.
        if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
      }
      await Promise.all(sends);
      expect(proxy.problems).toEqual([]);
    } finally {
      await producer.close();
      await proxy.close();
    }
    const [end] = await admin.listOffsets([{ topic, partition: 0, spec: 'latest' }]);
    const got = await readPartition(topic, 0, 'read_uncommitted', Number(end!.offset), 30_000);
    return { values: values(got), lost: proxy.lostProduceAnswers };
  }

  it('batches retried after their answers were lost are stored once: the broker refuses the repeated sequence numbers', async () => {
    const count = 300;
    const { values: got, lost } = await produceThroughLostAnswers(true, count, 3);
    expect(lost).toBe(3);
    expect(got).toEqual(Array.from({ length: count }, (_, i) => `m${i}`));
  }, 60_000);

  it('the same without idempotence stores the retried batches twice (what the check prevents)', async () => {
    const count = 300;
    const { values: got, lost } = await produceThroughLostAnswers(false, count, 3);
    expect(lost).toBe(3);
    expect(new Set(got).size).toBe(count);
    expect(got.length).toBeGreaterThan(count);
  }, 60_000);
});

describe.skipIf(!realCluster)('producer fencing — needs a real broker: the mock does not fence a producer whose transactional.id is taken over', () => {
  it('a second producer with the same transactional.id fences the first: a typed fatal error, and every later call fails with it', async () => {
    const topic = await cluster.topic('rb-fenced');
    const id = unique('tx-fenced');
    const first = new KafkaProducer({ 'bootstrap.servers': servers(), 'transactional.id': id });
    const second = new KafkaProducer({ 'bootstrap.servers': servers(), 'transactional.id': id });
    const errors: KafkaError[] = [];
    first.on('error', (e) => errors.push(e));
    try {
      await first.initTransactions();
      await first.beginTransaction();
      await first.send({ topic, value: 'from the first' });
      await second.initTransactions();

      const { error, ms } = await rejection(first.send({ topic, value: 'after fencing' }).then(() => first.commitTransaction()));
      expect(['PRODUCER_FENCED', '_FENCED', 'INVALID_PRODUCER_EPOCH']).toContain(error.codeName);
      expect(error.isFatal).toBe(true);
      expect(ms).toBeLessThan(10_000);
      for (const call of [() => first.beginTransaction(), () => first.send({ topic, value: 'later' }), () => first.commitTransaction(), () => first.abortTransaction()]) {
        const later = await rejection(call());
        expect(later.error.isFatal).toBe(true);
        expect(later.ms).toBeLessThan(5000);
      }
      // The one that fenced it works.
      await second.transaction(async () => {
        await second.send({ topic, value: 'from the second' });
      });
      expect(values(await readPartition(topic, 0, 'read_committed', 1))).toEqual(['from the second']);
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('auto.offset.reset when the committed offset is out of range', () => {
  /** A topic of 10 messages (offsets 0..9) and a group that committed `committed`. */
  async function setUp(committed: bigint): Promise<{ topic: string; group: string }> {
    const topic = await cluster.topic('rb-reset');
    const group = unique('rb-reset-g');
    const producer = new KafkaProducer({ 'bootstrap.servers': servers() });
    await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: `m${i}` })));
    await producer.close();
    const consumer = new KafkaConsumer({ 'bootstrap.servers': servers(), 'group.id': group, 'enable.auto.commit': false });
    await consumer.commit([{ topic, partition: 0, offset: committed }]);
    await consumer.close();
    return { topic, group };
  }

  /** The first message a consumer of `group` gets, with the given reset policy. */
  async function resume(topic: string, group: string, reset: ConsumerConfig['auto.offset.reset']): Promise<Message> {
    const consumer = new KafkaConsumer({ 'bootstrap.servers': servers(), 'group.id': group, 'auto.offset.reset': reset, 'enable.auto.commit': false });
    // Seen once in CI (mock, under load): nothing in 20 s. What the consumer saw goes into the failure.
    const errors: string[] = [];
    consumer.on('error', (e) => errors.push(`${e.codeName}: ${e.message}`));
    try {
      await consumer.assign([{ topic, partition: 0 }]);
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const [m] = await consumer.consumeBatch(1, { timeoutMs: 1000 });
        if (m) return m;
      }
      const position = await consumer.position([{ topic, partition: 0 }]).catch((e: Error) => e.message);
      throw new Error(`nothing consumed with auto.offset.reset=${reset}; position ${JSON.stringify(position, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}; errors: ${errors.join(' | ') || 'none'}`);
    } finally {
      await consumer.close();
    }
  }

  /** A consumer of `group` with auto.offset.reset=latest reads only messages produced after it reset. */
  async function resumeLatest(topic: string, group: string): Promise<void> {
    const consumer = new KafkaConsumer({ 'bootstrap.servers': servers(), 'group.id': group, 'auto.offset.reset': 'latest', 'enable.auto.commit': false });
    const producer = new KafkaProducer({ 'bootstrap.servers': servers() });
    try {
      await consumer.assign([{ topic, partition: 0 }]);
      // The reset happens when the first fetch fails, which this test cannot observe: keep
      // producing until a message arrives. It must be a new one, never m0..m9.
      let got: Message | undefined;
      for (let i = 0; !got && i < 20; i++) {
        await producer.send({ topic, partition: 0, value: `new${i}` });
        [got] = await consumer.consumeBatch(1, { timeoutMs: 1000 });
      }
      expect(got?.value?.toString()).toMatch(/^new\d+$/);
      expect(got!.offset).toBeGreaterThanOrEqual(10n);
    } finally {
      await producer.close();
      await consumer.close();
    }
  }

  it('a committed offset past the end: earliest resumes at the first message, latest at the next one produced', async () => {
    const { topic, group } = await setUp(25n);
    expect((await resume(topic, group, 'earliest')).offset).toBe(0n);
    // The offset is still the committed one (the consumer above did not commit).
    await resumeLatest(topic, group);
  });

  it('auto.offset.reset=error surfaces a typed offset-out-of-range error', async () => {
    const { topic, group } = await setUp(25n);
    const consumer = new KafkaConsumer({ 'bootstrap.servers': servers(), 'group.id': group, 'auto.offset.reset': 'error', 'enable.auto.commit': false });
    try {
      const errors: KafkaError[] = [];
      consumer.on('error', (e) => errors.push(e));
      await consumer.assign([{ topic, partition: 0 }]);
      const consumed = await consumer.consumeBatch(1, { timeoutMs: 3000 }).catch((e: unknown) => e);
      expect(consumed).toEqual([]);
      await expect.poll(() => errors.length, { timeout: 15_000 }).toBeGreaterThan(0);
      const all = errors;
      expect(all[0]).toBeInstanceOf(KafkaError);
      // librdkafka's code for "out of range and auto.offset.reset=error".
      expect(all[0]!.codeName).toBe('_AUTO_OFFSET_RESET');
      expect(all[0]!.message).toContain(`consuming ${topic} [0]`);
      expect(all[0]!.message).toMatch(/auto\.offset\.reset is 'error'.*OFFSET_OUT_OF_RANGE/);
    } finally {
      await consumer.close();
    }
  });

  describe.skipIf(!realCluster)('after records were deleted — needs a real broker: the mock has no DeleteRecords', () => {
    it('deleteRecords moves the earliest offset; a committed offset below it resumes there (earliest) or at the end (latest)', async () => {
      const { topic, group } = await setUp(3n);
      const [deleted] = await admin.deleteRecords([{ topic, partition: 0, offset: 6n }]);
      expect(deleted).toEqual({ topic, partition: 0, lowWatermark: 6n });
      const [earliest] = await admin.listOffsets([{ topic, partition: 0, spec: 'earliest' }]);
      expect(earliest!.offset).toBe(6n);
      expect(await admin.listConsumerGroupOffsets(group, [{ topic, partition: 0 }])).toMatchObject([{ offset: 3n }]);
      const first = await resume(topic, group, 'earliest');
      expect([first.offset, first.value!.toString()]).toEqual([6n, 'm6']);
      await resumeLatest(topic, group);
    });

    it('auto.offset.reset=error after the committed records were deleted: a typed offset-out-of-range error', async () => {
      const { topic, group } = await setUp(3n);
      await admin.deleteRecords([{ topic, partition: 0, offset: 'end' }]);
      const consumer = new KafkaConsumer({ 'bootstrap.servers': servers(), 'group.id': group, 'auto.offset.reset': 'error', 'enable.auto.commit': false });
      const errors: KafkaError[] = [];
      consumer.on('error', (e) => errors.push(e));
      try {
        await consumer.assign([{ topic, partition: 0 }]);
        const consumed = await consumer.consumeBatch(1, { timeoutMs: 3000 }).catch((e: unknown) => e);
        if (consumed instanceof KafkaError) errors.unshift(consumed);
        await expect.poll(() => errors.length, { timeout: 15_000 }).toBeGreaterThan(0);
        expect(errors[0]!.codeName).toBe('_AUTO_OFFSET_RESET');
        expect(errors[0]!.message).toContain(`consuming ${topic} [0]`);
        expect(errors[0]!.message).toMatch(/auto\.offset\.reset is 'error'.*OFFSET_OUT_OF_RANGE/);
      } finally {
        await consumer.close();
      }
    });
  });
});

describe.skipIf(!realCluster)('unknown topic with auto-creation off — needs a real broker: the mock creates any topic asked for', () => {
  it('send() rejects promptly with UNKNOWN_TOPIC_OR_PART, a consumer gets a typed error, describe rejects, and the topic is not created', async () => {
    const topic = unique('rb-missing');
    const producer = new KafkaProducer({ 'bootstrap.servers': servers(), 'allow.auto.create.topics': false });
    try {
      const { error, ms } = await rejection(producer.send({ topic, value: 'x' }));
      expect(['UNKNOWN_TOPIC_OR_PART', '_UNKNOWN_TOPIC']).toContain(error.codeName);
      expect(ms).toBeLessThan(10_000);
    } finally {
      await producer.close();
    }

    const consumer = new KafkaConsumer({ 'bootstrap.servers': servers(), 'group.id': unique('rb'), 'allow.auto.create.topics': false });
    const errors: KafkaError[] = [];
    consumer.on('error', (e) => errors.push(e));
    try {
      await consumer.subscribe([topic]);
      const polled = await consumer.consumeBatch(1, { timeoutMs: 2000 }).catch((e: unknown) => e);
      if (polled instanceof KafkaError) errors.unshift(polled);
      await expect.poll(() => errors.length, { timeout: 15_000 }).toBeGreaterThan(0);
      expect(errors[0]).toBeInstanceOf(KafkaError);
      expect(['UNKNOWN_TOPIC_OR_PART', '_UNKNOWN_TOPIC']).toContain(errors[0]!.codeName);
      expect(errors[0]!.message).toContain(topic);
    } finally {
      await consumer.close();
    }

    const described = await rejection(admin.describeTopics([topic]));
    expect(described.error.codeName).toBe('UNKNOWN_TOPIC_OR_PART');
    expect(await admin.listTopics()).not.toContain(topic);
  });
});

describe.skipIf(!realCluster)('a group coordinator that is not ready yet — needs a real broker: the mock serves no group description', () => {
  // On a fresh cluster the first describe of a group gets NOT_COORDINATOR while the broker
  // loads __consumer_offsets, and librdkafka hands that to the application. A proxy in front of
  // the real broker puts that answer into the first ConsumerGroupDescribe responses.
  const NOT_COORDINATOR = 16;
  const CONSUMER_GROUP_DESCRIBE = 69;
  // Metadata and FindCoordinator in versions whose addresses the proxy rewrites; the rest as the broker offers.
  const ADDRESSES = { 3: 8, 10: 2 };

  it('describeConsumerGroups asks again until the coordinator answers', async () => {
    const proxy = await startOldBrokerProxy(process.env.KAFKA_BOOTSTRAP_SERVERS!, { maxVersions: ADDRESSES, failGroupDescribe: { code: NOT_COORDINATOR, times: 2 } });
    const viaProxy = new KafkaAdmin({ 'bootstrap.servers': proxy.bootstrapServers });
    try {
      const group = unique('rb-not-ready');
      const [desc] = await viaProxy.describeConsumerGroups([group]);
      expect(desc).toMatchObject({ groupId: group, state: 'Dead', members: [] });
      expect(proxy.requests.filter((r) => r.apiKey === CONSUMER_GROUP_DESCRIBE)).toHaveLength(3);
      expect(proxy.problems).toEqual([]);
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });

  it('a coordinator that never gets ready: the typed NOT_COORDINATOR error at the deadline, not a hang', async () => {
    const proxy = await startOldBrokerProxy(process.env.KAFKA_BOOTSTRAP_SERVERS!, { maxVersions: ADDRESSES, failGroupDescribe: { code: NOT_COORDINATOR, times: 1_000 } });
    const viaProxy = new KafkaAdmin({ 'bootstrap.servers': proxy.bootstrapServers });
    try {
      const { error, ms } = await rejection(viaProxy.describeConsumerGroups([unique('rb-never-ready')], { timeoutMs: 1500 }));
      expect(error.codeName).toBe('NOT_COORDINATOR');
      expect(ms).toBeLessThan(3000);
      expect(proxy.requests.filter((r) => r.apiKey === CONSUMER_GROUP_DESCRIBE).length).toBeGreaterThan(1);
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });
});
