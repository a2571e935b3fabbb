/**
 * OAUTHBEARER through the event pump: librdkafka asks for a token as soon as an
 * OAUTHBEARER client starts; the provider runs on the JS thread without blocking it and
 * its token (or failure) goes back to librdkafka. (The MockCluster has no SASL listener:
 * authenticating against brokers is tested on a secured real cluster.)
 */
import { describe, expect, it } from 'vitest';

import { KafkaAdmin, KafkaConsumer, KafkaProducer, type AdminConfig, type KafkaError } from '../../lib/index';

const sasl: AdminConfig = { 'bootstrap.servers': '127.0.0.1:1', 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'OAUTHBEARER' };

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

  it('every kind of client asks its provider at start, with nothing else on its queue to wake it', async () => {
    // librdkafka queues the first refresh request while the handle is being created, before the
    // pump listens to the queue's wake-ups: the pump must look at the queue once when it starts,
    // or the request waits for an unrelated event (found against a real broker: an admin client's
    // first call failed with "Broker transport failure" as no token was ever set).
    for (let round = 0; round < 5; round++) {
      const calls = { admin: 0, producer: 0, consumer: 0 };
      const token = (kind: keyof typeof calls) => async () => {
        calls[kind]++;
        return { token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.', lifetimeMs: 60_000, principal: 'test' };
      };
      const admin = new KafkaAdmin(sasl, { oauthbearer: token('admin') });
      const producer = new KafkaProducer(sasl, { oauthbearer: token('producer') });
      const consumer = new KafkaConsumer({ ...sasl, 'group.id': 'oauth-start' }, { oauthbearer: token('consumer') });
      try {
        await until(() => calls.admin > 0 && calls.producer > 0 && calls.consumer > 0, 3000);
        expect(calls).toEqual({ admin: 1, producer: 1, consumer: 1 });
      } finally {
        await Promise.all([admin.close(), producer.close({ timeoutMs: 0 }), consumer.close()]);
      }
    }
  });

  it('an admin call made at once does not hold up the first token request', async () => {
    // Found against a real broker: an admin client's first call (served by the same thread as
    // librdkafka's main queue) blocked until its timeout while the token request sat in that
    // queue, so no token was set, no broker became usable and the call failed with
    // "Broker transport failure". The refresh must reach the provider while the call waits.
    let calledAfterMs = -1;
    const started = Date.now();
    // (debug logs: more for the pump to serve early, as in the real-broker run that found it)
    const admin = new KafkaAdmin({ ...sasl, debug: 'security' }, {
      oauthbearer: async () => {
        if (calledAfterMs < 0) calledAfterMs = Date.now() - started;
        return { token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.', lifetimeMs: 60_000, principal: 'test' };
      },
    });
    try {
      const call = admin.describeCluster({ timeoutMs: 4000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      await until(() => calledAfterMs >= 0, 3000);
      expect(calledAfterMs).toBeGreaterThanOrEqual(0);
      expect(calledAfterMs).toBeLessThan(2000);
      await call;
    } finally {
      await admin.close();
    }
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
