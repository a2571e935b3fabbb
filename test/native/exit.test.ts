import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

const index = join(__dirname, '..', '..', 'dist/cjs/index.js');

describe('process lifetime', () => {
  it('exits by itself once every client is closed (no process.exit, no dangling handles)', () => {
    const script = `
      const { MockCluster, KafkaProducer, KafkaConsumer } = require(${JSON.stringify(index)});
      (async () => {
        const c = await MockCluster.start({ topics: [{ name: 't', partitions: 1 }] });
        const p = new KafkaProducer({ 'bootstrap.servers': c.bootstrapServers });
        await p.send({ topic: 't', value: 'x' });
        const k = new KafkaConsumer({ 'bootstrap.servers': c.bootstrapServers, 'group.id': 'exit' });
        await k.assign([{ topic: 't', partition: 0, offset: 0n }]);
        await k.consume({ timeoutMs: 5000 });
        await k.close(); await p.close(); await c.close();
        console.log('closed');
      })();
    `;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout.trim()).toBe('closed');
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('an open client keeps the process alive until unref()', () => {
    const script = `
      const { MockCluster, KafkaProducer } = require(${JSON.stringify(index)});
      (async () => {
        const c = await MockCluster.start();
        new KafkaProducer({ 'bootstrap.servers': c.bootstrapServers }).unref();
        c.unref();
      })();
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(0);
  });
});
