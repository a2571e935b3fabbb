/**
 * Integration tests against a real secured cluster (TLS, SASL PLAIN/SCRAM, AWS MSK IAM).
 * The MockCluster has no TLS or SASL listeners, so these run only when the environment names
 * a secured cluster; the configuration comes from it through configFromEnv(), as an
 * application's would:
 *
 *   KAFKA_BOOTSTRAP_SERVERS=broker:9093 KAFKA_SECURITY_PROTOCOL=SASL_SSL \
 *   KAFKA_SASL_MECHANISM=SCRAM-SHA-512 KAFKA_SASL_USERNAME=… KAFKA_SASL_PASSWORD=… \
 *   KAFKA_CA_CERT="$(base64 -w0 ca.pem)" npx vitest run test/auth/secured-cluster.test.ts
 *
 * For AWS MSK IAM: KAFKA_BOOTSTRAP_SERVERS=<the IAM bootstrap, port 9098> and
 * KAFKA_AWS_MSK_IAM_REGION=<region>, with AWS credentials in the default chain.
 *
 * The test broker (`npm run kafka -- start`) has one secured listener per protocol; it names a
 * JSON file in OCTOKAFKA_TEST_SECURED_PROFILES whose entries are each a set of the same KAFKA_*
 * variables (mTLS, SASL_SSL with PLAIN / SCRAM-SHA-256 / SCRAM-SHA-512, SASL_PLAINTEXT with
 * OAUTHBEARER, and a user without ACLs). The suite below runs once per entry, its variables
 * standing in for the process environment; KAFKA_BOOTSTRAP_SERVERS then names the broker's
 * PLAINTEXT listener, for the rest of the tests.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { configFromEnv } from '../../lib/config/env-config';
import {
  Driver,
  ErrorCode,
  KafkaAdmin,
  KafkaConsumer,
  KafkaError,
  KafkaProducer,
  type ClientConfig,
  type ClientOptions,
  type KafkaConfig,
  type LogEntry,
} from '../../lib/index';
import { unique } from '../helpers';

type Vars = Record<string, string | undefined>;

const SECURITY_VARS = /^(KAFKA_SECURITY_PROTOCOL|KAFKA_SASL_.+|KAFKA_SSL_.+|KAFKA_CA_CERT|KAFKA_CLIENT_CERT|KAFKA_CLIENT_KEY|KAFKA_AWS_MSK_IAM_REGION)$/;

const NEEDS =
  'needs a secured cluster: set KAFKA_BOOTSTRAP_SERVERS and KAFKA_SECURITY_PROTOCOL ' +
  '(with KAFKA_SASL_MECHANISM/KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD, KAFKA_CA_CERT/KAFKA_CLIENT_CERT/KAFKA_CLIENT_KEY or KAFKA_SSL_*), ' +
  'or KAFKA_AWS_MSK_IAM_REGION for MSK IAM; or start the test broker (npm run kafka -- start) and set its OCTOKAFKA_TEST_SECURED_PROFILES';

/** An unsigned JWS (`alg: none`), which Kafka's unsecured OAUTHBEARER validator accepts. */
function unsecuredJws(principal: string, lifetimeMs: number): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Date.now() / 1000;
  return `${b64({ alg: 'none' })}.${b64({ sub: principal, iat: now, exp: now + lifetimeMs / 1000 })}.`;
}

/** Runs `fn` with `vars` in process.env in place of every KAFKA_* variable (restored after). */
async function withEnv<T>(vars: Vars, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('KAFKA_')));
  for (const k of Object.keys(saved)) delete process.env[k];
  for (const [k, v] of Object.entries(vars)) if (k.startsWith('KAFKA_') && v !== undefined) process.env[k] = v;
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(process.env)) if (k.startsWith('KAFKA_')) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

/** Creates a topic, sends one message, reads it back from the beginning, deletes the topic. */
async function roundTrip(kafka: KafkaConfig, clientOptions: ClientOptions): Promise<void> {
  const topic = unique('secured');
  const value = `secured round trip ${randomBytes(8).toString('hex')}`;
  const admin = new KafkaAdmin(kafka, clientOptions);
  try {
    await admin.createTopics([{ topic, numPartitions: 1 }]);
    const producer = new KafkaProducer(kafka, clientOptions);
    const consumer = new KafkaConsumer({ ...kafka, 'group.id': unique('secured-group'), 'enable.auto.commit': false }, clientOptions);
    try {
      const report = await producer.send({ topic, key: 'k', value });
      expect(report.topic).toBe(topic);
      await consumer.assign([{ topic, partition: report.partition, offset: report.offset }]);
      const message = await consumer.consume({ timeoutMs: 30_000 });
      expect(message?.value?.toString()).toBe(value);
      expect(message?.key?.toString()).toBe('k');
      expect(message?.offset).toBe(report.offset);
    } finally {
      await consumer.close();
      await producer.close();
    }
  } finally {
    await admin.deleteTopics([topic]).catch(() => undefined);
    await admin.close();
  }
}

/**
 * The secured-cluster tests for one environment (`vars`: KAFKA_* variables). `oauthPrincipal`:
 * an OAUTHBEARER listener with Kafka's unsecured validator, whose tokens the tests make.
 */
function securedSuite(title: string, vars: Vars, oauthPrincipal?: string): void {
  const mskRegion = vars.KAFKA_AWS_MSK_IAM_REGION || undefined;
  const saslPassword = Boolean(vars.KAFKA_SASL_USERNAME && vars.KAFKA_SASL_PASSWORD);
  /** The environment's configuration, built once (a bad variable fails here, loudly). */
  const config: KafkaConfig = configFromEnv(vars as NodeJS.ProcessEnv);
  /** MSK IAM: tokens signed with the default AWS credential chain; OAUTHBEARER: unsecured tokens from a provider. */
  const options: ClientOptions = mskRegion
    ? { awsMskIam: { region: mskRegion } }
    : oauthPrincipal
      ? { oauthbearer: async () => ({ token: unsecuredJws(oauthPrincipal, 3_600_000), lifetimeMs: 3_600_000, principal: oauthPrincipal }) }
      : {};

  describe(title, () => {
    it('the environment gives a secured configuration', () => {
      const protocol = String(config['security.protocol'] ?? (mskRegion ? 'SASL_SSL' : 'PLAINTEXT')).toUpperCase();
      expect(protocol).not.toBe('PLAINTEXT');
    });

    it('admin describeCluster over the secured connection', async () => {
      const admin = new KafkaAdmin(config, options);
      try {
        const cluster = await admin.describeCluster({ timeoutMs: 30_000 });
        expect(cluster.brokers.length).toBeGreaterThan(0);
        for (const b of cluster.brokers) expect(b.port).toBeGreaterThan(0);
      } finally {
        await admin.close();
      }
    }, 60_000);

    it('produce → consume round-trip on a fresh topic', async () => {
      await roundTrip(config, options);
    }, 120_000);

    it.skipIf(!saslPassword)(
      saslPassword ? 'a wrong SASL password fails with a typed authentication error that never echoes the password' : 'wrong SASL password — skipped: set KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD',
      async () => {
        const wrong = `wrong-${randomBytes(9).toString('base64url')}`;
        const errors: KafkaError[] = [];
        const logs: LogEntry[] = [];
        const admin = new KafkaAdmin({ ...config, 'sasl.password': wrong, debug: 'security,broker' }, { repeatWindowMs: 0 });
        admin.on('error', (e) => errors.push(e));
        admin.on('log', (l) => logs.push(l));
        const started = Date.now();
        try {
          const call = admin.describeCluster({ timeoutMs: 15_000 });
          const callError = await call.then(
            () => undefined,
            (e: unknown) => e,
          );
          // The call cannot succeed without authentication, and fails with the refusal itself
          // as soon as the broker refused the login, not at its 15 s timeout.
          expect(callError).toBeInstanceOf(KafkaError);
          expect((callError as KafkaError).code).toBe(ErrorCode.AUTHENTICATION);
          expect(Date.now() - started).toBeLessThan(5_000);
          const deadline = started + 30_000;
          while (!errors.some((e) => e.code === ErrorCode.AUTHENTICATION) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
          const auth = errors.find((e) => e.code === ErrorCode.AUTHENTICATION);
          expect(auth, `errors seen: ${errors.map((e) => `${e.codeName}: ${e.message}`).join(' | ')}`).toBeDefined();
          expect(auth!.codeName).toBe('_AUTHENTICATION');
          expect(auth!.message).toMatch(/SASL authentication error/);
          const texts = [...errors.map((e) => e.message), ...logs.map((l) => l.message), (callError as Error).message];
          for (const text of texts) {
            expect(text).not.toContain(wrong);
            if (vars.KAFKA_SASL_PASSWORD) expect(text).not.toContain(vars.KAFKA_SASL_PASSWORD);
          }
        } finally {
          await admin.close();
        }
      },
      60_000,
    );

    it('the Driver configured by the same environment round-trips a topic event', async () => {
      // No bootstrap.servers in the kafka section: the driver takes the cluster and its security
      // settings from the environment. (An unsecured OAUTHBEARER listener: librdkafka's own unsecured tokens.)
      const kafka: ClientConfig | undefined = oauthPrincipal ? { 'enable.sasl.oauthbearer.unsecure.jwt': 'true', 'sasl.oauthbearer.config': `principal=${oauthPrincipal}` } : undefined;
      const driver = await withEnv(vars, () => Driver.connect(mskRegion ? { aws_msk_iam: { region: mskRegion } } : kafka ? { kafka } : {}));
      const name = unique('secured-topic');
      try {
        expect(driver.kafkaConfig['bootstrap.servers']).toBe(config['bootstrap.servers']);
        const topic = await driver.createTopic(name);
        const producer = topic.producer();
        const consumer = topic.consumer(unique('secured-group'));
        try {
          const id = await producer.push({ kind: 'secured' }, Buffer.from('payload'));
          const event = await consumer.pull({ timeoutMs: 30_000 });
          expect(event?.id).toBe(id);
          expect(event?.metadata).toEqual({ kind: 'secured' });
          expect(event?.dataBuffer.toString()).toBe('payload');
          await event!.acknowledge();
        } finally {
          await consumer.close();
          await producer.close();
        }
      } finally {
        await driver.deleteTopic(name).catch(() => undefined);
        await driver.close();
      }
    }, 120_000);

    it.skipIf(!mskRegion)(
      mskRegion ? 'an MSK IAM client (awsMskIam option, nothing else) round-trips' : 'MSK IAM round-trip — skipped: set KAFKA_AWS_MSK_IAM_REGION (and AWS credentials)',
      async () => {
        // The minimal MSK configuration: the bootstrap servers and the region; awsMskIam sets
        // SASL_SSL + OAUTHBEARER and signs the tokens.
        await roundTrip({ 'bootstrap.servers': vars.KAFKA_BOOTSTRAP_SERVERS! }, { awsMskIam: { region: mskRegion! } });
      },
      120_000,
    );
  });
}

const env = process.env;
const profilesFile = env.OCTOKAFKA_TEST_SECURED_PROFILES || undefined;
const profiles: Record<string, Vars> = profilesFile ? (JSON.parse(readFileSync(profilesFile, 'utf8')) as Record<string, Vars>) : {};
/** The process environment names a secured cluster itself (an application's setup). */
const securedEnv = Boolean(env.KAFKA_BOOTSTRAP_SERVERS) && Object.keys(env).some((k) => SECURITY_VARS.test(k) && Boolean(env[k]));

if (securedEnv) securedSuite('secured cluster (from the KAFKA_* environment)', env);
for (const [name, vars] of Object.entries(profiles)) {
  if (name.endsWith('-unauthorized')) continue;
  securedSuite(`secured listener ${name} (test broker)`, vars, vars.OAUTHBEARER_UNSECURED_PRINCIPAL);
}
// A user who authenticates but has no ACLs (the test broker's StandardAuthorizer): refusals are
// typed errors, and come at once rather than as timeouts. Topics are made through the
// PLAINTEXT listener (a super user there).
for (const [name, vars] of Object.entries(profiles)) {
  if (!name.endsWith('-unauthorized')) continue;
  describe(`authorization on the test broker (${name}: a user without ACLs)`, () => {
    const config: KafkaConfig = configFromEnv(vars as NodeJS.ProcessEnv);
    async function withTopic(fn: (topic: string) => Promise<void>): Promise<void> {
      const admin = new KafkaAdmin({ 'bootstrap.servers': env.KAFKA_BOOTSTRAP_SERVERS! });
      const topic = unique('denied');
      try {
        await admin.createTopics([{ topic, numPartitions: 1 }]);
        await fn(topic);
      } finally {
        await admin.deleteTopics([topic]).catch(() => undefined);
        await admin.close();
      }
    }

    it('produce is refused at once with a typed TOPIC_AUTHORIZATION_FAILED error', async () => {
      await withTopic(async (topic) => {
        const producer = new KafkaProducer(config);
        try {
          const started = Date.now();
          const error = await producer.send({ topic, value: 'not allowed' }, { timeoutMs: 20_000 }).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(KafkaError);
          expect((error as KafkaError).codeName).toBe('TOPIC_AUTHORIZATION_FAILED');
          expect((error as KafkaError).isRetriable).toBe(false);
          expect(Date.now() - started).toBeLessThan(10_000);
          expect((error as KafkaError).message).not.toContain(vars.KAFKA_SASL_PASSWORD!);
        } finally {
          await producer.close();
        }
      });
    }, 60_000);

    it('joining a consumer group is refused with a typed GROUP_AUTHORIZATION_FAILED error event', async () => {
      await withTopic(async (topic) => {
        const consumer = new KafkaConsumer({ ...config, 'group.id': unique('denied-group'), 'auto.offset.reset': 'earliest' });
        const errors: KafkaError[] = [];
        consumer.on('error', (e) => errors.push(e));
        try {
          const started = Date.now();
          await consumer.subscribe([topic]);
          while (!errors.some((e) => e.codeName === 'GROUP_AUTHORIZATION_FAILED') && Date.now() - started < 15_000) {
            expect(await consumer.consume({ timeoutMs: 200 })).toBeNull();
          }
          expect(errors.map((e) => e.codeName)).toContain('GROUP_AUTHORIZATION_FAILED');
          expect(Date.now() - started).toBeLessThan(15_000);
        } finally {
          await consumer.close();
        }
      });
    }, 60_000);
  });
}

if (!securedEnv && Object.keys(profiles).length === 0) {
  describe.skip(`secured cluster — skipped: ${NEEDS}`, () => securedSuite('from the KAFKA_* environment', {}));
}
