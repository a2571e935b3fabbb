/**
 * Consumer under faults (issue 6): Fetch errors and leader moves, OffsetCommit errors
 * (retried or surfaced to the commit's promise), FindCoordinator / JoinGroup errors, the
 * group coordinator moving mid-stream, and a rebalance whose revoke hook commits. Every
 * scenario prints its figures line. The scenarios are independent (one MockCluster each)
 * and run concurrently, so that the mock's group-join delays overlap.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { ApiKey, Driver, ErrorCode, KafkaConsumer, KafkaError, KafkaProducer, MockCluster, type ConsumerConfig, type DriverOptions, type Event, type Message, type TopicConsumer } from '../../lib/index';
import { check, idOf, printFigures, sleep, until, type Acked } from '../fault-helpers';
import { fastGroup, realCluster, unique } from '../helpers';

const clusters: MockCluster[] = [];
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.close()));
});

async function mock(brokers: number, partitions: number, replication = 1): Promise<{ cluster: MockCluster; topic: string }> {
  const cluster = await MockCluster.start({ brokers });
  clusters.push(cluster);
  const topic = unique('cfaults');
  await cluster.createTopic(topic, partitions, replication);
  return { cluster, topic };
}

/** Sends ids from..to-1 (partition id % partitions) in one batch; returns what was acknowledged. */
async function produce(producer: KafkaProducer, topic: string, partitions: number, from: number, to: number): Promise<Acked[]> {
  const reports = await producer.sendBatch(Array.from({ length: to - from }, (_, k) => ({ topic, partition: (from + k) % partitions, value: `m${from + k}` })));
  return reports.map((r, k) => ({ id: from + k, partition: r.partition }));
}

const NOT_LEADER = 6;
const REQUEST_TIMED_OUT = 7;
const COORDINATOR_LOAD_IN_PROGRESS = 14;
const COORDINATOR_NOT_AVAILABLE = 15;
const NOT_COORDINATOR = 16;
const GROUP_AUTHORIZATION_FAILED = 30;
const OFFSET_METADATA_TOO_LARGE = 12;

describe.skipIf(realCluster).concurrent('consumer faults (MockCluster)', () => {
  it('Fetch errors and leader moves while reading: everything arrives once, in order', async () => {
    const partitions = 4;
    const { cluster, topic } = await mock(3, partitions, 3);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const acked = await produce(producer, topic, partitions, 0, 2000);
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('fetch'), 'enable.auto.commit': false });
    consumer.on('error', () => undefined);
    await consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0n })));
    const found: Message[] = [];
    let phase = 0;
    const deadline = Date.now() + 40_000;
    while (found.length < 3000 && Date.now() < deadline) {
      found.push(...(await consumer.consumeBatch(200, { timeoutMs: 500 })));
      if (phase === 0 && found.length >= 400) {
        phase++;
        await cluster.pushRequestErrors(ApiKey.Fetch, [NOT_LEADER, ErrorCode.TRANSPORT, REQUEST_TIMED_OUT, NOT_LEADER]);
      } else if (phase === 1 && found.length >= 1000) {
        phase++;
        for (let p = 0; p < partitions; p++) await cluster.setPartitionLeader(topic, p, (p % 3) + 1 === 3 ? 1 : (p % 3) + 2);
        acked.push(...(await produce(producer, topic, partitions, 2000, 3000)));
      } else if (phase === 2 && found.length >= 1500) {
        phase++;
        await cluster.pushRequestErrors(ApiKey.Fetch, [ErrorCode.TRANSPORT, NOT_LEADER]);
      }
    }
    await consumer.close();
    await producer.close();
    const figures = check(3000, acked, found.map((m) => ({ id: idOf(m.value), partition: m.partition })));
    printFigures('fetch-errors-leader-moves', figures);
    expect(phase).toBe(3);
    expect(figures.lost).toBe(0);
    // One reader, no rebalance: its fetch position never goes back, so nothing is read twice.
    expect(figures.duplicates).toBe(0);
    expect(figures.outOfOrder).toBe(0);
  });

  it('OffsetCommit STALE_MEMBER_EPOCH (KIP-848 epoch bump) on a partition still owned: the commit is made again with the new epoch', async () => {
    // Found on a real Kafka 4 broker: every assignment change bumps the member epoch, and a
    // manual commit sent with the old one fails with STALE_MEMBER_EPOCH; librdkafka does not
    // retry manual commits itself (it only hurries the next heartbeat).
    const STALE_MEMBER_EPOCH = 113;
    const { cluster, topic } = await mock(1, 1);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await produce(producer, topic, 1, 0, 3);
    await producer.close();
    const group = unique('stale');
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, 'group.protocol': 'consumer', 'enable.auto.commit': false, 'auto.offset.reset': 'earliest' });
    consumer.on('error', () => undefined);
    try {
      await consumer.subscribe([topic]);
      const first = await consumer.consume({ timeoutMs: 20_000 });
      expect(first).not.toBeNull();
      await cluster.pushRequestErrors(ApiKey.OffsetCommit, [STALE_MEMBER_EPOCH, STALE_MEMBER_EPOCH]);
      await consumer.commit([{ topic, partition: 0, offset: 2n }], { timeoutMs: 10_000 });
      const [stored] = await consumer.committed([{ topic, partition: 0 }]);
      expect(stored?.offset).toBe(2n);
    } finally {
      await consumer.close();
    }
  });

  it('OffsetCommit: retriable errors are retried, non-retriable ones reject that commit with a typed error; commits work afterwards', async () => {
    const { cluster, topic } = await mock(1, 1);
    const group = unique('commit');
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, 'enable.auto.commit': false });
    const errorEvents: KafkaError[] = [];
    consumer.on('error', (e) => errorEvents.push(e));
    const tp = { topic, partition: 0 };
    let offset = 0n;
    for (const code of [NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, REQUEST_TIMED_OUT, ErrorCode.TRANSPORT]) {
      await cluster.pushRequestErrors(ApiKey.OffsetCommit, [code]);
      await consumer.commit([{ ...tp, offset: ++offset }]);
      expect((await consumer.committed([tp]))[0]!.offset).toBe(offset);
    }
    for (const [code, name] of [
      [GROUP_AUTHORIZATION_FAILED, 'GROUP_AUTHORIZATION_FAILED'],
      [OFFSET_METADATA_TOO_LARGE, 'OFFSET_METADATA_TOO_LARGE'],
    ] as const) {
      await cluster.pushRequestErrors(ApiKey.OffsetCommit, [code]);
      const error = await consumer.commit([{ ...tp, offset: offset + 100n }]).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(KafkaError);
      expect((error as KafkaError).code).toBe(code);
      expect((error as KafkaError).codeName).toBe(name);
      expect((error as KafkaError).isRetriable).toBe(false);
      expect((await consumer.committed([tp]))[0]!.offset).toBe(offset); // nothing half-committed
      await consumer.commit([{ ...tp, offset: ++offset }]); // and the next commit works
      expect((await consumer.committed([tp]))[0]!.offset).toBe(offset);
    }
    await consumer.close();
    console.log(`fault[offset-commit-errors]: commits=${offset + 2n} retried=5 rejected=2 committedAfter=${offset}`);
  });

  it('pull style is at-least-once: what was processed is committed on close, the message in hand is delivered again', async () => {
    const { cluster, topic } = await mock(1, 1);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const acked = await produce(producer, topic, 1, 0, 30);
    const group = unique('pull');
    const config = { 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group };
    const first = new KafkaConsumer(config);
    await first.assign([{ topic, partition: 0 }]);
    const seen: Message[] = [];
    seen.push(...(await first.consumeBatch(10, { timeoutMs: 10_000 })));
    while (seen.length < 15) seen.push((await first.consume({ timeoutMs: 10_000 }))!);
    // Message 14 is in hand (no further call): not processed yet.
    await first.close();
    const second = new KafkaConsumer(config);
    await second.assign([{ topic, partition: 0 }]);
    while (seen.length < 30 + 1) seen.push(...(await second.consumeBatch(100, { timeoutMs: 10_000 })));
    await second.close();
    await producer.close();
    const figures = check(30, acked, seen.map((m) => ({ id: idOf(m.value), partition: m.partition })));
    printFigures('pull-restart', figures);
    expect(seen.map((m) => Number(m.offset)).slice(15, 16)).toEqual([14]); // resumed at the one in hand
    expect(figures.lost).toBe(0);
    expect(figures.duplicates).toBe(1); // exactly the message in hand at close
  });

  /**
   * A topic of 3 events on an own MockCluster and a consumer of its partition 0 that pulled the
   * first; `body` acknowledges it under commit faults and closes the consumer. Then a consumer
   * restarting under the same name must resume right after that event.
   */
  async function acknowledgedAcrossFaults(
    options: DriverOptions,
    body: (t: { cluster: MockCluster; consumer: TopicConsumer; first: Event; name: string; group: string }) => Promise<void>,
  ): Promise<void> {
    const cluster = await MockCluster.start();
    clusters.push(cluster);
    const driver = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers } }, options);
    try {
      const name = unique('acks');
      const topic = await driver.createTopic(name, { num_partitions: 1 });
      const producer = topic.producer();
      for (let i = 0; i < 3; i++) await producer.push({ i });
      const group = unique('g');
      const consumer = topic.consumer(group, { targets: [0] });
      const first = (await consumer.pull({ timeoutMs: 10_000 }))!;
      await body({ cluster, consumer, first, name, group });
      const again = topic.consumer(group, { targets: [0] });
      const next = await again.pull({ timeoutMs: 10_000 });
      expect(next?.id).toBe(first.id + 1n);
      await again.close();
    } finally {
      await driver.close();
    }
  }

  it('topic layer: a durable acknowledge whose commit fails rejects with a typed error, and acknowledging again commits', () =>
    acknowledgedAcrossFaults({}, async ({ cluster, consumer, first }) => {
      await cluster.pushRequestErrors(ApiKey.OffsetCommit, [GROUP_AUTHORIZATION_FAILED]);
      const error = await first.acknowledge({ durable: true }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(KafkaError);
      expect((error as KafkaError).code).toBe(GROUP_AUTHORIZATION_FAILED);
      await first.acknowledge({ durable: true }); // must commit now, not claim it already did
      await consumer.close();
    }));

  it('topic layer: a plain acknowledge resolves at once; its failed background commit is a warning and is retried until it succeeds', () => {
    const warnings: string[] = [];
    const logger = { error() {}, warn: (_f: unknown, m: string) => void warnings.push(m), info() {}, debug() {} };
    return acknowledgedAcrossFaults({ logger }, async ({ cluster, consumer, first, name, group }) => {
      // Two commits fail; the third (a background retry, no acknowledge call) succeeds.
      await cluster.pushRequestErrors(ApiKey.OffsetCommit, [GROUP_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED]);
      await first.acknowledge(); // recorded: resolves without waiting for the broker
      await until(() => warnings.some((w) => /committed again/.test(w)), 10_000, 'the background commit to succeed after the failures');
      expect(warnings.filter((w) => /committing acknowledgements failed/.test(w))).toHaveLength(1); // once per run of failures
      expect(warnings.find((w) => /failed/.test(w))).toMatch(new RegExp(`topic consumer '${group}' of '${name}'.*(?:GROUP_AUTHORIZATION_FAILED|Group authorization failed)`, 'i'));
      expect(await consumer.close()).toEqual({ timedOut: false, uncommitted: [] });
    });
  });

  it('FindCoordinator and JoinGroup errors: retriable ones are retried, GROUP_AUTHORIZATION_FAILED is a typed error event, and the group recovers', async () => {
    const partitions = 2;
    const { cluster, topic } = await mock(1, partitions);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const acked = await produce(producer, topic, partitions, 0, 500);
    await cluster.pushRequestErrors(ApiKey.FindCoordinator, [COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR]);
    await cluster.pushRequestErrors(ApiKey.JoinGroup, [COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR, GROUP_AUTHORIZATION_FAILED]);
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('join'), ...fastGroup });
    const errorEvents: KafkaError[] = [];
    consumer.on('error', (e) => errorEvents.push(e));
    await consumer.subscribe([topic]);
    const found: Message[] = [];
    const deadline = Date.now() + 40_000;
    while (found.length < 500 && Date.now() < deadline) found.push(...(await consumer.consumeBatch(500, { timeoutMs: 1000 })));
    await consumer.close();
    await producer.close();
    const figures = check(500, acked, found.map((m) => ({ id: idOf(m.value), partition: m.partition })));
    const authorization = errorEvents.find((e) => e.code === GROUP_AUTHORIZATION_FAILED);
    printFigures('find-coordinator-join-group-errors', figures, `errorEvents=${errorEvents.map((e) => e.codeName).join(',')}`);
    expect(authorization).toBeInstanceOf(KafkaError);
    expect(authorization!.message).toMatch(/^consumer group: /);
    expect(figures.lost).toBe(0);
    expect(figures.duplicates).toBe(0);
    expect(figures.outOfOrder).toBe(0);
  });

  it('the group coordinator moves mid-stream: consumption and commits resume, nothing lost', async () => {
    const partitions = 3;
    const { cluster, topic } = await mock(3, partitions, 3);
    const group = unique('coord');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 5 });
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, ...fastGroup, 'auto.commit.interval.ms': 200 });
    consumer.on('error', () => undefined);
    await consumer.subscribe([topic]);
    const total = 3000;
    const acked: Acked[] = [];
    const producing = (async () => {
      for (let from = 0; from < total; from += 100) {
        acked.push(...(await produce(producer, topic, partitions, from, from + 100)));
        await sleep(20);
      }
    })();
    const found: Message[] = [];
    const moves: number[] = [];
    for await (const m of consumer) {
      found.push(m);
      if (found.length === 1000 || found.length === 2000) {
        const to = found.length === 1000 ? 2 : 3;
        await cluster.setCoordinator('group', group, to);
        moves.push(to);
      }
      if (found.length >= total) break;
    }
    await producing;
    // Leaving the loop does not count the last message as processed (the iterator marks a
    // message when the next one is asked for): this one was.
    consumer.markProcessed(found[found.length - 1]!);
    // Commits go to the new coordinator: the group's offsets reach the end.
    await consumer.commit();
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    const committed = await consumer.committed(tps);
    const ends = await Promise.all(tps.map((tp) => consumer.queryWatermarkOffsets(tp.topic, tp.partition)));
    await consumer.close();
    await producer.close();
    const figures = check(total, acked, found.map((m) => ({ id: idOf(m.value), partition: m.partition })));
    printFigures('coordinator-moves', figures, `moves=${moves.length}`);
    expect(moves).toEqual([2, 3]);
    expect(committed.map((c) => c.offset)).toEqual(ends.map((e) => e.high));
    expect(figures.lost).toBe(0);
    expect(figures.outOfOrder).toBe(0);
    expect(figures.duplicates).toBe(0);
  });

  it('rebalance: the revoke hook commits what was processed, so the new owner re-reads nothing (KIP-848)', async () => {
    const partitions = 4;
    const { cluster, topic } = await mock(1, partitions);
    const group = unique('rebal');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const acked = await produce(producer, topic, partitions, 0, 1000);
    const config: ConsumerConfig = { 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, 'group.protocol': 'consumer', 'enable.auto.commit': false };
    const seen: Array<{ id: number; partition: number; by: string }> = [];
    const commitErrors: unknown[] = [];
    const member = (name: string): { consumer: KafkaConsumer; loop: Promise<void>; owned: Set<number> } => {
      const owned = new Set<number>();
      const consumer: KafkaConsumer = new KafkaConsumer(config, {
        onAssign: (ps) => ps.forEach((p) => owned.add(p.partition)),
        onRevoke: async (ps) => {
          ps.forEach((p) => owned.delete(p.partition));
          // Processed messages of the revoked partitions are committed before they move.
          await consumer.commit().catch((e: unknown) => commitErrors.push(e));
        },
      });
      consumer.on('error', () => undefined);
      const loop = (async () => {
        await consumer.subscribe([topic]);
        for await (const m of consumer) seen.push({ id: idOf(m.value), partition: m.partition, by: name });
      })();
      return { consumer, loop, owned };
    };
    const a = member('A');
    await until(() => seen.length >= 1000, 30_000, 'A to read the first 1000');
    const b = member('B');
    await until(() => b.owned.size > 0 && a.owned.size + b.owned.size === partitions, 30_000, 'the partitions to be shared');
    acked.push(...(await produce(producer, topic, partitions, 1000, 2000)));
    await until(() => seen.length >= 2000, 30_000, 'all 2000 to be read');
    await sleep(500); // time for a redelivery to show up, if there were one
    await b.consumer.close();
    await a.consumer.close();
    await Promise.all([a.loop, b.loop]);
    await producer.close();
    const figures = check(2000, acked, seen);
    printFigures('rebalance-revoke-commit', figures, `readByB=${seen.filter((s) => s.by === 'B').length}`);
    expect(commitErrors).toEqual([]);
    expect(seen.filter((s) => s.by === 'B').length).toBeGreaterThan(0);
    expect(figures.lost).toBe(0);
    expect(figures.duplicates).toBe(0);
  });
});
