/**
 * Producer under faults (issue 6): a broker down then up, leadership moving, retriable
 * errors injected on Produce, responses lost after the broker stored the batch, non-retriable
 * errors, and a cluster that is never reachable. Every scenario prints its figures line and
 * checks that every acknowledged message is in the topic, in order per partition.
 *
 * The mock cluster checks idempotent sequence numbers for transactional producers only (see
 * `rd_kafka_mock_validate_records`): when a response is lost after the batch was stored, a
 * plain idempotent producer's retry is stored twice there, where a real broker answers
 * DUPLICATE_SEQUENCE_NUMBER. The lost-response scenario therefore checks the client's half
 * of the guarantee (retries keep their sequence numbers) with a transactional producer on the mock.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { ApiKey, ErrorCode, KafkaError, KafkaProducer, MockCluster, type DeliveryReport } from '../../lib/index';
import { check, deadAddresses, printFigures, readAll, sleep, type Acked } from '../fault-helpers';
import { realCluster, unique } from '../helpers';

const clusters: MockCluster[] = [];
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.close()));
});

async function mock(brokers: number, partitions: number, replication = 1): Promise<{ cluster: MockCluster; topic: string }> {
  const cluster = await MockCluster.start({ brokers });
  clusters.push(cluster);
  const topic = unique('faults');
  await cluster.createTopic(topic, partitions, replication);
  return { cluster, topic };
}

/**
 * Sends `count` messages (ids 0..count-1, partition id % partitions), `perTick` at a time
 * every `tickMs`, calling `during(i)` before message i; resolves once every send settled.
 */
async function stream(
  producer: KafkaProducer,
  topic: string,
  partitions: number,
  count: number,
  during: (i: number) => Promise<void> | void,
  perTick = 50,
  tickMs = 20,
): Promise<{ acked: Acked[]; failed: KafkaError[] }> {
  const acked: Acked[] = [];
  const failed: KafkaError[] = [];
  const sends: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    await during(i);
    sends.push(
      producer.send({ topic, partition: i % partitions, value: `m${i}` }).then(
        (r: DeliveryReport) => void acked.push({ id: i, partition: r.partition }),
        (e: KafkaError) => void failed.push(e),
      ),
    );
    if ((i + 1) % perTick === 0) await sleep(tickMs);
  }
  await Promise.all(sends);
  return { acked, failed };
}

describe.skipIf(realCluster)('producer faults (MockCluster)', () => {
  it('broker down during produce, then up: every acknowledged message is there once, in order', async () => {
    const partitions = 3;
    const { cluster, topic } = await mock(1, partitions);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 5 });
    const transportErrors: KafkaError[] = [];
    producer.on('error', (e) => transportErrors.push(e)); // connection lost / refused while the broker is down
    const count = 1500;
    const { acked, failed } = await stream(producer, topic, partitions, count, async (i) => {
      if (i === 500) await cluster.setBrokerDown(1);
      if (i === 1000) {
        await sleep(500); // down for about a second in all, with 500 messages sent meanwhile
        await cluster.setBrokerUp(1);
      }
    });
    await producer.close();
    const figures = check(count, acked, await readAll(cluster.bootstrapServers, topic, partitions));
    printFigures('broker-down-produce', figures, `errorEvents=${transportErrors.length}`);
    expect(transportErrors.length).toBeGreaterThan(0); // the outage was seen
    expect(failed).toEqual([]);
    expect(figures.acked).toBe(count);
    expect(figures.lost).toBe(0);
    expect(figures.outOfOrder).toBe(0);
    expect(figures.duplicates).toBe(0);
  });

  it('leaders move while NOT_LEADER, REQUEST_TIMED_OUT and transport errors hit Produce: all retried, once each, in order', async () => {
    const partitions = 6;
    const { cluster, topic } = await mock(3, partitions, 3);
    // Transactional: the mock checks idempotence sequence numbers only for transactional
    // producers (a real broker does for every idempotent one). Without that check, a batch the
    // mock stored before it dropped the connection (the injected transport error) was stored
    // again on retry: up to 8 duplicates in loaded runs, which a real broker would refuse.
    const producer = new KafkaProducer({
      'bootstrap.servers': cluster.bootstrapServers,
      'transactional.id': unique('txn'),
      'linger.ms': 5,
      'retry.backoff.ms': 20,
    });
    producer.on('error', () => undefined);
    await producer.initTransactions();
    await producer.beginTransaction();
    const count = 2000;
    const NOT_LEADER = 6;
    const REQUEST_TIMED_OUT = 7;
    let injected = 0;
    const { acked, failed } = await stream(producer, topic, partitions, count, async (i) => {
      if (i % 250 === 100) {
        const errors = [NOT_LEADER, NOT_LEADER, REQUEST_TIMED_OUT, ErrorCode.TRANSPORT, NOT_LEADER];
        await cluster.pushRequestErrors(ApiKey.Produce, errors);
        injected += errors.length;
      }
      if (i % 250 === 200) {
        // Every partition to the next broker (ids 1..3).
        const shift = Math.floor(i / 250) % 3;
        for (let p = 0; p < partitions; p++) await cluster.setPartitionLeader(topic, p, ((p + shift + 1) % 3) + 1);
      }
    });
    // The client keeps working after the faults: one more message goes through.
    const after = await producer.send({ topic, partition: 0, value: `m${count}` });
    acked.push({ id: count, partition: after.partition });
    await producer.commitTransaction();
    await producer.close();
    const figures = check(count + 1, acked, await readAll(cluster.bootstrapServers, topic, partitions));
    printFigures('leader-moves-produce-errors', figures, `injected=${injected}`);
    expect(failed).toEqual([]);
    expect(figures.acked).toBe(count + 1);
    expect(figures.lost).toBe(0);
    expect(figures.duplicates).toBe(0);
    expect(figures.outOfOrder).toBe(0);
  });

  it('responses lost after the broker stored the batch (request timeouts): the retry keeps its sequence numbers, no duplicate', async () => {
    const partitions = 2;
    const { cluster, topic } = await mock(1, partitions);
    // A transactional producer: the mock checks sequence numbers only for those (a real
    // broker does for every idempotent producer); the retry logic is the same.
    const producer = new KafkaProducer({
      'bootstrap.servers': cluster.bootstrapServers,
      'transactional.id': unique('txn'),
      'socket.timeout.ms': 500,
      'linger.ms': 5,
      debug: 'protocol', // to see the request time out in the log
    });
    producer.on('error', () => undefined);
    const timeouts: string[] = [];
    producer.on('log', (l) => {
      if (/Timed out ProduceRequest/i.test(l.message)) timeouts.push(l.message);
    });
    await producer.initTransactions();
    await producer.beginTransaction();
    const count = 300;
    let delayed = false;
    const result = await stream(producer, topic, partitions, count, async (i) => {
      if (i === 100) {
        // Responses come after the client's request timeout: the batch is stored, its
        // acknowledgement lost, the request retried.
        await cluster.setBrokerRtt(1, 2500);
        delayed = true;
        setTimeout(() => void cluster.setBrokerRtt(1, 0).then(() => (delayed = false)), 1800);
      }
    });
    await producer.commitTransaction();
    await producer.close();
    expect(delayed).toBe(false);
    const figures = check(count, result.acked, await readAll(cluster.bootstrapServers, topic, partitions));
    printFigures('lost-responses-produce', figures, `timedOutRequests=${timeouts.length}`);
    // The client did time the request out (and so retried it).
    expect(timeouts.length).toBeGreaterThan(0);
    expect(result.failed).toEqual([]);
    expect(figures.acked).toBe(count);
    expect(figures.lost).toBe(0);
    expect(figures.duplicates).toBe(0);
    expect(figures.outOfOrder).toBe(0);
  });

  it.each([
    ['MSG_SIZE_TOO_LARGE', 10],
    ['INVALID_RECORD', 87],
    ['TOPIC_AUTHORIZATION_FAILED', 29],
  ])('a non-retriable %s on Produce rejects that send with a typed KafkaError; the others are delivered', async (name, code) => {
    const partitions = 2;
    const { cluster, topic } = await mock(1, partitions);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const before = await producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic, partition: i % partitions, value: `m${i}` })));
    await cluster.pushRequestErrors(ApiKey.Produce, [code]);
    const error = await producer.send({ topic, partition: 0, value: 'm20' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KafkaError);
    expect((error as KafkaError).code).toBe(code);
    expect((error as KafkaError).codeName).toBe(name);
    expect((error as KafkaError).isRetriable).toBe(false);
    expect((error as KafkaError).message).toContain(JSON.stringify(topic));
    // The client keeps working: after an authorization failure librdkafka refuses the topic
    // until its next metadata refresh (about a second); the sends are retried until then.
    const acked: Acked[] = before.map((r, i) => ({ id: i, partition: r.partition }));
    let refusals = 0;
    for (let i = 21; i < 60; i++) {
      for (;;) {
        const r = await producer.send({ topic, partition: i % partitions, value: `m${i}` }).catch((e: KafkaError) => e);
        if (!(r instanceof KafkaError)) {
          acked.push({ id: i, partition: r.partition });
          break;
        }
        expect(r.code).toBe(code); // only the topic's authorization state may linger
        refusals++;
        await sleep(200);
      }
    }
    await producer.close();
    const found = await readAll(cluster.bootstrapServers, topic, partitions);
    const figures = check(60, acked, found);
    printFigures(`non-retriable-${name}`, figures, `rejected=1 refusedUntilRefresh=${refusals}`);
    expect(found.some((f) => f.id === 20)).toBe(false); // the failed one is not there
    expect(figures.acked).toBe(59);
    expect(figures.lost).toBe(0);
    expect(figures.duplicates).toBe(0);
    expect(figures.outOfOrder).toBe(0);
  });
});

describe('a cluster that is never reachable', () => {
  it('send fails within message.timeout.ms, flush and close are bounded, and the errors name the bootstrap servers', async () => {
    const servers = await deadAddresses(2);
    const producer = new KafkaProducer({ 'bootstrap.servers': servers, 'message.timeout.ms': 1500 });
    const events: KafkaError[] = [];
    producer.on('error', (e) => events.push(e));
    const t0 = Date.now();
    const error = await producer.send({ topic: 'nowhere', value: 'm0' }).then(() => undefined, (e: unknown) => e);
    const elapsed = Date.now() - t0;
    expect(error).toBeInstanceOf(KafkaError);
    expect((error as KafkaError).codeName).toBe('_MSG_TIMED_OUT');
    // The outcome is unknown and librdkafka already retried: not a blind-retry error.
    expect((error as KafkaError).isRetriable).toBe(false);
    // Never sent (no broker answered): the delivery report says it is not in the topic.
    expect((error as KafkaError).persistence).toBe('not-persisted');
    expect((error as KafkaError).message).toContain(servers);
    expect(elapsed).toBeLessThan(20_000); // bounded by message.timeout.ms (no timing precision asserted)
    // Connection failures are reported as error events naming each broker.
    expect(events.some((e) => e.codeName === '_TRANSPORT' && servers.split(',').some((s) => e.message.includes(s)))).toBe(true);

    // A message queued when close() is called: the deadline bounds close, the report counts it.
    const pending = producer.send({ topic: 'nowhere', value: 'm1' }).then(() => undefined, (e: unknown) => e);
    const report = await producer.close({ timeoutMs: 300 });
    expect(report.undelivered).toBe(1);
    const purged = await pending;
    expect(purged).toBeInstanceOf(KafkaError);
    expect((purged as KafkaError).code).toBe(ErrorCode.PURGE_QUEUE);
    expect((purged as KafkaError).persistence).toBe('not-persisted');
    console.log(`fault[never-reachable-produce]: sent=2 acked=0 found=0 duplicates=0 lost=0 timedOut=1 undeliveredAtClose=${report.undelivered}`);
  });

  it('consumer and admin calls fail within their timeouts with errors naming the bootstrap servers', async () => {
    const { KafkaAdmin, KafkaConsumer } = await import('../../lib/index');
    const servers = await deadAddresses(2);
    const consumer = new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': unique('g') });
    consumer.on('error', () => undefined);
    const admin = new KafkaAdmin({ 'bootstrap.servers': servers });
    admin.on('error', () => undefined);
    const outcomes = await Promise.all([
      consumer.committed([{ topic: 'nowhere', partition: 0 }], 1500).then(() => undefined, (e: unknown) => e),
      consumer.queryWatermarkOffsets('nowhere', 0, { timeoutMs: 1500 }).then(() => undefined, (e: unknown) => e),
      admin.describeCluster({ timeoutMs: 1500 }).then(() => undefined, (e: unknown) => e),
      admin.listTopics({ timeoutMs: 1500 }).then(() => undefined, (e: unknown) => e),
    ]);
    for (const e of outcomes) {
      expect(e).toBeInstanceOf(KafkaError);
      expect(['_TIMED_OUT', '_ALL_BROKERS_DOWN', '_TRANSPORT']).toContain((e as KafkaError).codeName);
      expect((e as KafkaError).message).toContain(`bootstrap.servers: ${servers}`);
    }
    // A subscribed consumer does not hang either: consume() honours its timeout.
    await consumer.subscribe(['nowhere']);
    expect(await consumer.consume({ timeoutMs: 500 })).toBeNull();
    await consumer.close();
    await admin.close();
  });
});
