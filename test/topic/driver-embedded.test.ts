/**
 * The embedded cluster is an explicit choice: a Driver configuration that names no cluster
 * (no `bootstrap.servers`, no `KAFKA_BOOTSTRAP_SERVERS`) is an error, not an in-memory
 * cluster that silently keeps nothing; `Driver.embedded()` asks for one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ConfigError, Driver } from '../../lib/index';
import { unique } from '../helpers';

let saved: string | undefined;
beforeEach(() => {
  saved = process.env.KAFKA_BOOTSTRAP_SERVERS;
  delete process.env.KAFKA_BOOTSTRAP_SERVERS;
});
afterEach(() => {
  if (saved === undefined) delete process.env.KAFKA_BOOTSTRAP_SERVERS;
  else process.env.KAFKA_BOOTSTRAP_SERVERS = saved;
});

describe('Driver: which cluster', () => {
  it('connect() without bootstrap.servers or KAFKA_BOOTSTRAP_SERVERS is a ConfigError saying how to get either', async () => {
    for (const config of [{ kafka: {} }, {}, undefined]) {
      const error = await Driver.connect(config).then(
        async (d) => {
          await d.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ property: 'kafka.bootstrap.servers' });
      expect((error as Error).message).toContain('KAFKA_BOOTSTRAP_SERVERS');
      expect((error as Error).message).toContain('Driver.embedded()');
    }
  });

  it('Driver.embedded() starts an in-memory cluster, closed with the driver', async () => {
    const driver = await Driver.embedded({ namespace: 'emb' });
    const cluster = driver.embeddedCluster;
    expect(cluster).toBeDefined();
    expect(driver.kafkaConfig['bootstrap.servers']).toBe(cluster!.bootstrapServers);
    const name = unique('embedded');
    await driver.createTopic(name);
    expect(await driver.topicExists(name)).toBe(true);
    await driver.close();
    await expect(cluster!.createTopic(unique('after'), 1, 1)).rejects.toThrow(/closed/);
  });

  it('Driver.embedded() is embedded even when the environment names a cluster, and refuses bootstrap.servers', async () => {
    process.env.KAFKA_BOOTSTRAP_SERVERS = '127.0.0.1:1';
    const driver = await Driver.embedded();
    try {
      expect(driver.embeddedCluster).toBeDefined();
      expect(driver.kafkaConfig['bootstrap.servers']).not.toBe('127.0.0.1:1');
    } finally {
      await driver.close();
    }
    await expect(Driver.embedded({ kafka: { 'bootstrap.servers': '127.0.0.1:1' } })).rejects.toMatchObject({
      constructor: ConfigError,
      property: 'kafka.bootstrap.servers',
    });
  });
});
