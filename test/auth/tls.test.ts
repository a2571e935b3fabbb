/**
 * TLS with the statically linked OpenSSL.
 *
 * The system CA bundle must be found by probing the usual locations (Debian/Ubuntu
 * /etc/ssl/certs/ca-certificates.crt, RHEL/Fedora /etc/pki/tls/certs/ca-bundle.crt, Alpine
 * /etc/ssl/cert.pem, ...), not through the build machine's OPENSSLDIR.
 *
 * Real handshakes need no Kafka broker: a Node TLS server on 127.0.0.1 with certificates made
 * at test time by the `openssl` CLI stands in for one. A client that trusts the server
 * completes the handshake (the server's `secureConnection`) and then sends an ApiVersions
 * request nobody answers; a client that does not trust it aborts the handshake, which the
 * server sees as a `tlsClientError` and the client reports as a `_SSL` KafkaError.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type PeerCertificate, type Server, type TLSSocket } from 'node:tls';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { configFromEnv } from '../../lib/config/env-config';
import { ConfigError, Driver, ErrorCode, KafkaAdmin, KafkaError, KafkaProducer, type KafkaConfig, type LogEntry } from '../../lib/index';
import { normalizeTlsError } from '../../lib/config/tls-errors';

/**
 * Runs `fn` with exactly `vars` as the KAFKA_* variables of process.env (the caller's own
 * KAFKA_* variables removed meanwhile, and restored after): what reads the environment sees
 * the test's settings only, whatever the environment the tests run in.
 */
async function withKafkaEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('KAFKA_')));
  for (const k of Object.keys(saved)) delete process.env[k];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(process.env)) if (k.startsWith('KAFKA_')) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

describe('TLS', () => {
  it('finds the system CA bundle by probing its usual locations', async () => {
    const logs: LogEntry[] = [];
    const producer = new KafkaProducer({ 'bootstrap.servers': '127.0.0.1:1', 'security.protocol': 'SSL', debug: 'security' });
    producer.on('log', (l) => logs.push(l));
    await new Promise((r) => setTimeout(r, 300));
    await producer.close({ timeoutMs: 0 });
    const probe = logs.map((l) => /Setting default CA certificate location for \S+ to "([^"]+)"/.exec(l.message)?.[1]).find(Boolean);
    expect(probe).toBeDefined();
    expect(existsSync(probe!)).toBe(true);
  });

  it('an explicit CA location that does not exist is a ConfigError naming ssl.ca.location', () => {
    const error = creationError({ 'bootstrap.servers': '127.0.0.1:1', 'security.protocol': 'SSL', 'ssl.ca.location': '/nonexistent/ca.pem' });
    expect(error.property).toBe('ssl.ca.location');
    expect(error.message).toMatch(/cannot be read.*no such file/i);
  });
});

/** The ConfigError a client constructor throws for `config`. */
function creationError(config: KafkaConfig): ConfigError {
  let client: KafkaProducer | undefined;
  try {
    client = new KafkaProducer(config);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  void client.close({ timeoutMs: 0 });
  throw new Error('expected the client constructor to throw a ConfigError');
}

// ---------------------------------------------------------------------------------------
// Certificates made with the openssl CLI.

const opensslMissing = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status !== 0;
const KEY_PASSWORD = 'correct horse battery staple';
const CLIENT_CN = 'octokafka-test-client';

interface Pki {
  dir: string;
  /** PEM text of each file, by name. */
  pem: Record<'ca' | 'otherCa' | 'server' | 'serverKey' | 'wrongHost' | 'wrongHostKey' | 'untrusted' | 'untrustedKey' | 'client' | 'clientKey' | 'clientKeyEncrypted', string>;
  /** Path of each file, by the same names. */
  path: (name: keyof Pki['pem']) => string;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

/**
 * A throwaway PKI: a CA and a second, untrusted CA; a server certificate for
 * localhost/127.0.0.1, one for another host name and one from the untrusted CA; a client
 * certificate whose key also exists encrypted. P-256 keys: quick to make. An own openssl
 * config, so that the system's openssl.cnf cannot change what the certificates contain.
 */
function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'octokafka-tls-'));
  writeFileSync(
    join(dir, 'openssl.cnf'),
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      'CN = placeholder',
      '[ca]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash',
      '[localhost]',
      'subjectAltName = DNS:localhost,IP:127.0.0.1',
      'extendedKeyUsage = serverAuth',
      '[wronghost]',
      'subjectAltName = DNS:broker.example.invalid',
      'extendedKeyUsage = serverAuth',
      '[client]',
      'extendedKeyUsage = clientAuth',
      '',
    ].join('\n'),
  );
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string, cn: string): void =>
    openssl(dir, ['req', '-config', 'openssl.cnf', '-x509', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${cn}`, '-extensions', 'ca']);
  const leaf = (name: string, cn: string, issuer: string, ext: string): void => {
    openssl(dir, ['req', '-config', 'openssl.cnf', '-new', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    openssl(dir, [
      'x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-set_serial', String(Date.now()),
      '-days', '2', '-out', `${name}.pem`, '-extfile', 'openssl.cnf', '-extensions', ext,
    ]);
  };
  ca('ca', 'octokafka test CA');
  ca('otherCa', 'octokafka untrusted CA');
  leaf('server', 'localhost', 'ca', 'localhost');
  leaf('wrongHost', 'broker.example.invalid', 'ca', 'wronghost');
  leaf('untrusted', 'localhost', 'otherCa', 'localhost');
  leaf('client', CLIENT_CN, 'ca', 'client');
  openssl(dir, ['pkey', '-in', 'client.key', '-aes256', '-passout', `pass:${KEY_PASSWORD}`, '-out', 'clientEncrypted.key']);
  const files: Record<keyof Pki['pem'], string> = {
    ca: 'ca.pem',
    otherCa: 'otherCa.pem',
    server: 'server.pem',
    serverKey: 'server.key',
    wrongHost: 'wrongHost.pem',
    wrongHostKey: 'wrongHost.key',
    untrusted: 'untrusted.pem',
    untrustedKey: 'untrusted.key',
    client: 'client.pem',
    clientKey: 'client.key',
    clientKeyEncrypted: 'clientEncrypted.key',
  };
  const pem = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, readFileSync(join(dir, f), 'utf8')])) as Pki['pem'];
  return { dir, pem, path: (name) => join(dir, files[name]) };
}

// ---------------------------------------------------------------------------------------
// A TLS server that records handshakes.

interface Handshake {
  /** CN of the certificate the client presented, if any. */
  clientCn: string | undefined;
  /** True when the client certificate verified against the test CA. */
  clientAuthorized: boolean;
}

interface FakeBroker {
  port: number;
  handshakes: Handshake[];
  /** Handshakes the server saw fail (the client's alert, as Node reports it). */
  failures: Error[];
  /** Bytes the client sent after the handshake (its ApiVersions request). */
  received: number;
  close(): Promise<void>;
}

/** A TLS server on 127.0.0.1 presenting `cert`; it asks for a client certificate but admits clients without. */
async function startFakeBroker(pki: Pki, cert: 'server' | 'wrongHost' | 'untrusted'): Promise<FakeBroker> {
  const sockets = new Set<TLSSocket>();
  const server: Server = createServer({
    cert: pki.pem[cert],
    key: pki.pem[`${cert}Key`],
    ca: pki.pem.ca,
    requestCert: true,
    rejectUnauthorized: false,
  });
  const broker: FakeBroker = {
    port: 0,
    handshakes: [],
    failures: [],
    received: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => (broker.received += d.length));
    // An empty object when the client sent no certificate.
    const cn = (socket.getPeerCertificate() as Partial<PeerCertificate>).subject?.CN;
    broker.handshakes.push({ clientCn: Array.isArray(cn) ? cn.join(',') : cn, clientAuthorized: socket.authorized });
  });
  server.on('tlsClientError', (e) => broker.failures.push(e));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  broker.port = address.port;
  return broker;
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Settings that keep a client's attempts against the fake broker short and frequent. */
function clientConfig(port: number, extra: KafkaConfig, host = 'localhost'): KafkaConfig {
  return {
    'bootstrap.servers': `${host}:${port}`,
    // The server listens on 127.0.0.1 only; "localhost" may resolve to ::1 first.
    'broker.address.family': 'v4',
    'security.protocol': 'SSL',
    'socket.timeout.ms': 5000,
    'reconnect.backoff.ms': 100,
    'reconnect.backoff.max.ms': 500,
    ...extra,
  };
}

interface Attempt {
  handshakes: Handshake[];
  failures: Error[];
  received: number;
  errors: KafkaError[];
  logs: LogEntry[];
}

/**
 * Points a client at a fake broker until the server saw a handshake or the client reported
 * an error (and the server a failed handshake), then closes both.
 */
async function attempt(
  pki: Pki,
  cert: 'server' | 'wrongHost' | 'untrusted',
  extra: KafkaConfig,
  kind: 'producer' | 'admin' = 'producer',
  host = 'localhost',
): Promise<Attempt> {
  const broker = await startFakeBroker(pki, cert);
  const errors: KafkaError[] = [];
  const logs: LogEntry[] = [];
  const config = clientConfig(broker.port, extra, host);
  const client = kind === 'producer' ? new KafkaProducer(config) : new KafkaAdmin(config);
  client.on('error', (e) => errors.push(e));
  client.on('log', (l) => logs.push(l));
  try {
    await until('a handshake or a TLS error', () => (broker.handshakes.length > 0 && broker.received > 0) || (errors.length > 0 && broker.failures.length > 0));
  } finally {
    await (client instanceof KafkaProducer ? client.close({ timeoutMs: 0 }) : client.close());
    await broker.close();
  }
  return { handshakes: broker.handshakes, failures: broker.failures, received: broker.received, errors, logs };
}

describe.skipIf(opensslMissing)(
  opensslMissing ? 'TLS handshakes — skipped: the `openssl` CLI is not installed (Debian: apt-get install openssl)' : 'TLS handshakes against a local TLS server',
  () => {
    let pki: Pki;
    beforeAll(() => {
      pki = makePki();
    });
    afterAll(() => {
      if (pki) rmSync(pki.dir, { recursive: true, force: true });
    });

    it('an inline CA (ssl.ca.pem) completes the handshake; no client certificate is sent unless configured', async () => {
      const r = await attempt(pki, 'server', { 'ssl.ca.pem': pki.pem.ca });
      expect(r.errors).toEqual([]);
      expect(r.handshakes[0]).toEqual({ clientCn: undefined, clientAuthorized: false });
      // The client went on to speak Kafka over the session (its ApiVersions request).
      expect(r.received).toBeGreaterThan(0);
    });

    it('a CA file (ssl.ca.location) completes the handshake, for an admin client too', async () => {
      const r = await attempt(pki, 'server', { 'ssl.ca.location': pki.path('ca') }, 'admin');
      expect(r.errors).toEqual([]);
      expect(r.handshakes.length).toBeGreaterThan(0);
    });

    it('mutual TLS with inline PEM (ssl.certificate.pem + ssl.key.pem) presents the client certificate', async () => {
      const r = await attempt(pki, 'server', { 'ssl.ca.pem': pki.pem.ca, 'ssl.certificate.pem': pki.pem.client, 'ssl.key.pem': pki.pem.clientKey });
      expect(r.errors).toEqual([]);
      expect(r.handshakes[0]).toEqual({ clientCn: CLIENT_CN, clientAuthorized: true });
    });

    it('mutual TLS with files and an encrypted key (ssl.certificate.location + ssl.key.location + ssl.key.password)', async () => {
      expect(pki.pem.clientKeyEncrypted).toContain('ENCRYPTED');
      const r = await attempt(pki, 'server', {
        'ssl.ca.location': pki.path('ca'),
        'ssl.certificate.location': pki.path('client'),
        'ssl.key.location': pki.path('clientKeyEncrypted'),
        'ssl.key.password': KEY_PASSWORD,
      });
      expect(r.errors).toEqual([]);
      expect(r.handshakes[0]).toEqual({ clientCn: CLIENT_CN, clientAuthorized: true });
    });

    it('hostname verification is on by default: a certificate for another host fails the handshake with an _SSL error that says so', async () => {
      const r = await attempt(pki, 'wrongHost', { 'ssl.ca.pem': pki.pem.ca });
      expect(r.handshakes).toEqual([]);
      // The client rejected the server: it sent a "bad certificate" alert.
      expect(r.failures[0]?.message).toMatch(/bad certificate/);
      const error = r.errors[0]!;
      expect(error).toBeInstanceOf(KafkaError);
      expect(error.code).toBe(ErrorCode.SSL);
      expect(error.codeName).toBe('_SSL');
      expect(error.message).toMatch(/SSL handshake failed: .*certificate verify failed/);
      // librdkafka's own hint only blames the CA; the message also names the host-name check.
      expect(error.message).toMatch(/ssl\.endpoint\.identification\.algorithm/);
    });

    it('an IP address in bootstrap.servers is verified against the certificate\'s IP subjectAltName', async () => {
      const matching = await attempt(pki, 'server', { 'ssl.ca.pem': pki.pem.ca }, 'producer', '127.0.0.1');
      expect(matching.errors).toEqual([]);
      expect(matching.handshakes.length).toBeGreaterThan(0);
      // broker.example.invalid's certificate has no IP entry.
      const other = await attempt(pki, 'wrongHost', { 'ssl.ca.pem': pki.pem.ca }, 'producer', '127.0.0.1');
      expect(other.handshakes).toEqual([]);
      expect(other.errors[0]?.code).toBe(ErrorCode.SSL);
    });

    it('ssl.endpoint.identification.algorithm=none turns hostname verification off explicitly', async () => {
      const r = await attempt(pki, 'wrongHost', { 'ssl.ca.pem': pki.pem.ca, 'ssl.endpoint.identification.algorithm': 'none' });
      expect(r.errors).toEqual([]);
      expect(r.handshakes.length).toBeGreaterThan(0);
    });

    it('a server certificate from an untrusted CA fails the handshake with an _SSL "certificate verify failed" error', async () => {
      const r = await attempt(pki, 'untrusted', { 'ssl.ca.pem': pki.pem.ca });
      expect(r.handshakes).toEqual([]);
      expect(r.failures[0]?.message).toMatch(/unknown ca/);
      const error = r.errors[0]!;
      expect(error).toBeInstanceOf(KafkaError);
      expect(error.code).toBe(ErrorCode.SSL);
      expect(error.message).toMatch(/certificate verify failed: broker certificate could not be verified.*ssl\.ca\.location/);
      expect(error.message).toMatch(/host-name verification is on/);
      // With host-name verification off, the message does not point at it.
      const noHostCheck = await attempt(pki, 'untrusted', { 'ssl.ca.pem': pki.pem.ca, 'ssl.endpoint.identification.algorithm': 'none' });
      expect(noHostCheck.handshakes).toEqual([]);
      expect(noHostCheck.errors[0]?.code).toBe(ErrorCode.SSL);
      expect(noHostCheck.errors[0]?.message).toMatch(/certificate verify failed/);
      expect(noHostCheck.errors[0]?.message).not.toMatch(/host-name/);
    });

    it('configFromEnv: base64 KAFKA_CA_CERT / KAFKA_CLIENT_CERT / KAFKA_CLIENT_KEY complete mutual TLS without key material on disk', async () => {
      const before = new Set(readdirSync(tmpdir()));
      const started = Date.now();
      const b64 = (s: string): string => Buffer.from(s).toString('base64');
      const config = configFromEnv({
        KAFKA_BOOTSTRAP_SERVERS: 'localhost:1',
        KAFKA_CA_CERT: b64(pki.pem.ca),
        KAFKA_CLIENT_CERT: b64(pki.pem.client),
        KAFKA_CLIENT_KEY: b64(pki.pem.clientKey),
      });
      expect(config['security.protocol']).toBe('SSL');
      // Everything inline: nothing for librdkafka to read from a file.
      expect(Object.keys(config).filter((k) => k.endsWith('.location'))).toEqual([]);
      const { 'bootstrap.servers': _bootstrap, ...security } = config;
      const r = await attempt(pki, 'server', security);
      expect(r.errors).toEqual([]);
      expect(r.handshakes[0]).toEqual({ clientCn: CLIENT_CN, clientAuthorized: true });
      // No file in the temporary directory appeared with the private key in it.
      const keyBody = pki.pem.clientKey.split('\n')[1]!;
      const written = readdirSync(tmpdir())
        .filter((name) => !before.has(name))
        .map((name) => join(tmpdir(), name))
        .filter((path) => {
          const s = statSync(path, { throwIfNoEntry: false });
          return s?.isFile() && s.mtimeMs >= started - 1000 && s.size < 1 << 20;
        })
        .filter((path) => readFileSync(path, 'utf8').includes(keyBody));
      expect(written).toEqual([]);
    });

    /** Driver.connect() configured by the environment alone (the test's KAFKA_* variables only). */
    async function driverOverTls(): Promise<void> {
      const broker = await startFakeBroker(pki, 'server');
      const vars = {
        KAFKA_BOOTSTRAP_SERVERS: `127.0.0.1:${broker.port}`,
        KAFKA_CA_CERT: Buffer.from(pki.pem.ca).toString('base64'),
      };
      let driver: Driver | undefined;
      try {
        // The driver takes the bootstrap servers from the environment: it must take the
        // security settings from there too, not connect in plaintext.
        driver = await withKafkaEnv(vars, () => Driver.connect({}));
        expect(driver.kafkaConfig['security.protocol']).toBe('SSL');
        expect(driver.kafkaConfig['sasl.mechanisms']).toBeUndefined();
        // The driver's configuration prints redacted (librdkafka counts ssl.ca.pem as sensitive).
        expect(JSON.stringify(driver.kafkaConfig)).not.toContain(pki.pem.ca.split('\n')[1]!);
        await until('a TLS handshake', () => broker.handshakes.length > 0 || broker.failures.length > 0);
        expect(broker.failures).toEqual([]);
        expect(broker.handshakes.length).toBeGreaterThan(0);
      } finally {
        await driver?.close();
        await broker.close();
      }
    }

    it('Driver.connect() with KAFKA_BOOTSTRAP_SERVERS and KAFKA_CA_CERT in the environment connects over TLS', async () => {
      await driverOverTls();
    });

    it('the same, hermetic: KAFKA_SASL_* and KAFKA_SECURITY_PROTOCOL of the caller\'s environment do not leak into it', async () => {
      const caller = {
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'someone',
        KAFKA_SASL_PASSWORD: 'their-password',
      };
      const before = Object.fromEntries(Object.keys(caller).map((k) => [k, process.env[k]]));
      Object.assign(process.env, caller);
      try {
        await driverOverTls();
        // The caller's variables are back as they were.
        for (const [k, v] of Object.entries(caller)) expect(process.env[k]).toBe(v);
      } finally {
        for (const [k, v] of Object.entries(before)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    });

    it('a failed handshake fails the calls in flight and the next ones with the _SSL error, at once', async () => {
      const broker = await startFakeBroker(pki, 'untrusted');
      const admin = new KafkaAdmin(clientConfig(broker.port, { 'ssl.ca.pem': pki.pem.ca }));
      const producer = new KafkaProducer(clientConfig(broker.port, { 'ssl.ca.pem': pki.pem.ca }));
      const errors: KafkaError[] = [];
      admin.on('error', (e) => errors.push(e));
      producer.on('error', () => undefined);
      const started = Date.now();
      try {
        const [call, send] = await Promise.allSettled([admin.describeCluster({ timeoutMs: 30_000 }), producer.send({ topic: 't', value: 'v' })]);
        const elapsed = Date.now() - started;
        for (const r of [call, send]) {
          expect(r.status).toBe('rejected');
          const e = (r as PromiseRejectedResult).reason as KafkaError;
          expect(e).toBeInstanceOf(KafkaError);
          expect(e.code).toBe(ErrorCode.SSL);
          expect(e.message).toMatch(/certificate verify failed: broker certificate could not be verified/);
        }
        expect(elapsed).toBeLessThan(5_000);
        expect((call as PromiseRejectedResult).reason.cause).toBe(errors.find((e) => e.code === ErrorCode.SSL));
        expect(producer.pendingCount).toBe(0);
        const t = Date.now();
        await expect(admin.listTopics({ timeoutMs: 30_000 })).rejects.toMatchObject({ code: ErrorCode.SSL });
        expect(Date.now() - t).toBeLessThan(1_000);
      } finally {
        await producer.close({ timeoutMs: 0 });
        await admin.close();
        await broker.close();
      }
    });

    it('PLAINTEXT spoken to a TLS port: an error event saying TLS is likely expected, and calls fail with it promptly', async () => {
      const broker = await startFakeBroker(pki, 'server');
      const admin = new KafkaAdmin({ 'bootstrap.servers': `127.0.0.1:${broker.port}`, 'reconnect.backoff.ms': 100, 'reconnect.backoff.max.ms': 500 });
      const errors: Array<{ at: number; error: KafkaError }> = [];
      const started = Date.now();
      admin.on('error', (error) => errors.push({ at: Date.now() - started, error }));
      try {
        const call = await admin.describeCluster({ timeoutMs: 30_000 }).then(
          () => undefined,
          (e: unknown) => e as KafkaError,
        );
        expect(call).toBeInstanceOf(KafkaError);
        expect(call!.message).toMatch(/most likely expects TLS \(an SSL or SASL_SSL listener\) while `security\.protocol` is PLAINTEXT/);
        expect(Date.now() - started).toBeLessThan(5_000);
        const event = errors.find((e) => /most likely expects TLS/.test(e.error.message));
        expect(event, errors.map((e) => e.error.message).join(' | ')).toBeDefined();
        expect(event!.at).toBeLessThan(5_000);
        expect(event!.error.isRetriable).toBe(false);
        expect(call!.cause).toBe(event!.error);
        // The TLS server saw handshakes that failed (the Kafka request read as one).
        expect(broker.failures.length).toBeGreaterThan(0);
      } finally {
        await admin.close();
        await broker.close();
      }
    });

    it('a plaintext server that closes idle connections late is not taken for a TLS port', async () => {
      // Accepts, reads the request, and closes only after 1.5 s: not the at-once close of a TLS listener.
      const sockets = new Set<import('node:net').Socket>();
      const server = createTcpServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
        const timer = setTimeout(() => socket.destroy(), 1_500);
        socket.on('close', () => {
          clearTimeout(timer);
          sockets.delete(socket);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      const admin = new KafkaAdmin({ 'bootstrap.servers': `127.0.0.1:${port}`, 'reconnect.backoff.ms': 100, 'reconnect.backoff.max.ms': 200, 'socket.timeout.ms': 10_000 });
      const logs: LogEntry[] = [];
      const errors: KafkaError[] = [];
      admin.on('log', (l) => logs.push(l));
      admin.on('error', (e) => errors.push(e));
      try {
        await expect(admin.describeCluster({ timeoutMs: 5_000 })).rejects.toBeInstanceOf(KafkaError);
        // Several late closes happened, and none was called a protocol mismatch.
        expect(logs.filter((l) => /connection closed by peer/.test(l.message)).length).toBeGreaterThanOrEqual(2);
        expect(errors.filter((e) => /expects TLS/.test(e.message))).toEqual([]);
      } finally {
        await admin.close();
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }, 20_000);

    it('swapped certificate and key files are ConfigErrors naming each file property', () => {
      const keyIsCert = creationError(clientConfig(1, { 'ssl.certificate.location': pki.path('client'), 'ssl.key.location': pki.path('client') }));
      expect(keyIsCert.property).toBe('ssl.key.location');
      expect(keyIsCert.message).toMatch(/does not contain a PEM private key/);
      const certIsKey = creationError(clientConfig(1, { 'ssl.certificate.location': pki.path('clientKey'), 'ssl.key.location': pki.path('clientKey') }));
      expect(certIsKey.property).toBe('ssl.certificate.location');
      expect(certIsKey.message).toMatch(/does not contain a PEM certificate/);
      // The file holds a private key: nothing of it may be echoed.
      expect(certIsKey.message).not.toContain(pki.pem.clientKey.split('\n')[1]!);
    });

    it('a wrong ssl.key.password is a ConfigError at creation naming ssl.key.password, without the password', () => {
      const wrong = 'not-the-password-1234';
      const error = creationError(
        clientConfig(1, { 'ssl.ca.pem': pki.pem.ca, 'ssl.certificate.location': pki.path('client'), 'ssl.key.location': pki.path('clientKeyEncrypted'), 'ssl.key.password': wrong }),
      );
      expect(error.property).toBe('ssl.key.password');
      expect(error.message).toMatch(/does not decrypt the private key in `ssl\.key\.location`/);
      expect(error.message).not.toContain(wrong);
      expect(error.message).not.toContain(KEY_PASSWORD);
    });

    it('an encrypted key without ssl.key.password is a ConfigError asking for it', () => {
      const error = creationError(clientConfig(1, { 'ssl.certificate.pem': pki.pem.client, 'ssl.key.pem': pki.pem.clientKeyEncrypted }));
      expect(error.property).toBe('ssl.key.password');
      expect(error.message).toMatch(/is required: the private key in `ssl\.key\.pem` is encrypted/);
    });

    it('a key that does not belong to the certificate is a ConfigError naming the key', () => {
      const error = creationError(clientConfig(1, { 'ssl.certificate.pem': pki.pem.client, 'ssl.key.pem': pki.pem.serverKey }));
      expect(error.property).toBe('ssl.key.pem');
      expect(error.message).toMatch(/does not match the certificate in `ssl\.certificate\.pem`/);
      expect(error.message).not.toContain(pki.pem.serverKey.split('\n')[1]!);
    });
  },
);

describe('one typed TLS error whichever way librdkafka reports it', () => {
  const full =
    'ssl://b:9093/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: broker certificate could not be verified, ' +
    'verify that ssl.ca.location is correctly configured or root CA certificates are installed (install ca-certificates package) (after 8ms in state SSL_HANDSHAKE)';

  it('_TRANSPORT with OpenSSL\'s bare "certificate verify failed" becomes the _SSL error, worded as librdkafka words it', () => {
    const bare = normalizeTlsError(ErrorCode.TRANSPORT, 'ssl://b:9093/bootstrap: error:0A000086:SSL routines::certificate verify failed (after 8ms in state SSL_HANDSHAKE)');
    expect(bare).toEqual({ code: ErrorCode.SSL, message: full });
    // The _SSL route is left as it is.
    expect(normalizeTlsError(ErrorCode.SSL, full)).toEqual({ code: ErrorCode.SSL, message: full });
  });

  it('a broker alert rejecting the client certificate is _SSL and asks for one', () => {
    const r = normalizeTlsError(ErrorCode.TRANSPORT, 'ssl://b:9093/bootstrap: Receive failed: error:0A000412:SSL routines::sslv3 alert bad certificate: SSL alert number 42 (after 0ms in state APIVERSION_QUERY)');
    expect(r.code).toBe(ErrorCode.SSL);
    expect(r.message).toMatch(/alert bad certificate.*requires a client certificate \(mutual TLS\).*ssl\.certificate\.location/);
  });

  it('other transport errors are left as they are', () => {
    const refused = 'b:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed: Connection refused (after 0ms in state CONNECT)';
    expect(normalizeTlsError(ErrorCode.TRANSPORT, refused)).toEqual({ code: ErrorCode.TRANSPORT, message: refused });
    expect(normalizeTlsError(ErrorCode.AUTHENTICATION, 'x')).toEqual({ code: ErrorCode.AUTHENTICATION, message: 'x' });
  });
});
