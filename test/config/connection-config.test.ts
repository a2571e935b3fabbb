import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConnectionsFile, parsePropertyPairs, readConnectionsFile, resolveConnection } from '../../lib/app/connection-config';
import { ConfigError } from '../../lib/util/errors';

const file = parseConnectionsFile(
  {
    defaults: { 'client.id': 'svc', 'linger.ms': 1, consumer: { 'auto.offset.reset': 'latest' } },
    default: 'local',
    connections: {
      local: {},
      prod: {
        'bootstrap.servers': ['b1:9098', 'b2:9098'],
        aws_msk_iam: { region: 'eu-west-1' },
        producer: { 'linger.ms': 5 },
        consumer: { 'group.id': 'billing' },
      },
    },
  },
  'test.json',
);

describe('connection configuration', () => {
  it('applies defaults, the connection, then its role section', () => {
    const prod = resolveConnection({ file, name: 'prod', role: 'producer', env: {} });
    expect(prod).toEqual({
      name: 'prod',
      config: { 'client.id': 'svc', 'linger.ms': 5, 'bootstrap.servers': 'b1:9098,b2:9098' },
      clientOptions: { awsMskIam: { region: 'eu-west-1' } },
      embedded: false,
    });
    const consumer = resolveConnection({ file, name: 'prod', role: 'consumer', env: {} });
    expect(consumer.config).toEqual({ 'client.id': 'svc', 'linger.ms': 1, 'auto.offset.reset': 'latest', 'group.id': 'billing', 'bootstrap.servers': 'b1:9098,b2:9098' });
  });

  it('uses the default connection, which without servers is a ConfigError unless the embedded cluster is allowed', () => {
    expect(() => resolveConnection({ file, env: {} })).toThrow(/connection "local" names no Kafka cluster/);
    const local = resolveConnection({ file, env: {}, allowEmbedded: true });
    expect(local.name).toBe('local');
    expect(local.embedded).toBe(true);
    expect(local.config['bootstrap.servers']).toBeUndefined();
  });

  it('a connection that says "embedded": true runs embedded without servers, and on its servers when the environment names some', () => {
    const asked = parseConnectionsFile({ connections: { local: { embedded: true, 'client.id': 'x' } } }, 'test');
    const local = resolveConnection({ file: asked, env: {} });
    expect(local.embedded).toBe(true);
    expect(local.config).toEqual({ 'client.id': 'x' });
    expect(resolveConnection({ file: asked, env: { KAFKA_BOOTSTRAP_SERVERS: 'env:9092' } }).embedded).toBe(false);
  });

  it('lets the environment override the file and explicit overrides win over both', () => {
    const env = { KAFKA_BOOTSTRAP_SERVERS: 'env:9092', KAFKA_CLIENT_ID: 'from-env' };
    const r = resolveConnection({ file, name: 'prod', env, overrides: { 'client.id': 'flag' } });
    expect(r.config['bootstrap.servers']).toBe('env:9092');
    expect(r.config['client.id']).toBe('flag');
    expect(resolveConnection({ env, overrides: {} }).embedded).toBe(false);
  });

  it('treats a plain librdkafka configuration as one connection', () => {
    const plain = parseConnectionsFile({ 'bootstrap.servers': 'x:1', 'acks': 'all' });
    expect(resolveConnection({ file: plain, env: {} })).toMatchObject({ name: 'default', config: { 'bootstrap.servers': 'x:1', acks: 'all' }, embedded: false });
  });

  it('names what is wrong', () => {
    expect(() => resolveConnection({ file, name: 'nope', env: {} })).toThrow(/"nope" is not in test.json \(known: local, prod\)/);
    expect(() => parseConnectionsFile({ connections: { a: { x: {} } } }, 'f.json')).toThrow(ConfigError);
    expect(() => parseConnectionsFile({ connections: { a: { x: {} } } }, 'f.json')).toThrow(/f\.json: connections\.a\.x/);
    expect(() => parseConnectionsFile({ default: 'b', connections: { a: {} } }, 'f.json')).toThrow(/names "b", which is not among the connections \(a\)/);
    expect(() => parseConnectionsFile([], 'f.json')).toThrow(/must be a JSON object/);
    expect(() => resolveConnection({ file: parseConnectionsFile({ connections: { a: {}, b: {} } }, 'two.json'), env: {} })).toThrow(/2 connections and no "default"/);
    expect(() => parsePropertyPairs(['acks'])).toThrow(/expected key=value/);
    expect(parsePropertyPairs(['acks=all', 'sasl.password=a=b'])).toEqual({ acks: 'all', 'sasl.password': 'a=b' });
  });

  it('reads files and reports unreadable or non-JSON ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'octokafka-conn-'));
    writeFileSync(join(dir, 'ok.json'), JSON.stringify({ connections: { a: { 'bootstrap.servers': 'h:1' } } }));
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    expect(resolveConnection({ file: readConnectionsFile(join(dir, 'ok.json')), env: {} }).config['bootstrap.servers']).toBe('h:1');
    expect(() => readConnectionsFile(join(dir, 'bad.json'))).toThrow(/is not JSON/);
    expect(() => readConnectionsFile(join(dir, 'missing.json'))).toThrow(/cannot read/);
  });
});
