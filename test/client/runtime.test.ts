import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ErrorCode, KafkaConsumer, KafkaError, KafkaProducer, type LogEntry, type Message } from '../../lib/index';
import { RepeatLimiter } from '../../lib/util/rate-limit';
import { unique, useCluster } from '../helpers';

const cluster = useCluster();
let producer: KafkaProducer;
beforeAll(async () => {
  producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
});
afterAll(async () => {
  await producer.close();
});

describe('repeated log and error lines', () => {
  it('RepeatLimiter lets a line through once per window and counts what it suppressed', () => {
    let now = 0;
    const limiter = new RepeatLimiter(30_000, () => now);
    expect(limiter.admit('broker down')).toBe(0);
    for (let i = 0; i < 5; i++) expect(limiter.admit('broker down')).toBeNull();
    expect(limiter.admit('other line')).toBe(0);
    now = 30_000;
    expect(limiter.admit('broker down')).toBe(5);
    expect(new RepeatLimiter(0).admit('x')).toBe(0);
  });

  it('a client reports an outage once per window, not once per retry', async () => {
    const errors: string[] = [];
    const client = new KafkaProducer(
      { 'bootstrap.servers': '127.0.0.1:1', 'reconnect.backoff.ms': 10, 'reconnect.backoff.max.ms': 10 },
      { repeatWindowMs: 60_000 },
    );
    client.on('error', (e) => errors.push(e.message));
    await new Promise((r) => setTimeout(r, 1500));
    await client.close({ timeoutMs: 0 });
    const distinct = new Set(errors);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.length).toBe(distinct.size); // no line twice within the window
  });

  it('log lines arrive as typed events with their level and facility', async () => {
    const logs: LogEntry[] = [];
    const client = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g'), debug: 'cgrp' });
    client.on('log', (e) => logs.push(e));
    await client.subscribe([await cluster.topic('logs')]);
    await new Promise((r) => setTimeout(r, 300));
    await client.close();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs[0]).toMatchObject({ level: expect.any(Number), facility: expect.any(String), message: expect.any(String) });
  });
});

describe('consumer runtime', () => {
  it('subscribes by regular expression', async () => {
    const prefix = unique('re');
    const a = `${prefix}-a`;
    const b = `${prefix}-b`;
    if (cluster.mock) {
      await cluster.mock.createTopic(a);
      await cluster.mock.createTopic(b);
    }
    await producer.sendBatch([{ topic: a, value: 'from a' }, { topic: b, value: 'from b' }]);
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g'), 'topic.metadata.refresh.interval.ms': 500 });
    await consumer.subscribe([new RegExp(`^${prefix}-.*`)]);
    const got: Message[] = [];
    while (got.length < 2) got.push(...(await consumer.consumeBatch(2, { timeoutMs: 20_000 })));
    expect(got.map((m) => m.value!.toString()).sort()).toEqual(['from a', 'from b']);
    await consumer.close();
  });

  it('an application that stops reading past max.poll.interval.ms leaves the group, and rejoins when it reads again', async () => {
    const topic = await cluster.topic('stalled', 1);
    await producer.sendBatch(Array.from({ length: 300 }, (_, i) => ({ topic, value: `m${i}` })));
    const rebalances: string[] = [];
    const errors: KafkaError[] = [];
    const consumer = new KafkaConsumer(
      { 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g'), 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500, 'max.poll.interval.ms': 7000 },
      { highWaterMark: { messages: 10 }, onRevoke: () => void rebalances.push('revoke'), onLost: () => void rebalances.push('lost'), onAssign: () => void rebalances.push('assign') },
    );
    consumer.on('error', (e) => errors.push(e));
    await consumer.subscribe([topic]);
    expect(await consumer.consume({ timeoutMs: 20_000 })).not.toBeNull();
    // The buffer is full and the application takes nothing for longer than max.poll.interval.ms:
    // a hung handler must not keep its partitions for ever.
    await new Promise((r) => setTimeout(r, 9000));
    const rest: Message[] = [];
    while (!rest.some((m) => m.offset === 299n)) rest.push(...(await consumer.consumeBatch(500, { timeoutMs: 20_000 })));
    expect(rebalances[0]).toBe('assign');
    expect(rebalances.slice(1).some((k) => k === 'revoke' || k === 'lost')).toBe(true);
    expect(rebalances[rebalances.length - 1]).toBe('assign');
    expect(errors.some((e) => e.code === ErrorCode.MAX_POLL_EXCEEDED)).toBe(true);
    await consumer.close();
  }, 90_000);

  it('keepAliveWhileStalled: an application that stops reading past max.poll.interval.ms keeps its group membership', async () => {
    const topic = await cluster.topic('keepalive', 1);
    await producer.sendBatch(Array.from({ length: 300 }, (_, i) => ({ topic, value: `m${i}` })));
    const rebalances: string[] = [];
    const consumer = new KafkaConsumer(
      { 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g'), 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500, 'max.poll.interval.ms': 7000 },
      { highWaterMark: { messages: 10 }, keepAliveWhileStalled: true, onRevoke: () => void rebalances.push('revoke'), onLost: () => void rebalances.push('lost') },
    );
    await consumer.subscribe([topic]);
    expect(await consumer.consume({ timeoutMs: 20_000 })).not.toBeNull();
    // The buffer is full and the application does nothing for longer than max.poll.interval.ms.
    await new Promise((r) => setTimeout(r, 9000));
    const rest: Message[] = [];
    while (rest.length < 299) rest.push(...(await consumer.consumeBatch(500, { timeoutMs: 10_000 })));
    expect(rebalances).toEqual([]);
    expect(rest[rest.length - 1]!.offset).toBe(299n);
    await consumer.close();
  }, 60_000);

  it('async commit resolves once sent and reports the outcome as a commit event', async () => {
    const topic = await cluster.topic('acommit');
    await producer.send({ topic, value: 'x' });
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g') });
    await consumer.assign([{ topic, partition: 0, offset: 0n }]);
    const m = await consumer.consume({ timeoutMs: 10_000 });
    const committed = new Promise((resolve) => consumer.on('commit', resolve));
    await consumer.commit([{ topic, partition: 0, offset: m!.offset + 1n }], { async: true });
    expect(await committed).toEqual([{ topic, partition: 0, offset: 1n }]);
    await consumer.close();
  });

  it('opens, consumes and closes 1,000 consumers in a row, half of them mid-batch', async () => {
    const topic = await cluster.topic('churn1000');
    await producer.sendBatch(Array.from({ length: 100 }, (_, i) => ({ topic, value: `m${i}` })));
    for (let i = 0; i < 1000; i++) {
      const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': `churn-${i % 10}` });
      await consumer.assign([{ topic, partition: 0, offset: 0n }]);
      if (i % 2 === 0) {
        expect((await consumer.consume({ timeoutMs: 5000 }))?.offset).toBe(0n);
      } else {
        void consumer.consume({ timeoutMs: 5000 }); // close while a batch may be on its way
      }
      await consumer.close();
    }
  }, 180_000);
});
