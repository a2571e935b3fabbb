/**
 * OAUTHBEARER through the event pump: librdkafka asks for a token as soon as an
 * OAUTHBEARER client starts; the provider runs on the JS thread without blocking it and
 * its token (or failure) goes back to librdkafka. (The MockCluster has no SASL listener:
 * authenticating against brokers is tested on a secured real cluster.)
 */
import { describe, expect, it } from 'vitest';

import { KafkaConsumer, KafkaProducer, type KafkaError } from '../lib/index';

const sasl = { 'bootstrap.servers': '127.0.0.1:1', 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'OAUTHBEARER' };

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe('OAUTHBEARER token provider', () => {
  it('is called when the client starts and its token is accepted', async () => {
    let calls = 0;
    const errors: KafkaError[] = [];
    const producer = new KafkaProducer(sasl, {
      oauthbearer: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 20)); // slow provider: the event loop keeps running
        return { token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.', lifetimeMs: 60_000, principal: 'test', extensions: { traceId: 'abc' } };
      },
    });
    producer.on('error', (e) => errors.push(e));
    await until(() => calls > 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(1);
    expect(errors.filter((e) => /token/i.test(e.message))).toEqual([]);
    await producer.close({ timeoutMs: 0 });
  });

  it('a failing provider is reported with its (redacted) reason and retried', async () => {
    let calls = 0;
    const errors: string[] = [];
    const consumer = new KafkaConsumer(
      { ...sasl, 'group.id': 'oauth' },
      {
        oauthbearer: async () => {
          calls++;
          throw new Error('identity provider unreachable');
        },
      },
    );
    consumer.on('error', (e) => errors.push(e.message));
    await until(() => errors.some((m) => m.includes('identity provider unreachable')));
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(errors.some((m) => m.includes('identity provider unreachable'))).toBe(true);
    await consumer.close();
  });

  it('takes a static token', async () => {
    const errors: string[] = [];
    const producer = new KafkaProducer(sasl, { oauthbearer: { token: 'static-token', expiresAtMs: Date.now() + 600_000, principal: 'svc' } });
    producer.on('error', (e) => errors.push(e.message));
    await new Promise((r) => setTimeout(r, 300));
    expect(errors.filter((m) => /token/i.test(m))).toEqual([]);
    await producer.close({ timeoutMs: 0 });
  });

  it('awsMskIam sets SASL_SSL + OAUTHBEARER and signs tokens with the given credentials', async () => {
    let credentialCalls = 0;
    const errors: string[] = [];
    const producer = new KafkaProducer(
      { 'bootstrap.servers': '127.0.0.1:1' },
      {
        awsMskIam: {
          region: 'eu-west-1',
          credentials: async () => {
            credentialCalls++;
            return { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
          },
        },
      },
    );
    producer.on('error', (e) => errors.push(e.message));
    await until(() => credentialCalls > 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(credentialCalls).toBeGreaterThanOrEqual(1);
    expect(errors.filter((m) => /token/i.test(m))).toEqual([]);
    for (const m of errors) expect(m).not.toContain('wJalrXUtnFEMI');
    await producer.close({ timeoutMs: 0 });
  });

  it('refuses a configuration that contradicts MSK IAM', () => {
    expect(
      () => new KafkaProducer({ 'bootstrap.servers': 'x:1', 'security.protocol': 'PLAINTEXT' }, { awsMskIam: { region: 'us-east-1' } }),
    ).toThrow(/security\.protocol/);
  });
});
