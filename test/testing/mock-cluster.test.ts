import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { describe, expect, it } from 'vitest';

import { KafkaConsumer, KafkaProducer, MockCluster } from '../../lib/index';
import { parseMockArgs } from '../../lib/testing/mock-cluster-process';
import { unique } from '../helpers';

const root = join(__dirname, '..', '..');

describe('MockCluster', () => {
  it('starts N brokers, reports their bootstrap servers and creates topics with N partitions', async () => {
    const cluster = await MockCluster.start({ brokers: 3, topics: [{ name: 'six', partitions: 6, replicationFactor: 3 }] });
    const servers = cluster.bootstrapServers.split(',');
    expect(servers).toHaveLength(3);
    for (const s of servers) expect(s).toMatch(/^127\.0\.0\.1:\d+$/);

    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const reports = await producer.sendBatch(Array.from({ length: 6 }, (_, p) => ({ topic: 'six', partition: p, value: `p${p}` })));
    expect(reports.map((r) => r.partition)).toEqual([0, 1, 2, 3, 4, 5]);
    // A partition that does not exist is refused.
    await expect(producer.send({ topic: 'six', partition: 6, value: 'x' })).rejects.toMatchObject({ codeName: '_UNKNOWN_PARTITION' });

    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g') });
    // The options form and, deprecated, the positional timeout.
    const marks = await Promise.all([consumer.queryWatermarkOffsets('six', 0, { timeoutMs: 5000 }), consumer.queryWatermarkOffsets('six', 5, 5000)]);
    expect(marks).toEqual([
      { low: 0n, high: 1n },
      { low: 0n, high: 1n },
    ]);
    await consumer.close();
    await producer.close();
    expect(await cluster.close()).toEqual({ timedOut: false });
    expect(await cluster.close({ timeoutMs: 1000 })).toEqual({ timedOut: false }); // idempotent
    await expect(cluster.createTopic('late')).rejects.toThrow(/closed/);
  });

  /** Produces `count` records of `size` bytes to partition 0 and reads it all back from the beginning. */
  async function fillAndRead(cluster: MockCluster, topic: string, count: number, size: number): Promise<{ low: bigint; high: bigint; offsets: bigint[] }> {
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers, 'linger.ms': 5 });
    const value = Buffer.alloc(size, 7);
    for (let i = 0; i < count; i += 1000) {
      await producer.sendBatch(Array.from({ length: Math.min(1000, count - i) }, () => ({ topic, partition: 0, value })));
    }
    await producer.close();
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g'), 'auto.offset.reset': 'earliest' });
    const marks = await consumer.queryWatermarkOffsets(topic, 0, { timeoutMs: 5000 });
    consumer.assign([{ topic, partition: 0 }]);
    const offsets: bigint[] = [];
    for await (const batch of consumer.batches(5000)) {
      for (const m of batch) {
        expect(m.value!.length).toBe(size);
        offsets.push(m.offset);
      }
      if (offsets.length >= Number(marks.high - marks.low)) break;
    }
    await consumer.close();
    return { ...marks, offsets };
  }

  it('keeps the last 5 MiB of a partition by default, and what partitionMaxBytes says when set', async () => {
    // 12,000 records of 1 KiB: about 12 MB, more than twice the default limit.
    const count = 12_000;
    const small = await MockCluster.start({ topics: [{ name: 'kept' }] });
    try {
      const r = await fillAndRead(small, 'kept', count, 1024);
      expect(r.high).toBe(BigInt(count));
      // The oldest record batches were deleted: what is left is at most ~5 MiB.
      expect(r.low).toBeGreaterThan(0n);
      expect(Number(r.high - r.low) * 1024).toBeLessThanOrEqual(6 * 1024 * 1024);
      expect(r.offsets[0]).toBe(r.low);
    } finally {
      await small.close();
    }
    const large = await MockCluster.start({ topics: [{ name: 'kept' }], partitionMaxBytes: 64 * 1024 * 1024 });
    try {
      const r = await fillAndRead(large, 'kept', count, 1024);
      expect(r).toMatchObject({ low: 0n, high: BigInt(count) });
      // Every record is read back, in order, none missing.
      expect(r.offsets).toHaveLength(count);
      expect(r.offsets.every((o, i) => o === BigInt(i))).toBe(true);
    } finally {
      await large.close();
    }
  });

  it('rejects bad arguments with clear errors', async () => {
    await expect(MockCluster.start({ brokers: 0 })).rejects.toThrow(/brokers must be an integer from 1 to 64/);
    for (const bad of [0, -1, 1.5, Number.NaN, '10' as never]) {
      await expect(MockCluster.start({ partitionMaxBytes: bad })).rejects.toThrow(/partitionMaxBytes must be a positive integer/);
    }
    const cluster = await MockCluster.start();
    await expect(cluster.createTopic('t', 0)).rejects.toThrow(/partitions must be a positive integer/);
    await expect(cluster.createTopic('t', 1, 2)).rejects.toThrow(/replicationFactor must be an integer from 1 to 1/);
    await cluster.close();
  });

  it('parses the separate process\'s arguments, --partition-max-bytes included', () => {
    expect(parseMockArgs(['--brokers', '2', '--topic', 'a:3', '--partition-max-bytes', '1048576'])).toEqual({
      brokers: 2,
      topics: [{ name: 'a', partitions: 3 }],
      partitionMaxBytes: 1048576,
    });
    expect(parseMockArgs([])).toEqual({ brokers: 1, topics: [] });
    expect(() => parseMockArgs(['--partition-max-bytes', 'lots'])).toThrow(/--partition-max-bytes must be a positive integer, got lots/);
  });

  it('runs in a separate process that prints its bootstrap servers', async () => {
    const child = spawn(process.execPath, [join(root, 'dist/cjs/testing/mock-cluster-process.js'), '--brokers', '2', '--topic', 'remote:3'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      const match = /^bootstrap\.servers=(\S+)$/.exec(line);
      expect(match).not.toBeNull();
      const servers = match![1]!;
      expect(servers.split(',')).toHaveLength(2);

      const producer = new KafkaProducer({ 'bootstrap.servers': servers });
      const report = await producer.send({ topic: 'remote', partition: 2, value: 'across processes' });
      expect(report.partition).toBe(2);
      const consumer = new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': unique('g') });
      await consumer.assign([{ topic: 'remote', partition: 2, offset: 0n }]);
      const message = await consumer.consume({ timeoutMs: 10_000 });
      expect(message?.value?.toString()).toBe('across processes');
      await consumer.close();
      await producer.close();
    } finally {
      child.stdin!.end(); // stdin EOF stops it
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(0);
    }
  });

  it('the CLI subcommand `octokafka mock` prints the bootstrap servers', async () => {
    const child = spawn(process.execPath, [join(root, 'dist/cjs/cli.js'), 'mock', '--brokers', '1'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    expect(line).toMatch(/^bootstrap\.servers=127\.0\.0\.1:\d+$/);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
  });

  it('injects faults: a broker that is down makes a send wait, then succeed once it is up', async () => {
    const cluster = await MockCluster.start({ brokers: 1, topics: [{ name: 'faulty', partitions: 1 }] });
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.send({ topic: 'faulty', value: 'before' });
    await cluster.setBrokerDown(1);
    let settled = false;
    const during = producer.send({ topic: 'faulty', value: 'during' }).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 1500));
    expect(settled).toBe(false);
    await cluster.setBrokerUp(1);
    const report = await during;
    expect(report.offset).toBe(1n);
    await producer.close();
    await cluster.close();
  });
});
