/**
 * scripts/kafka.sh without starting a broker: its usage, `status`/`env`/`stop` when nothing
 * runs, and the readiness probe against something that is not a Kafka broker. (Starting the
 * broker is what the real-broker run of the suite does.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const state = mkdtempSync(join(tmpdir(), 'octokafka-kafka-state-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));

function script(...args: string[]) {
  return spawnSync('bash', [join(root, 'scripts/kafka.sh'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, OCTOKAFKA_KAFKA_STATE: state },
    timeout: 30_000,
  });
}

describe('scripts/kafka.sh', () => {
  it('prints its usage for an unknown command', () => {
    const r = script('restart');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: .*kafka\.sh start\|stop\|status\|env\|resolve/);
  });

  it('status, env and stop when no broker runs', () => {
    const status = script('status');
    expect(status.status).toBe(3);
    expect(status.stdout).toContain('not running');
    const env = script('env');
    expect(env.status).not.toBe(0);
    expect(env.stderr).toContain('not running');
    const stop = script('stop');
    expect(stop.status).toBe(0);
    expect(stop.stderr).toContain('not running');
  });

  it('the readiness probe fails on a port where nothing answers Kafka, and on a closed port', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const probe = (p: number) => spawnSync(process.execPath, [join(root, 'scripts/kafka-probe.mjs'), `127.0.0.1:${p}`, '500'], { encoding: 'utf8', timeout: 10_000 });
      // Blocking the event loop is fine here: the silent server only needs to accept.
      expect(probe(port).status).toBe(1);
      silent.close();
      expect(probe(port).status).toBe(1);
      expect(spawnSync(process.execPath, [join(root, 'scripts/kafka-probe.mjs'), 'nonsense'], { encoding: 'utf8' }).status).toBe(2);
    } finally {
      silent.close();
    }
  });
});
