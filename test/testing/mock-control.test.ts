/**
 * The control socket of a mock cluster process: clients on the same machine create topics
 * on it (librdkafka's mock brokers have no CreateTopics), through KafkaAdmin.createTopics.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { describe, expect, it } from 'vitest';

import { KafkaAdmin } from '../../lib/admin/admin';
import { MockCluster } from '../../lib/testing/mock-cluster';
import { findMockProcess, mockControlPath, serveMockControl } from '../../lib/testing/mock-control';
import { unique } from '../helpers';

const root = join(__dirname, '..', '..');

async function startProcess(args: string[]): Promise<{ servers: string; child: ReturnType<typeof spawn> }> {
  const child = spawn(process.execPath, [join(root, 'dist/cjs/testing/mock-cluster-process.js'), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { servers: /^bootstrap\.servers=(\S+)$/.exec(line)![1]!, child };
}

const ports = (servers: string): number[] => servers.split(',').map((a) => Number(a.split(':')[1]));

describe('mock cluster control socket', () => {
  it('a mock process serves one private socket per broker; KafkaAdmin creates topics through it', async () => {
    const { servers, child } = await startProcess(['--brokers', '2']);
    try {
      for (const port of ports(servers)) {
        const path = mockControlPath(port);
        expect(statSync(path).isSocket()).toBe(true);
        expect(statSync(path).mode & 0o777).toBe(0o600);
      }
      const admin = new KafkaAdmin({ 'bootstrap.servers': servers });
      try {
        const topic = unique('ctl');
        await admin.createTopics([{ topic, numPartitions: 3, replicationFactor: 2 }]);
        const [described] = await admin.describeTopics([topic]);
        expect(described!.partitions).toHaveLength(3);
        expect(described!.partitions.every((p) => p.replicas.length === 2)).toBe(true);

        await expect(admin.createTopics([{ topic, numPartitions: 1 }])).rejects.toMatchObject({ codeName: 'TOPIC_ALREADY_EXISTS' });
        await expect(admin.createTopics([{ topic: unique('ctl'), replicationFactor: 3 }])).rejects.toThrow(/replication factor 3 is larger than the number of brokers \(2\)/);
        const dry = unique('ctl');
        await admin.createTopics([{ topic: dry, numPartitions: 2 }], { validateOnly: true });
        expect(await admin.listTopics()).not.toContain(dry);
      } finally {
        await admin.close();
      }
    } finally {
      child.stdin!.end();
      expect((await once(child, 'exit'))[0]).toBe(0);
    }
    for (const port of ports(servers)) expect(existsSync(mockControlPath(port))).toBe(false);
  });

  it('a socket left by a killed mock process is ignored', async () => {
    const { servers, child } = await startProcess([]);
    child.kill('SIGKILL');
    await once(child, 'exit');
    const path = mockControlPath(ports(servers)[0]!);
    expect(existsSync(path)).toBe(true); // nobody removed it
    expect(await findMockProcess(servers)).toBeUndefined();
    // The brokers are gone too: createTopics asks them (and times out) instead of failing on the socket.
    const admin = new KafkaAdmin({ 'bootstrap.servers': servers });
    admin.on('error', () => undefined); // connection refused, expected
    await expect(admin.createTopics([{ topic: 't' }], { timeoutMs: 1000 })).rejects.toMatchObject({ codeName: '_TIMED_OUT' });
    await admin.close();
    rmSync(path);
  });

  it('serving replaces a leftover file at its path; only local addresses are looked up', async () => {
    const cluster = await MockCluster.start();
    const path = mockControlPath(ports(cluster.bootstrapServers)[0]!);
    writeFileSync(path, 'leftover');
    const control = await serveMockControl(cluster);
    try {
      expect(control.paths).toEqual([path]);
      const remote = await findMockProcess(`PLAINTEXT://localhost:${ports(cluster.bootstrapServers)[0]}`);
      expect(remote?.brokers).toBe(1);
      const topic = unique('ctl');
      await remote!.createTopic(topic, 2, 1);
      await expect(remote!.createTopic(topic, 2, 1)).rejects.toMatchObject({ codeName: 'TOPIC_ALREADY_EXISTS' });
      await expect(remote!.createTopic('', 1, 1)).rejects.toThrow(/topic name must be a non-empty string/);
      expect(await findMockProcess(`kafka.example:${ports(cluster.bootstrapServers)[0]}`)).toBeUndefined();
    } finally {
      await control.close();
      await cluster.close();
    }
    expect(existsSync(path)).toBe(false);
  });
});
