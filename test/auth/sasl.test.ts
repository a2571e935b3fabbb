/**
 * SASL authentication failures without a Kafka cluster (the MockCluster has no SASL
 * listener): a fake broker on 127.0.0.1 speaks just enough of the Kafka protocol
 * (ApiVersions, SaslHandshake v1, SaslAuthenticate v1) to refuse every login with
 * SASL_AUTHENTICATION_FAILED — and, like a careless broker, echoes the PLAIN password in its
 * error message. The client must report a typed `_AUTHENTICATION` error, promptly, and never
 * pass the password on.
 */
import { createServer, type Server, type Socket } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ErrorCode, KafkaAdmin, KafkaConsumer, KafkaError, KafkaProducer, type KafkaConfig, type LogEntry } from '../../lib/index';

const METADATA = 3;
const API_VERSIONS = 18;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;
const SASL_AUTHENTICATION_FAILED = 58;
const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

interface Login {
  mechanism: string;
  /** The first SASL message the client sent (PLAIN: "\0user\0password"; SCRAM: "n,,n=user,r=…"). */
  firstMessage: string;
}

interface FakeSaslBroker {
  port: number;
  logins: Login[];
  close(): Promise<void>;
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}
function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
function str(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  return Buffer.concat([int16(body.length), body]);
}

/** The ApiVersions response in the request's version (v3 is the flexible encoding). */
function apiVersionsResponse(version: number): Buffer {
  const apis: Array<[number, number, number]> = [
    [API_VERSIONS, 0, 3],
    [SASL_HANDSHAKE, 0, 1],
    [SASL_AUTHENTICATE, 0, 1],
    // Advertised so that a client without SASL sends one (and is cut off, as by a real SASL listener).
    [METADATA, 0, 12],
  ];
  if (version >= 3) {
    // error_code, compact array (length + 1), each entry with an empty tag buffer, throttle, tags.
    const entries = apis.map(([k, min, max]) => Buffer.concat([int16(k), int16(min), int16(max), Buffer.from([0])]));
    return Buffer.concat([int16(0), Buffer.from([apis.length + 1]), ...entries, int32(0), Buffer.from([0])]);
  }
  const entries = apis.map(([k, min, max]) => Buffer.concat([int16(k), int16(min), int16(max)]));
  return Buffer.concat([int16(0), int32(apis.length), ...entries, ...(version >= 1 ? [int32(0)] : [])]);
}

/** Answers one request; returns the response body (after the correlation id). */
function answer(apiKey: number, version: number, body: Buffer, state: { mechanism: string }, logins: Login[]): Buffer {
  switch (apiKey) {
    case API_VERSIONS:
      return apiVersionsResponse(version);
    case SASL_HANDSHAKE: {
      state.mechanism = body.toString('utf8', 2, 2 + body.readInt16BE(0));
      return Buffer.concat([int16(MECHANISMS.includes(state.mechanism) ? 0 : 33), int32(MECHANISMS.length), ...MECHANISMS.map(str)]);
    }
    case SASL_AUTHENTICATE: {
      const auth = body.subarray(4, 4 + body.readInt32BE(0)).toString('utf8');
      logins.push({ mechanism: state.mechanism, firstMessage: auth });
      const [, user, password] = auth.split('\0');
      // A careless broker that repeats what it was sent.
      const message =
        state.mechanism === 'PLAIN'
          ? `Authentication failed: invalid credentials for user ${user} with password ${password}`
          : `Authentication failed during authentication due to invalid credentials with SASL mechanism ${state.mechanism}`;
      return Buffer.concat([int16(SASL_AUTHENTICATION_FAILED), str(message), int32(0), Buffer.alloc(8)]);
    }
    default:
      throw new Error(`unexpected request ${apiKey} v${version}`);
  }
}

/** `refuseAfterMs`: how long the broker takes to refuse a login (a real one takes about 0.3 s). */
async function startFakeSaslBroker(refuseAfterMs = 0): Promise<FakeSaslBroker> {
  const sockets = new Set<Socket>();
  const logins: Login[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const state = { mechanism: '' };
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
        pending = pending.subarray(4 + frame.length);
        const apiKey = frame.readInt16BE(0);
        const version = frame.readInt16BE(2);
        // Any other request before a login: a SASL listener closes the connection.
        if (![API_VERSIONS, SASL_HANDSHAKE, SASL_AUTHENTICATE].includes(apiKey)) {
          socket.destroy();
          return;
        }
        const correlationId = frame.readInt32BE(4);
        // Request header: client id (int16 length), then a tag buffer in flexible versions.
        let offset = 8;
        const clientIdLength = frame.readInt16BE(offset);
        offset += 2 + Math.max(clientIdLength, 0);
        if (apiKey === API_VERSIONS && version >= 3) offset += 1;
        const response = Buffer.concat([int32(correlationId), answer(apiKey, version, frame.subarray(offset), state, logins)]);
        const send = (): void => void socket.write(Buffer.concat([int32(response.length), response]));
        if (apiKey === SASL_AUTHENTICATE && refuseAfterMs > 0) setTimeout(send, refuseAfterMs);
        else send();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    logins,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SASL against a fake broker that refuses every login', () => {
  let broker: FakeSaslBroker;
  beforeAll(async () => {
    broker = await startFakeSaslBroker();
  });
  afterAll(async () => {
    await broker?.close();
  });

  const password = 'Tr0ub4dor&3-secret';

  it('a wrong PLAIN password is an _AUTHENTICATION KafkaError, and the password the broker echoes is redacted everywhere', async () => {
    const errors: KafkaError[] = [];
    const logs: LogEntry[] = [];
    const admin = new KafkaAdmin(
      {
        'bootstrap.servers': `127.0.0.1:${broker.port}`,
        'security.protocol': 'SASL_PLAINTEXT',
        'sasl.mechanisms': 'PLAIN',
        'sasl.username': 'alice',
        'sasl.password': password,
        'reconnect.backoff.ms': 100,
        debug: 'security,broker,protocol',
      },
      { repeatWindowMs: 0 },
    );
    admin.on('error', (e) => errors.push(e));
    admin.on('log', (l) => logs.push(l));
    let callError: unknown;
    const started = Date.now();
    let callMs = 0;
    try {
      callError = await admin.describeCluster({ timeoutMs: 20_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      callMs = Date.now() - started;
      await until('an authentication error', () => errors.some((e) => e.code === ErrorCode.AUTHENTICATION));
    } finally {
      await admin.close();
    }
    // The broker did receive the credentials: the failure is the broker's refusal.
    const login = broker.logins.find((l) => l.mechanism === 'PLAIN');
    expect(login?.firstMessage).toBe(`\0alice\0${password}`);
    const auth = errors.find((e) => e.code === ErrorCode.AUTHENTICATION)!;
    expect(auth).toBeInstanceOf(KafkaError);
    expect(auth.codeName).toBe('_AUTHENTICATION');
    expect(auth.message).toMatch(/SASL authentication error: Authentication failed: invalid credentials for user \[redacted\] with password \[redacted\]/);
    // The call in flight fails with the authentication error as soon as the broker refused the
    // login, not at its deadline (20 s) with librdkafka's `_TRANSPORT`.
    expect(callError).toBeInstanceOf(KafkaError);
    expect((callError as KafkaError).code).toBe(ErrorCode.AUTHENTICATION);
    expect((callError as KafkaError).cause).toBe(auth);
    expect(callMs).toBeLessThan(5_000);
    const texts = [...errors.map((e) => e.message), ...logs.map((l) => l.message), (callError as Error).message];
    expect(logs.length).toBeGreaterThan(0);
    for (const text of texts) expect(text).not.toContain(password);
  });

  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s: a refused login is an _AUTHENTICATION KafkaError', async (mechanism) => {
    const errors: KafkaError[] = [];
    const producer = new KafkaProducer({
      'bootstrap.servers': `127.0.0.1:${broker.port}`,
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanisms': mechanism,
      'sasl.username': 'bob',
      'sasl.password': password,
      'reconnect.backoff.ms': 100,
    });
    producer.on('error', (e) => errors.push(e));
    try {
      await until('an authentication error', () => errors.some((e) => e.code === ErrorCode.AUTHENTICATION));
    } finally {
      await producer.close({ timeoutMs: 0 });
    }
    // SCRAM's first message names the user and a nonce, never the password.
    const login = broker.logins.find((l) => l.mechanism === mechanism);
    expect(login?.firstMessage).toMatch(/^n,,n=bob,r=\S+$/);
    const auth = errors.find((e) => e.code === ErrorCode.AUTHENTICATION)!;
    expect(auth.message).toContain(`invalid credentials with SASL mechanism ${mechanism}`);
    for (const e of errors) expect(e.message).not.toContain(password);
  });
});

describe('a client the fake broker refuses fails its pending and following calls at once', () => {
  let broker: FakeSaslBroker;
  beforeAll(async () => {
    // Refusing after 0.4 s, as a real broker might: the calls below are made before it does.
    broker = await startFakeSaslBroker(400);
  });
  afterAll(async () => {
    await broker?.close();
  });

  const password = 'n0t-the-Right-one';
  const config = (): KafkaConfig => ({
    'bootstrap.servers': `127.0.0.1:${broker.port}`,
    'security.protocol': 'SASL_PLAINTEXT',
    'sasl.mechanisms': 'PLAIN',
    'sasl.username': 'carol',
    'sasl.password': password,
    'reconnect.backoff.ms': 100,
  });

  async function settled<T>(promise: Promise<T>): Promise<{ error: KafkaError | undefined; ms: number }> {
    const started = Date.now();
    try {
      await promise;
      return { error: undefined, ms: Date.now() - started };
    } catch (e) {
      expect(e).toBeInstanceOf(KafkaError);
      return { error: e as KafkaError, ms: Date.now() - started };
    }
  }

  it('producer: each send in flight ends once, with _AUTHENTICATION, through its delivery report; later sends reject at once', async () => {
    const producer = new KafkaProducer(config(), { repeatWindowMs: 0 });
    const errors: KafkaError[] = [];
    producer.on('error', (e) => errors.push(e));
    const callbacks: Array<KafkaError | null> = [];
    let report: { undelivered: number } | undefined;
    try {
      const sends: Array<Promise<unknown>> = [
        producer.send({ topic: 't', value: 'a' }),
        producer.send({ topic: 't', value: 'b' }, { timeoutMs: 60_000 }),
        producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic: 't', value: `m${i}` }))),
      ];
      producer.produce({ topic: 't', value: 'c' }, (e) => callbacks.push(e));
      expect(producer.pendingCount).toBeGreaterThan(0);
      const results = await Promise.all(sends.map((p) => settled(p)));
      for (const r of results) {
        expect(r.error?.code).toBe(ErrorCode.AUTHENTICATION);
        // Not message.timeout.ms (300 s): as soon as the broker refused the login.
        expect(r.ms).toBeLessThan(5_000);
        expect(r.error?.message).not.toContain(password);
      }
      await until('the produce callback', () => callbacks.length > 0);
      expect(callbacks[0]?.code).toBe(ErrorCode.AUTHENTICATION);
      // Every delivery report was consumed by its message's one outcome.
      expect(producer.pendingCount).toBe(0);
      const later = await settled(producer.send({ topic: 't', value: 'd' }));
      expect(later.error?.code).toBe(ErrorCode.AUTHENTICATION);
      expect(later.ms).toBeLessThan(1_000);
      expect(() => producer.produce({ topic: 't', value: 'e' })).toThrow(KafkaError);
    } finally {
      report = await producer.close({ timeoutMs: 0 });
    }
    // close() had nothing left to fail, and no message got a second outcome.
    expect(report.undelivered).toBe(0);
    expect(callbacks).toHaveLength(1);
    expect(errors.some((e) => e.code === ErrorCode.AUTHENTICATION)).toBe(true);
  });

  it('consumer: consume() waiting for a message rejects with _AUTHENTICATION; subscribe() then rejects at once', async () => {
    const consumer = new KafkaConsumer({ ...config(), 'group.id': 'refused-group' }, { repeatWindowMs: 0 });
    consumer.on('error', () => undefined);
    try {
      await consumer.subscribe(['t']);
      const consumed = await settled(consumer.consume({ timeoutMs: 60_000 }));
      expect(consumed.error?.code).toBe(ErrorCode.AUTHENTICATION);
      expect(consumed.ms).toBeLessThan(5_000);
      const again = await settled(consumer.subscribe(['u']));
      expect(again.error?.code).toBe(ErrorCode.AUTHENTICATION);
      expect(again.ms).toBeLessThan(1_000);
    } finally {
      await consumer.close({ timeoutMs: 2_000 });
    }
  });

  it('a refusal that is no longer repeated ends: calls then wait for an answer again', async () => {
    // Its own broker, closed halfway: from then on connections are refused (no broker, no login).
    const own = await startFakeSaslBroker();
    // reconnect.backoff.max.ms 100: the refusal stands 5 s without being repeated (the floor).
    const admin = new KafkaAdmin({ ...config(), 'bootstrap.servers': `127.0.0.1:${own.port}`, 'reconnect.backoff.max.ms': 100 }, { repeatWindowMs: 0 });
    let lastRefusal = 0;
    admin.on('error', (e) => {
      if (e.code === ErrorCode.AUTHENTICATION) lastRefusal = Date.now();
    });
    try {
      const refused = await settled(admin.describeCluster({ timeoutMs: 20_000 }));
      expect(refused.error?.code).toBe(ErrorCode.AUTHENTICATION);
      await own.close();
      await until('the refusal to be 5.5 s old', () => lastRefusal > 0 && Date.now() - lastRefusal > 5_500, 20_000);
      // Not failed by the old refusal: the call waits for its timeout, and fails for what it is.
      const later = await settled(admin.describeCluster({ timeoutMs: 1_000 }));
      expect(later.error).toBeInstanceOf(KafkaError);
      expect(later.error?.code).not.toBe(ErrorCode.AUTHENTICATION);
      expect(later.ms).toBeGreaterThanOrEqual(900);
    } finally {
      await admin.close();
      await own.close().catch(() => undefined);
    }
  }, 30_000);

  it('PLAINTEXT spoken to a SASL listener: an error event saying a SASL login is likely expected, and calls fail with it promptly', async () => {
    const admin = new KafkaAdmin({ 'bootstrap.servers': `127.0.0.1:${broker.port}`, 'reconnect.backoff.ms': 100 }, { repeatWindowMs: 0 });
    const errors: KafkaError[] = [];
    admin.on('error', (e) => errors.push(e));
    try {
      const r = await settled(admin.describeCluster({ timeoutMs: 30_000 }));
      const wording = /most likely expects a SASL login \(a SASL_PLAINTEXT or SASL_SSL listener\) while `security\.protocol` is PLAINTEXT/;
      expect(r.error?.message).toMatch(wording);
      expect(r.error?.isRetriable).toBe(false);
      expect(r.ms).toBeLessThan(5_000);
      const event = errors.find((e) => wording.test(e.message));
      expect(event).toBeDefined();
      expect(r.error?.cause).toBe(event);
      const next = await settled(admin.listTopics({ timeoutMs: 30_000 }));
      expect(next.error?.message).toMatch(wording);
      expect(next.ms).toBeLessThan(1_000);
    } finally {
      await admin.close();
    }
  });

  it('connect() rejects with _AUTHENTICATION as soon as the login is refused, not at its timeout', async () => {
    const admin = new KafkaAdmin(config(), { repeatWindowMs: 0 });
    admin.on('error', () => undefined);
    try {
      const r = await settled(admin.connect({ timeoutMs: 30_000 }));
      expect(r.error?.code).toBe(ErrorCode.AUTHENTICATION);
      expect(r.ms).toBeLessThan(5_000);
      expect(r.error?.message).not.toContain(password);
    } finally {
      await admin.close();
    }
  });
});
