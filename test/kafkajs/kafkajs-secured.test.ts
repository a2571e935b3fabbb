/**
 * KafkaJS's SSL and SASL configuration programs (docs/Configuration.md: `ssl` with a CA and a
 * client certificate, `sasl` plain / scram-sha-256 / scram-sha-512 / oauthbearer) against the
 * secured listeners of the real test broker (scripts/kafka.sh start describes them in
 * OCTOKAFKA_TEST_SECURED_PROFILES). Skipped without them (the mock has no TLS or SASL).
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from '../../lib/kafkajs';
import { KafkaAdmin } from '../../lib/admin/admin';
import { unique, until } from '../kafkajs-helpers';

const file = process.env.OCTOKAFKA_TEST_SECURED_PROFILES;
const profiles: Record<string, Record<string, string>> = file && process.env.KAFKA_BOOTSTRAP_SERVERS ? JSON.parse(readFileSync(file, 'utf8')) : {};
const pem = (b64: string | undefined): string => Buffer.from(b64 ?? '', 'base64').toString('utf8');

/** An unsigned JWT, as Kafka's unsecured OAUTHBEARER validator accepts. */
function unsecuredJwt(sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub, iat: now, exp: now + 3600 })}.`;
}

function configFor(name: string): KafkaConfig {
  const p = profiles[name]!;
  const brokers = [p.KAFKA_BOOTSTRAP_SERVERS!];
  switch (name) {
    case 'ssl-mtls':
      return { clientId: 'my-app', brokers, ssl: { rejectUnauthorized: true, ca: [pem(p.KAFKA_CA_CERT)], key: pem(p.KAFKA_CLIENT_KEY), cert: pem(p.KAFKA_CLIENT_CERT) } };
    case 'sasl-plaintext-oauthbearer':
      return { clientId: 'my-app', brokers, sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: unsecuredJwt(p.OAUTHBEARER_UNSECURED_PRINCIPAL!) }) } };
    default: {
      const mechanism = p.KAFKA_SASL_MECHANISM!.toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512';
      return { clientId: 'my-app', brokers, ssl: { ca: [pem(p.KAFKA_CA_CERT)] }, sasl: { mechanism, username: p.KAFKA_SASL_USERNAME!, password: p.KAFKA_SASL_PASSWORD! } as SASLOptions };
    }
  }
}

const all = ['ssl-mtls', 'sasl-ssl-plain', 'sasl-ssl-scram-sha-256', 'sasl-ssl-scram-sha-512', 'sasl-plaintext-oauthbearer'];
const names = all.filter((n) => profiles[n]);
let topic = '';
beforeAll(async () => {
  if (names.length === 0) return;
  topic = unique('secured-kjs');
  const admin = new KafkaAdmin({ 'bootstrap.servers': process.env.KAFKA_BOOTSTRAP_SERVERS! });
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  await admin.close();
});
afterAll(() => undefined);

describe('KafkaJS SSL and SASL configuration on the secured listeners', () => {
  for (const name of all) it.skipIf(!profiles[name])(`${name}: produce and consume with the KafkaJS configuration`, async () => {
    const kafka = new Kafka({ ...configFor(name), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const value = `hello over ${name}`;
    const [meta] = await producer.send({ topic, messages: [{ key: name, value }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: unique('secured-kjs') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(`${message.offset}:${message.value!.toString()}`) });
    await until(`the message sent over ${name}`, () => seen.includes(`${meta!.baseOffset}:${value}`));
    await consumer.disconnect();
    expect(seen).toContain(`${meta!.baseOffset}:${value}`);
  }, 60_000);
});
