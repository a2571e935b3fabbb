/**
 * The consumer's behaviour as KafkaJS documents it: offsets committed only as resolved,
 * pause inside eachMessage, seek before and during run, stop and restart, retries and the
 * CRASH event with its restart semantics, auto-commit thresholds, partitions consumed
 * concurrently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Kafka, KafkaJSNumberOfRetriesExceeded, logLevel, type Consumer, type EachBatchPayload, type InstrumentationEvent } from '../../lib/kafkajs';
import { AFTER_BATCH_COMMIT_SPACING_MS, type KafkaJSConsumer } from '../../lib/kafkajs/consumer';
import type { TestCluster } from '../helpers';
import { kafkajsCluster, unique, until } from '../kafkajs-helpers';

let cluster: TestCluster;
let kafka: Kafka;
beforeAll(async () => {
  cluster = await kafkajsCluster();
  kafka = new Kafka({ clientId: 'behaviour', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await cluster.close();
});

async function topicWith(count: number, partitions = 1): Promise<string> {
  const topic = await cluster.topic('kjs-b', partitions);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ value: `m${i}`, partition: i % partitions })) });
  await producer.disconnect();
  return topic;
}

async function committed(groupId: string, topic: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return t!.partitions.map((p) => p.offset);
  } finally {
    await admin.disconnect();
  }
}

async function consumerOf(topic: string, groupId = unique('g'), config: Partial<Parameters<Kafka['consumer']>[0]> = {}): Promise<Consumer> {
  // A short session, as the rest of the suite uses (test/helpers.ts fastGroup): librdkafka's
  // mock cluster lets a member that left hold its place until its session times out.
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, ...config });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  return consumer;
}

describe('octokafka/kafkajs consumer', () => {
  it('commits only resolved offsets (eachBatchAutoResolve: false); unresolved messages come again', async () => {
    const topic = await topicWith(10);
    const groupId = unique('resolved');
    const consumer = await consumerOf(topic, groupId);
    const delivered: string[] = [];
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }: EachBatchPayload) => {
        for (const m of batch.messages) {
          delivered.push(m.offset);
          // Only the first three are ever resolved.
          if (Number(m.offset) < 3) resolveOffset(m.offset);
        }
      },
    });
    await until('offset 3 delivered again', () => delivered.filter((o) => o === '3').length >= 2);
    await consumer.stop();
    expect(delivered.slice(0, 3)).toEqual(['0', '1', '2']);
    // Redeliveries start at the first unresolved message, never before it.
    expect(delivered.slice(3).every((o) => Number(o) >= 3)).toBe(true);
    expect(await committed(groupId, topic)).toEqual(['3']);
    await consumer.disconnect();
  });

  it('with autoCommit false nothing is committed until commitOffsets', async () => {
    const topic = await topicWith(4);
    const groupId = unique('manual');
    const consumer = await consumerOf(topic, groupId);
    const seen: string[] = [];
    await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => void seen.push(message.offset) });
    await until('four messages', () => seen.length === 4);
    await new Promise((r) => setTimeout(r, 300));
    expect(await committed(groupId, topic)).toEqual(['-1']);
    await consumer.commitOffsets([{ topic, partition: 0, offset: '2' }]);
    expect(await committed(groupId, topic)).toEqual(['2']);
    await consumer.stop();
    expect(await committed(groupId, topic)).toEqual(['2']);
    await consumer.disconnect();
  });

  it('autoCommitThreshold commits after that many resolved messages (COMMIT_OFFSETS events)', async () => {
    const topic = await topicWith(10);
    const consumer = await consumerOf(topic);
    const commits: string[] = [];
    const members: Array<{ memberId: string; groupGenerationId: number }> = [];
    consumer.on(consumer.events.COMMIT_OFFSETS, (e: InstrumentationEvent<{ memberId: string; groupGenerationId: number; topics: Array<{ partitions: Array<{ offset: string }> }> }>) => {
      commits.push(e.payload.topics[0]!.partitions[0]!.offset);
      members.push({ memberId: e.payload.memberId, groupGenerationId: e.payload.groupGenerationId });
    });
    const seen: string[] = [];
    await consumer.run({ autoCommitThreshold: 4, autoCommitInterval: 600_000, eachMessage: async ({ message }) => void seen.push(message.offset) });
    await until('ten messages', () => seen.length === 10);
    await until('two commits', () => commits.length >= 2);
    expect(commits.slice(0, 2)).toEqual(['4', '8']);
    // The membership the commits were made in (KafkaJS sends them with the group's generation).
    expect(members[0]!.memberId).not.toBe('');
    expect(members[0]!.groupGenerationId).toBeGreaterThan(0);
    await consumer.disconnect();
    // The rest is committed on disconnect.
    expect(commits.at(-1)).toBe('10');
  });

  it('commits after batches are spaced apart, and the last batch is committed without another one', async () => {
    const topic = await cluster.topic('kjs-spaced', 1);
    const groupId = unique('spaced');
    const consumer = await consumerOf(topic, groupId);
    const commitOffsets: string[] = [];
    consumer.on(consumer.events.COMMIT_OFFSETS, (e: InstrumentationEvent<{ topics: Array<{ partitions: Array<{ offset: string }> }> }>) => {
      commitOffsets.push(e.payload.topics[0]!.partitions[0]!.offset);
    });
    let batches = 0;
    let seen = 0;
    await consumer.run({ eachBatch: async ({ batch }) => void ((batches += 1), (seen += batch.messages.length)) });
    // The spacing is between the starts of the commits (their round trips vary, so the
    // COMMIT_OFFSETS events that follow them may come closer together): record each start.
    const raw = (consumer as KafkaJSConsumer).rawConsumer()!;
    const commit = raw.commit.bind(raw);
    const commitStarts: number[] = [];
    raw.commit = ((...args: Parameters<typeof commit>) => {
      commitStarts.push(performance.now());
      return commit(...args);
    }) as typeof raw.commit;
    const producer = kafka.producer();
    await producer.connect();
    // Small batches in quick succession: one message every few milliseconds.
    for (let i = 0; i < 80; i++) {
      await producer.send({ topic, messages: [{ value: `m${i}` }] });
      await new Promise((r) => setTimeout(r, 4));
    }
    await until('eighty messages', () => seen === 80);
    // The last batch's offsets get committed although no batch follows it.
    await until('the last offset committed', () => commitOffsets.at(-1) === '80');
    await until('the commit visible to the group', async () => (await committed(groupId, topic))[0] === '80');
    expect(commitStarts.length).toBeGreaterThan(0);
    expect(batches).toBeGreaterThan(commitStarts.length);
    for (let i = 1; i < commitStarts.length; i++) expect(commitStarts[i]! - commitStarts[i - 1]!).toBeGreaterThanOrEqual(AFTER_BATCH_COMMIT_SPACING_MS - 5);
    // Committed offsets only grow.
    expect(commitOffsets.map(Number)).toEqual([...commitOffsets.map(Number)].sort((a, b) => a - b));
    await producer.disconnect();
    await consumer.disconnect();
  });

  it('pause() inside eachMessage holds the partition until resumed; nothing is lost or repeated', async () => {
    const topic = await topicWith(6);
    const consumer = await consumerOf(topic);
    const seen: Array<{ offset: string; at: number }> = [];
    let pausedSeen: unknown;
    await consumer.run({
      eachMessage: async ({ message, pause }) => {
        seen.push({ offset: message.offset, at: Date.now() });
        if (message.offset === '2') {
          const resume = pause();
          pausedSeen = consumer.paused();
          setTimeout(resume, 800);
        }
      },
    });
    await until('six messages', () => seen.length >= 6);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.map((s) => s.offset)).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(pausedSeen).toEqual([{ topic, partitions: [0] }]);
    expect(seen[3]!.at - seen[2]!.at).toBeGreaterThanOrEqual(700);
    expect(consumer.paused()).toEqual([]);
    await consumer.disconnect();
  });

  it('pause() then throw in eachMessage: the message comes again after resume', async () => {
    const topic = await topicWith(4);
    const consumer = await consumerOf(topic);
    const seen: string[] = [];
    let failed = false;
    await consumer.run({
      eachMessage: async ({ message, pause }) => {
        seen.push(message.offset);
        if (message.offset === '1' && !failed) {
          failed = true;
          const resume = pause();
          setTimeout(resume, 300);
          throw new Error('downstream busy');
        }
      },
    });
    await until('four messages', () => seen.filter((o) => o === '3').length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual(['0', '1', '1', '2', '3']);
    await consumer.disconnect();
  });

  it('seek right after run() (before the assignment) starts there; seek during run goes back', async () => {
    const topic = await topicWith(10);
    const consumer = await consumerOf(topic);
    const seen: string[] = [];
    let sought = false;
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.offset);
        if (message.offset === '8' && !sought) {
          sought = true;
          consumer.seek({ topic, partition: 0, offset: '6' });
        }
      },
    });
    consumer.seek({ topic, partition: 0, offset: '5' });
    await until('offset 9 twice', () => seen.filter((o) => o === '9').length === 1 && sought && seen.length >= 7);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual(['5', '6', '7', '8', '6', '7', '8', '9']);
    await consumer.disconnect();
  });

  it('stop() then run() again continues after what was processed (STOP event)', async () => {
    const topic = await topicWith(5);
    const groupId = unique('restart');
    const consumer = await consumerOf(topic, groupId);
    const stops: unknown[] = [];
    consumer.on(consumer.events.STOP, (e) => stops.push(e.type));
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await until('five messages', () => seen.length === 5);
    await consumer.stop();
    expect(stops).toEqual(['consumer.stop']);
    expect(await committed(groupId, topic)).toEqual(['5']);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'after-stop' }] });
    await producer.disconnect();
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await until('the new message', () => seen.length === 6);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'after-stop']);
    await consumer.disconnect();
  });

  it('a failing handler is retried, then CRASH with KafkaJSNumberOfRetriesExceeded; restartOnFailure false stops', async () => {
    const topic = await topicWith(1);
    const consumer = await consumerOf(topic, unique('crash'), { retry: { retries: 2, initialRetryTime: 50, restartOnFailure: async () => false } });
    const crashes: Array<{ error: Error; restart: boolean; groupId: string }> = [];
    consumer.on(consumer.events.CRASH, (e) => crashes.push(e.payload));
    let attempts = 0;
    await consumer.run({
      eachMessage: async () => {
        attempts++;
        throw new Error('always fails');
      },
    });
    await until('a crash', () => crashes.length === 1);
    expect(attempts).toBe(3);
    expect(crashes[0]!.error).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded);
    expect(crashes[0]!.error.message).toBe('always fails');
    expect(crashes[0]!.restart).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(attempts).toBe(3);
    await consumer.disconnect();
  });

  it('after a crash with restart the consumer rejoins and the message comes again', async () => {
    const topic = await topicWith(1);
    const consumer = await consumerOf(topic, unique('crash-restart'), { retry: { retries: 0, initialRetryTime: 50 } });
    const crashes: boolean[] = [];
    consumer.on(consumer.events.CRASH, (e) => crashes.push(e.payload.restart));
    let attempts = 0;
    let done = false;
    await consumer.run({
      eachMessage: async () => {
        attempts++;
        if (attempts === 1) throw new Error('first time fails');
        done = true;
      },
    });
    await until('the message after the restart', () => done);
    expect(crashes).toEqual([true]);
    expect(attempts).toBe(2);
    await consumer.disconnect();
  });

  it.skipIf(Boolean(process.env.KAFKA_BOOTSTRAP_SERVERS))(
    'an automatic commit that fails (made in the background) crashes the consumer as when KafkaJS awaits it, and is never counted as made (mock fault injection)',
    async () => {
      const topic = await topicWith(3);
      const groupId = unique('commit-fails');
      // Before this, a commit after an empty fetch escaped the run loop as an unhandled
      // rejection: no CRASH, and the consumer silently stopped.
      const consumer = await consumerOf(topic, groupId, { retry: { initialRetryTime: 50, retries: 1 } });
      const crashes: Array<{ error: Error; restart: boolean }> = [];
      const commits: string[] = [];
      consumer.on(consumer.events.CRASH, (e) => crashes.push(e.payload));
      consumer.on(consumer.events.COMMIT_OFFSETS, (e: InstrumentationEvent<{ topics: Array<{ partitions: Array<{ offset: string }> }> }>) => {
        commits.push(e.payload.topics[0]!.partitions[0]!.offset);
      });
      // GROUP_AUTHORIZATION_FAILED (30) for every commit from now on: not retriable.
      await cluster.mock!.pushRequestErrors(8, Array<number>(20).fill(30));
      const seen: string[] = [];
      await consumer.run({ eachBatch: async ({ batch }) => void seen.push(...batch.messages.map((m) => m.offset)) });
      await until('a crash', () => crashes.length === 1);
      expect(seen).toEqual(['0', '1', '2']);
      expect(crashes[0]!.error.message).toMatch(/GROUP_AUTHORIZATION_FAILED|authori/i);
      expect(commits).toEqual([]);
      await consumer.disconnect();
      expect(await committed(groupId, topic)).toEqual(['-1']);
    },
  );

  it('a non-retriable error (TypeError) crashes at once without restart', async () => {
    const topic = await topicWith(1);
    const consumer = await consumerOf(topic, unique('typeerror'));
    const crashes: Array<{ error: Error; restart: boolean }> = [];
    consumer.on(consumer.events.CRASH, (e) => crashes.push(e.payload));
    let attempts = 0;
    await consumer.run({
      eachMessage: async () => {
        attempts++;
        throw new TypeError('a bug');
      },
    });
    await until('a crash', () => crashes.length === 1);
    expect(attempts).toBe(1);
    expect(crashes[0]!.error.name).toBe('KafkaJSNonRetriableError');
    expect(crashes[0]!.restart).toBe(false);
    await consumer.disconnect();
  });

  it('partitionsConsumedConcurrently runs partitions in parallel, each in order', async () => {
    const topic = await topicWith(40, 4);
    const consumer = await consumerOf(topic);
    let active = 0;
    let maxActive = 0;
    let held = false;
    const byPartition = new Map<number, string[]>();
    await consumer.run({
      partitionsConsumedConcurrently: 4,
      eachMessage: async ({ partition, message }) => {
        active++;
        maxActive = Math.max(maxActive, active);
        if (!held) {
          // The first handler holds its partition until another partition's handler runs, or
          // 3 s pass: by then every partition's messages are buffered, and the next batch hands
          // them to their lanes at once (under load the first batches can each hold one
          // partition only, as fetches return). Processed one partition at a time, no two
          // handlers ever run together.
          held = true;
          const end = Date.now() + 3000;
          while (maxActive < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
        } else {
          await new Promise((r) => setTimeout(r, 5));
        }
        (byPartition.get(partition) ?? byPartition.set(partition, []).get(partition)!).push(message.offset);
        active--;
      },
    });
    await until('forty messages', () => [...byPartition.values()].reduce((n, l) => n + l.length, 0) === 40);
    for (const offsets of byPartition.values()) expect(offsets).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
    expect(maxActive).toBeGreaterThan(1);
    await consumer.disconnect();
  });

  it('a rebalance during eachBatch: revoked partitions go stale, nothing is lost, no partition is processed by a member that no longer owns it', async () => {
    const topic = await topicWith(400, 4);
    const groupId = unique('rebalance');
    const processed = new Map<string, Set<string>>();
    const violations: string[] = [];
    const counts = new Map<string, number>();
    const member = async (name: string): Promise<Consumer> => {
      const consumer = await consumerOf(topic, groupId);
      let owned = new Set<number>();
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        owned = new Set(e.payload.memberAssignment[topic] ?? []);
      });
      consumer.on(consumer.events.REBALANCING, () => {
        owned = new Set();
      });
      await consumer.run({
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          for (const m of batch.messages) {
            if (!isRunning() || isStale()) break;
            if (!owned.has(batch.partition)) violations.push(`${name} processed ${batch.partition}@${m.offset} without owning it`);
            const k = `${batch.partition}`;
            (processed.get(k) ?? processed.set(k, new Set()).get(k)!).add(m.offset);
            counts.set(name, (counts.get(name) ?? 0) + 1);
            await new Promise((r) => setTimeout(r, 15));
            resolveOffset(m.offset);
            await heartbeat();
          }
        },
      });
      return consumer;
    };
    const a = await member('a');
    await until('a started', () => [...processed.values()].some((s) => s.size > 0));
    const b = await member('b');
    await until('every message', () => [...processed.values()].reduce((n, s) => n + s.size, 0) === 400, 60_000);
    expect(violations).toEqual([]);
    // The second member joined while the first was mid-way: both processed messages.
    expect(counts.get('a')).toBeGreaterThan(0);
    expect(counts.get('b')).toBeGreaterThan(0);
    await Promise.all([a.disconnect(), b.disconnect()]);
  }, 90_000);

  it('a stalled handler holds a few MiB, not the topic: what is fetched ahead follows maxBytes', async () => {
    // KafkaJS holds one fetch response (maxBytes) while the handler runs. octokafka's raw
    // defaults would fetch up to 64 MiB ahead into librdkafka's queue and 48 MiB into the
    // hand-off; a KafkaJS consumer fetches 2 MiB at a time and buffers about that much in each.
    // 4 MiB per partition: the mock cluster keeps 5 MiB per partition.
    const partitions = 12;
    const topic = await cluster.topic('kjs-mem', partitions);
    const producer = kafka.producer();
    await producer.connect();
    const value = Buffer.alloc(1024, 7);
    for (let i = 0; i < partitions; i++) {
      await producer.send({ topic, messages: Array.from({ length: 4000 }, (_, j) => ({ value, partition: j % partitions })) });
    }
    await producer.disconnect();
    const total = partitions * 4000; // 48 MiB of values
    const consumer = await consumerOf(topic);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let seen = 0;
    let rss0 = 0;
    await consumer.run({
      partitionsConsumedConcurrently: partitions,
      eachMessage: async () => {
        if (seen++ === 0) {
          rss0 = process.memoryUsage().rss;
          await released; // the application is stuck on its first message
        }
      },
    });
    await until('the first message', () => seen > 0);
    // Long enough for librdkafka to fetch all 48 MiB if nothing held it back.
    await new Promise((r) => setTimeout(r, 3000));
    const growth = process.memoryUsage().rss - rss0;
    release();
    await until('every message', () => seen >= total, 60_000);
    await consumer.disconnect();
    console.log(`stalled KafkaJS consumer: RSS growth ${(growth / 1048576).toFixed(1)} MiB of ${total / 1024} MiB available`);
    expect(seen).toBe(total);
    // 2 MiB queued + one 2 MiB fetch + the hand-off (≤ 1.5 × 2 MiB) and their bookkeeping, with room.
    // (Not under AddressSanitizer, whose shadow memory and quarantine inflate RSS.)
    if (!process.env.ASAN_OPTIONS) expect(growth).toBeLessThan(24 << 20);
  }, 120_000);

  it('GROUP_JOIN reports the assignment; describeGroup shows the member', async () => {
    const topic = await topicWith(1, 2);
    const consumer = await consumerOf(topic);
    const joins: Array<{ memberAssignment: Record<string, number[]>; memberId: string }> = [];
    consumer.on(consumer.events.GROUP_JOIN, (e) => joins.push(e.payload));
    await consumer.run({ eachMessage: async () => undefined });
    await until('a join', () => joins.length > 0);
    expect(joins[0]!.memberAssignment).toEqual({ [topic]: [0, 1] });
    // The coordinator's member id, as the group description lists it (not the client's name).
    expect(joins[0]!.memberId).not.toBe('');
    const description = await consumer.describeGroup().catch((e: Error) => e);
    if (!(description instanceof Error)) expect(description.members.map((m) => m.memberId)).toContain(joins[0]!.memberId);
    else expect(description.message).toMatch(/not supported|unsupported|mock/i); // the mock has no DescribeGroups
    await consumer.disconnect();
  });
});
