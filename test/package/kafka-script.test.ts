/**
 * scripts/kafka.sh without starting a broker: its usage, `status`/`env`/`stop` when nothing
 * runs, and the readiness probe against something that is not a Kafka broker. (Starting the
 * broker is what the real-broker run of the suite does.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { ApiKey, brokerApiVersions, kip848Missing } from '../broker-api';
import { realCluster } from '../helpers';

const root = join(__dirname, '..', '..');
const state = mkdtempSync(join(tmpdir(), 'octokafka-kafka-state-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));

function script(...args: string[]) {
  return scriptWith({}, ...args);
}

/** The script with `env` on top of the test's environment (the broker line's variable removed unless given). */
function scriptWith(env: Record<string, string>, ...args: string[]) {
  const base: NodeJS.ProcessEnv = { ...process.env, OCTOKAFKA_KAFKA_STATE: state };
  delete base.OCTOKAFKA_KAFKA_LINE;
  return spawnSync('bash', [join(root, 'scripts/kafka.sh'), ...args], {
    encoding: 'utf8',
    env: { ...base, ...env },
    timeout: 30_000,
  });
}

/** The <kafka.version> a pom pins. */
function pinned(pom: string): string {
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(join(root, 'deps/kafka', pom), 'utf8'))?.[1];
  if (!version) throw new Error(`no <kafka.version> in deps/kafka/${pom}`);
  return version;
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

  it('OCTOKAFKA_KAFKA_LINE picks the pinned broker line: 4 (the default, deps/kafka/pom.xml) or 3 (deps/kafka/pom-3.x.xml)', () => {
    expect(pinned('pom.xml')).toMatch(/^4\./);
    expect(pinned('pom-3.x.xml')).toMatch(/^3\./);
    const byDefault = script('status');
    expect(byDefault.status).toBe(3);
    expect(byDefault.stdout).toContain(`not running (Kafka ${pinned('pom.xml')} pinned by deps/kafka/pom.xml)`);
    expect(scriptWith({ OCTOKAFKA_KAFKA_LINE: '4' }, 'status').stdout).toContain(`Kafka ${pinned('pom.xml')} pinned by deps/kafka/pom.xml`);
    const three = scriptWith({ OCTOKAFKA_KAFKA_LINE: '3' }, 'status');
    expect(three.status).toBe(3);
    expect(three.stdout).toContain(`not running (Kafka ${pinned('pom-3.x.xml')} pinned by deps/kafka/pom-3.x.xml)`);
    for (const line of ['2', '4.1', 'latest']) {
      const r = scriptWith({ OCTOKAFKA_KAFKA_LINE: line }, 'status');
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`OCTOKAFKA_KAFKA_LINE must be 4 (the default) or 3, not '${line}'`);
    }
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

describe('test/broker-api.ts (what the broker under test advertises)', () => {
  it('fails on a port where nothing answers Kafka', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as { port: number }).port;
      expect(() => brokerApiVersions(`127.0.0.1:${port}`, 300)).toThrow(/no answer within 300 ms/);
    } finally {
      silent.close();
    }
  });

  it.skipIf(!realCluster)('lists the APIs of the real broker, and decides KIP-848 by ConsumerGroupHeartbeat v1 (needs a real broker)', () => {
    const apis = brokerApiVersions(process.env.KAFKA_BOOTSTRAP_SERVERS!.split(',')[0]!);
    expect(apis.get(ApiKey.ApiVersions)?.min).toBe(0);
    expect(apis.get(3 /* Metadata */)!.max).toBeGreaterThanOrEqual(9);
    const heartbeat = apis.get(ApiKey.ConsumerGroupHeartbeat);
    const reason = kip848Missing();
    if (heartbeat !== undefined && heartbeat.max >= 1) expect(reason).toBeUndefined();
    else expect(reason).toMatch(/KIP-848 groups: the broker .*does not advertise ConsumerGroupHeartbeat \(API key 68\)/);
    // What the project's test brokers are known to answer (scripts/kafka.sh names the line).
    if (process.env.OCTOKAFKA_KAFKA_LINE === '3') expect(reason).toMatch(/ConsumerGroupHeartbeat \(API key 68\) v1 \(it has v0-0\)/);
    if (process.env.OCTOKAFKA_KAFKA_LINE === '4') expect(heartbeat).toEqual({ min: 0, max: 1 });
  });
});
