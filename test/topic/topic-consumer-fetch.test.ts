/**
 * The topic consumer's default fetch response size (issue 21: a 50 MB second fetch left a
 * fresh reader idle): 4 MiB unless the application sized fetches itself, and never a value
 * librdkafka would refuse next to the application's other sizes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TOPIC_FETCH_MAX_BYTES, withTopicFetchSize } from '../../lib/topic/consumer-fetch';
import { Driver } from '../../lib/topic/driver';
import { unique, useCluster } from '../helpers';

const MiB = 1 << 20;

describe('withTopicFetchSize', () => {
  it('sets fetch.max.bytes to 4 MiB and keeps the rest', () => {
    expect(TOPIC_FETCH_MAX_BYTES).toBe(4 * MiB);
    expect(withTopicFetchSize({ 'bootstrap.servers': 'h:9092', 'fetch.wait.max.ms': 10 })).toEqual({
      'bootstrap.servers': 'h:9092',
      'fetch.wait.max.ms': 10,
      'fetch.max.bytes': 4 * MiB,
    });
  });

  it("leaves the application's own fetch sizing alone", () => {
    for (const kafka of [{ 'fetch.max.bytes': 52_428_800 }, { 'fetch.max.bytes': '1048576', 'message.max.bytes': 1_000_000 }]) {
      expect(withTopicFetchSize(kafka)).toBe(kafka);
    }
  });

  it('is at least message.max.bytes (librdkafka requires it) and at most queued.max.messages.kbytes', () => {
    expect(withTopicFetchSize({ 'message.max.bytes': 8 * MiB })['fetch.max.bytes']).toBe(8 * MiB);
    expect(withTopicFetchSize({ 'message.max.bytes': String(6 * MiB) })['fetch.max.bytes']).toBe(6 * MiB);
    expect(withTopicFetchSize({ 'queued.max.messages.kbytes': 1024 })['fetch.max.bytes']).toBe(MiB);
    expect(withTopicFetchSize({ 'queued.max.messages.kbytes': 1024, 'message.max.bytes': 2_000_000 })['fetch.max.bytes']).toBe(2_000_000);
  });

  it('ignores undefined values and leaves values that are not numbers to the configuration check', () => {
    expect(withTopicFetchSize({ 'fetch.max.bytes': undefined })['fetch.max.bytes']).toBe(4 * MiB);
    expect(withTopicFetchSize({ 'message.max.bytes': 'lots' })['fetch.max.bytes']).toBe(4 * MiB);
  });
});

describe('topic consumers with fetch-related settings in the Driver configuration', () => {
  const cluster = useCluster();
  let driver: Driver | undefined;
  afterEach(async () => {
    await driver?.close();
    driver = undefined;
  });

  // message.max.bytes above the default would make librdkafka (and the configuration check)
  // refuse the consumer if the default were set blindly (fetch.max.bytes must be at least
  // that); receive.message.max.bytes must exceed fetch.max.bytes by 512, which 8 MiB does for
  // the default (it did not for librdkafka's 50 MiB).
  for (const [label, extra] of [
    ['message.max.bytes above the default', { 'message.max.bytes': 6 * MiB }],
    ['receive.message.max.bytes of 8 MiB', { 'receive.message.max.bytes': 8 * MiB }],
  ] as const) {
    it(`${label}: the consumer is made and reads every event`, async () => {
      driver = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers, ...extra } });
      const topic = await driver.createTopic(unique('fetch'), { num_partitions: 2 });
      const producer = topic.producer();
      const data = Buffer.alloc(64 * 1024, 7);
      await Promise.all(Array.from({ length: 40 }, (_, i) => producer.push({ i }, data)));
      await producer.close();
      const consumer = topic.consumer(unique('grp'));
      const seen = new Set<number>();
      while (seen.size < 40) {
        const event = await consumer.pull({ timeoutMs: 10_000 });
        expect(event).not.toBeNull();
        expect(event!.data[0]!.length).toBe(data.length);
        seen.add((event!.metadata as { i: number }).i);
      }
      await consumer.close();
    });
  }

  it('the default applies with the default configuration: 12 MB over four partitions arrive in order per partition', async () => {
    driver = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers } });
    const topic = await driver.createTopic(unique('fetch'), { num_partitions: 4 });
    const producer = topic.producer();
    const data = Buffer.alloc(100 * 1024, 1);
    // 120 events of 100 KiB on 4 partitions (3 MB each, under the mock's 5 MiB per partition):
    // several 4 MiB responses.
    await Promise.all(Array.from({ length: 120 }, (_, i) => producer.push({ i }, data)));
    await producer.close();
    const consumer = topic.consumer(unique('grp'));
    const next = [0n, 0n, 0n, 0n];
    for (let n = 0; n < 120; n++) {
      const event = await consumer.pull({ timeoutMs: 10_000 });
      expect(event).not.toBeNull();
      const p = event!.partition.partition_id;
      expect(event!.id).toBe(next[p]);
      next[p] = event!.id + 1n;
    }
    expect(next.reduce((a, b) => a + b, 0n)).toBe(120n);
    await consumer.close();
  });
});
