/**
 * Named connections: one client per connection and role, shared by every caller, created
 * on first use; one embedded cluster for connections without servers; closeAll closes
 * everything; the logger gets the clients' lines, rate-limited.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import pino from 'pino';
import { describe, expect, it } from 'vitest';

import { closeAll, configureConnections, connect, Connections } from '../../lib/app/connections';
import { ApiKey, ClosedError, ConfigError, KafkaAdmin, KafkaConsumer, KafkaError, KafkaMetrics, KafkaProducer } from '../../lib/index';
import { findMockCluster } from '../../lib/testing/mock-cluster';
import { realCluster, unique, useCluster } from '../helpers';
import { waitUntil } from '../worker-helpers';

const cluster = useCluster();

function twoConnections(extra: Partial<ConstructorParameters<typeof Connections>[0]> = {}): Connections {
  return new Connections({
    source: {
      defaults: { 'client.id': 'conn-test' },
      default: 'main',
      connections: {
        main: { 'bootstrap.servers': cluster.bootstrapServers, consumer: { 'group.id': 'main-group' } },
        local: {},
      },
    },
    env: {},
    ...extra,
  });
}

describe('connections', () => {
  it('hands every caller the same connection and the same lazily created clients', async () => {
    const connections = twoConnections();
    const main = connections.connect('main');
    expect(connections.connect()).toBe(main);
    expect(main.name).toBe('main');
    expect(main.embedded).toBe(false);
    // Concurrent first calls share one creation.
    const [p1, p2] = await Promise.all([main.producer(), main.producer()]);
    expect(p1).toBeInstanceOf(KafkaProducer);
    expect(p2).toBe(p1);
    expect(await connections.connect('main').producer()).toBe(p1);
    const admin = await main.admin();
    expect(admin).toBeInstanceOf(KafkaAdmin);
    expect(await main.admin()).toBe(admin);
    const a = await main.consumer('group-a');
    expect(a).toBeInstanceOf(KafkaConsumer);
    expect(await main.consumer('group-a')).toBe(a);
    const b = await main.consumer('group-b');
    expect(b).not.toBe(a);
    // Without a group: the connection's consumer section names one.
    const byDefault = await main.consumer();
    expect(await main.consumer('main-group')).toBe(byDefault);
    // Clients of their own are new each time.
    const own = await main.createProducer();
    expect(own).not.toBe(p1);

    const topic = await cluster.topic('conn');
    await p1.send({ topic, value: 'through the shared producer' });
    await a.assign([{ topic, partition: 0, offset: 0n }]);
    const [m] = await a.consumeBatch(1, { timeoutMs: 10_000 });
    expect(m!.value!.toString()).toBe('through the shared producer');

    // One report for all the clients: nothing was left behind.
    expect(await connections.closeAll({ timeoutMs: 10_000 })).toEqual({ timedOut: false, undelivered: 0 });
    for (const client of [p1, admin, a, b, byDefault, own]) expect(client.isClosed).toBe(true);
    await expect(p1.send({ topic, value: 'x' })).rejects.toBeInstanceOf(ClosedError);
    // A connection object from before closeAll is closed; connect() gives a fresh one.
    expect(() => main.producer()).toThrow(ClosedError);
    const fresh = connections.connect('main');
    expect(fresh).not.toBe(main);
    const p3 = await fresh.producer();
    expect(p3).not.toBe(p1);
    expect(p3.isClosed).toBe(false);
    expect(await fresh.close()).toEqual({ timedOut: false, undelivered: 0 });
    expect(p3.isClosed).toBe(true);
    await expect(connections.closeAll('x' as never)).rejects.toThrow(new TypeError('closeAll(options) must be an object { timeoutMs?: number }, got "x"'));
    await connections.closeAll();
    expect(p3.isClosed).toBe(true);
  });

  it('a connection that names no cluster is a ConfigError saying how to ask for the embedded one', () => {
    const connections = new Connections({ source: { connections: { a: {} } }, env: {} });
    expect(() => connections.connect('a')).toThrow(ConfigError);
    expect(() => connections.connect('a')).toThrow(/connection "a" names no Kafka cluster: set "bootstrap.servers" \(or the KAFKA_BOOTSTRAP_SERVERS environment variable\).*"embedded": true/);
    expect(() => new Connections({ env: {} }).connect()).toThrow(/connection "default" names no Kafka cluster/);
    expect(() => new Connections({ embedded: 'yes' as never })).toThrow(/embedded/);
  });

  it('runs connections without servers on one shared embedded cluster when asked ("embedded": true), closed by closeAll', async () => {
    const connections = new Connections({ source: { connections: { a: { embedded: true }, b: { 'client.id': 'b', embedded: true } } }, env: {} });
    const a = connections.connect('a');
    const b = connections.connect('b');
    expect(a.embedded).toBe(true);
    const servers = await a.bootstrapServers();
    expect(await b.bootstrapServers()).toBe(servers);
    expect(findMockCluster(servers)).toBeDefined();
    const producer = await a.producer();
    await producer.send({ topic: 'embedded', partition: 0, value: 'hello' });
    const consumer = await b.createConsumer('embedded-group');
    await consumer.assign([{ topic: 'embedded', partition: 0, offset: 0n }]);
    const [m] = await consumer.consumeBatch(1, { timeoutMs: 10_000 });
    expect(m!.value!.toString()).toBe('hello');
    await connections.closeAll();
    expect(consumer.isClosed).toBe(true);
    expect(findMockCluster(servers)).toBeUndefined();
  });

  it('reads the file OCTOKAFKA_CONFIG names, and the environment without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'octokafka-conn-'));
    const path = join(dir, 'connections.json');
    writeFileSync(path, JSON.stringify({ default: 'x', connections: { x: { 'bootstrap.servers': cluster.bootstrapServers }, y: {} } }));
    const fromFile = new Connections({ env: { OCTOKAFKA_CONFIG: path } });
    expect(fromFile.names()).toEqual(['x', 'y']);
    expect(await fromFile.connect().bootstrapServers()).toBe(cluster.bootstrapServers);
    expect(() => fromFile.connect('z')).toThrow(/"z" is not in .*connections\.json \(known: x, y\)/);

    const fromEnv = new Connections({ env: { KAFKA_BOOTSTRAP_SERVERS: cluster.bootstrapServers, KAFKA_CONSUMER_GROUP: 'env-group' } });
    expect(fromEnv.names()).toEqual(['default']);
    const c = fromEnv.connect();
    expect(c.name).toBe('default');
    expect(await c.bootstrapServers()).toBe(cluster.bootstrapServers);
    expect(c.groupId()).toBe('env-group');

    const broken = new Connections({ env: { OCTOKAFKA_CONFIG: join(dir, 'missing.json') } });
    expect(() => broken.connect()).toThrow(ConfigError);
    expect(() => broken.connect()).toThrow(/cannot read the configuration file/);
    await fromFile.closeAll();
    await fromEnv.closeAll();
  });

  it('names what is wrong', async () => {
    expect(() => new Connections({ source: { connections: { 'bad name': {} } } })).toThrow(ConfigError);
    expect(() => new Connections({ source: { connections: {} }, statisticsIntervalMs: -1 })).toThrow(/statisticsIntervalMs/);
    // The file's content given as the options themselves.
    expect(() => configureConnections({ connections: { a: {} } } as never)).toThrow(/"connections": is not an option of the connections .*goes in "source"/);
    const connections = new Connections({ source: { connections: { a: { 'bootstrap.servers': cluster.bootstrapServers } } }, env: {} });
    expect(() => connections.connect('a').consumer()).toThrow(/connection "a" has no consumer group/);
    expect(() => connections.connect('a').consumer('')).toThrow(ConfigError);
    await connections.closeAll();
  });

  it('the process-wide registry: configureConnections, connect, closeAll', async () => {
    configureConnections({ source: { connections: { only: { 'bootstrap.servers': cluster.bootstrapServers } } }, env: {} });
    const producer = await connect().producer();
    expect(await connect('only').producer()).toBe(producer);
    // Reconfiguring while clients are out would strand them.
    expect(() => configureConnections({})).toThrow(KafkaError);
    expect(() => configureConnections({})).toThrow(/closeAll\(\) first/);
    expect(await closeAll()).toEqual({ timedOut: false, undelivered: 0 });
    expect(producer.isClosed).toBe(true);
    configureConnections({ source: { connections: { other: { 'bootstrap.servers': cluster.bootstrapServers } } }, env: {} });
    expect(connect().name).toBe('other');
    await closeAll();
  });

  it('observes every client with the given metrics collector and sets a statistics interval', async () => {
    const metrics = new KafkaMetrics();
    const connections = twoConnections({ metrics, statisticsIntervalMs: 100 });
    const producer = await connections.connect('main').producer();
    const topic = await cluster.topic('conn-metrics');
    await producer.sendBatch([{ topic, value: 'a' }, { topic, value: 'b' }]);
    await waitUntil('statistics', () => (metrics.value('messages_sent_total', { client: producer.name! }) ?? 0) >= 2);
    await connections.closeAll();
  });
});

describe('connections: logging', () => {
  function pinoLines(): { lines: Array<Record<string, unknown>>; logger: pino.Logger } {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    return { lines, logger: pino({ level: 'debug' }, stream) };
  }

  it('sends the clients\' log lines and errors to a pino logger as structured records', async () => {
    const { lines, logger } = pinoLines();
    const connections = new Connections({ source: { connections: { dead: { 'bootstrap.servers': '127.0.0.1:1' } } }, env: {}, logger });
    // Nothing listens there: librdkafka logs and reports the failed connection.
    await connections.connect('dead').producer();
    await waitUntil('an error record', () => lines.some((l) => l.level === 50 && l.code === '_TRANSPORT'), 20_000);
    const error = lines.find((l) => l.code === '_TRANSPORT')!;
    expect(error).toMatchObject({ client: 'producer', fatal: false });
    expect(error.msg).toMatch(/Connect to ipv4#127\.0\.0\.1:1 failed/);
    // librdkafka's own log line of it, with its facility.
    expect(lines.some((l) => typeof l.facility === 'string' && /127\.0\.0\.1:1/.test(String(l.msg)))).toBe(true);
    await connections.closeAll();
  });

  it.skipIf(realCluster)("identical errors are counted every time and logged once per window (needs the mock's fault injection)", async () => {
    const { lines, logger } = pinoLines();
    const metrics = new KafkaMetrics();
    const connections = new Connections({ source: { connections: { test: { 'bootstrap.servers': cluster.bootstrapServers } } }, env: {}, logger, metrics });
    const topic = await cluster.topic('conn-log');
    const consumer = await connections.connect('test').consumer(unique('log-group'));
    await consumer.assign([{ topic, partition: 0, offset: 0n }]);
    // Four commits refused the same way (GROUP_AUTHORIZATION_FAILED): four identical errors.
    await cluster.mock!.pushRequestErrors(ApiKey.OffsetCommit, [30, 30, 30, 30]);
    for (let i = 1; i <= 4; i++) await consumer.commit([{ topic, partition: 0, offset: BigInt(i) }], { async: true });
    await waitUntil('four counted errors', () => (metrics.value('client_errors_total', { client: consumer.name!, code: 'GROUP_AUTHORIZATION_FAILED' }) ?? 0) === 4);
    const logged = lines.filter((l) => l.code === 'GROUP_AUTHORIZATION_FAILED');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 50, client: 'consumer' });
    expect(logged[0]!.msg).toMatch(/^commit failed/);
    await connections.closeAll();
  });
});

describe('connections: consumer groups', () => {
  it('a shared consumer of a group is one member for every caller', async () => {
    const connections = twoConnections();
    const group = unique('shared');
    const [a, b] = await Promise.all([connections.connect('main').consumer(group), connections.connect().consumer(group)]);
    expect(a).toBe(b);
    await connections.closeAll();
  });
});
