import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { describe, expect, it } from 'vitest';

import { KafkaConsumer, KafkaProducer, MockCluster } from '../lib/index';
import { unique } from './helpers';

const root = join(__dirname, '..');

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
    const marks = await Promise.all([0, 5].map((p) => consumer.queryWatermarkOffsets('six', p, 5000)));
    expect(marks).toEqual([
      { low: 0n, high: 1n },
      { low: 0n, high: 1n },
    ]);
    await consumer.close();
    await producer.close();
    await cluster.close();
    await cluster.close(); // idempotent
    await expect(cluster.createTopic('late')).rejects.toThrow(/closed/);
  });

  it('rejects bad arguments with clear errors', async () => {
    await expect(MockCluster.start({ brokers: 0 })).rejects.toThrow(/brokers must be an integer from 1 to 64/);
    const cluster = await MockCluster.start();
    await expect(cluster.createTopic('t', 0)).rejects.toThrow(/partitions must be a positive integer/);
    await expect(cluster.createTopic('t', 1, 2)).rejects.toThrow(/replicationFactor must be an integer from 1 to 1/);
    await cluster.close();
  });

  it('runs in a separate process that prints its bootstrap servers', async () => {
    const child = spawn(process.execPath, [join(root, 'dist/cjs/mock-cluster-process.js'), '--brokers', '2', '--topic', 'remote:3'], {
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
