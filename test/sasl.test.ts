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

import { ErrorCode, KafkaAdmin, KafkaError, KafkaProducer, type LogEntry } from '../lib/index';

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

async function startFakeSaslBroker(): Promise<FakeSaslBroker> {
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
        const correlationId = frame.readInt32BE(4);
        // Request header: client id (int16 length), then a tag buffer in flexible versions.
        let offset = 8;
        const clientIdLength = frame.readInt16BE(offset);
        offset += 2 + Math.max(clientIdLength, 0);
        if (apiKey === API_VERSIONS && version >= 3) offset += 1;
        const response = Buffer.concat([int32(correlationId), answer(apiKey, version, frame.subarray(offset), state, logins)]);
        socket.write(Buffer.concat([int32(response.length), response]));
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
    try {
      callError = await admin.describeCluster({ timeoutMs: 2000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
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
    // The call fails at its deadline (librdkafka reports the broker's state, `_TRANSPORT`),
    // not with the authentication error: the `error` event is where that is reported.
    expect(callError).toBeInstanceOf(KafkaError);
    const texts = [...errors.map((e) => e.message), ...logs.map((l) => l.message), (callError as Error).message];
    expect(logs.length).toBeGreaterThan(0);
    for (const text of texts) expect(text).not.toContain(password);
  });

  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'])('%s: a refused login is an _AUTHENTICATION KafkaError', async (mechanism) => {
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
