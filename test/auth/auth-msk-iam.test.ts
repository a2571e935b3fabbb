import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import { ConfigError, KafkaError } from '../../lib/util/errors';
import { SecretString } from '../../lib/config/secrets';
import { importOptionalPeer } from '../../lib/util/optional-peer';
import {
  DEFAULT_MSK_IAM_USER_AGENT,
  TokenRefresher,
  createMskIamTokenProvider,
  mskIamConfig,
  type RefreshClock,
} from '../../lib/auth';

// AWS's documentation example credentials: not real.
const ACCESS_KEY_ID = 'AKIDEXAMPLE';
const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
// Base64-like, with + / = so URL escaping is exercised.
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLE+/token/with+plus==';
const REGION = 'eu-west-1';
const SIGNING_TIME = Date.UTC(2024, 2, 15, 12, 34, 56); // 2024-03-15T12:34:56Z
const AWS_SIGNER_USER_AGENT = 'aws-msk-iam-sasl-signer-js/1.0.3';

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** The token AWS's own signer produces for these credentials at SIGNING_TIME. */
async function awsSignerToken(creds: Creds): Promise<{ token: string; expiryTime: number }> {
  // The AWS signer reads the clock through Date; fake only Date, so promises run normally.
  vi.useFakeTimers({ now: SIGNING_TIME, toFake: ['Date'] });
  try {
    return await generateAuthTokenFromCredentialsProvider({ region: REGION, awsCredentialsProvider: async () => creds });
  } finally {
    vi.useRealTimers();
  }
}

function decode(token: string): URL {
  expect(token).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no padding
  return new URL(Buffer.from(token, 'base64url').toString('utf8'));
}

const rfc3986 = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');

/** SigV4 query-string signature recomputed from scratch with node:crypto. */
function expectedSignature(url: URL, secretAccessKey: string, region: string): string {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature' && k !== 'User-Agent');
  const canonicalQuery = params
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${url.host}`, '', 'host', sha256Hex('')].join('\n');
  const amzDate = url.searchParams.get('X-Amz-Date') ?? '';
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/kafka-cluster/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${secretAccessKey}`, day);
  const kSigning = hmac(hmac(hmac(kDate, region), 'kafka-cluster'), 'aws4_request');
  return createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
}

function expectFields(url: URL, creds: Creds, userAgent: string, expires = '900'): void {
  expect(url.protocol).toBe('https:');
  expect(url.host).toBe(`kafka.${REGION}.amazonaws.com`);
  expect(url.pathname).toBe('/');
  const q = url.searchParams;
  expect(q.get('Action')).toBe('kafka-cluster:Connect');
  expect(url.search).toContain('Action=kafka-cluster%3AConnect');
  expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
  expect(q.get('X-Amz-Credential')).toBe(`${creds.accessKeyId}/20240315/${REGION}/kafka-cluster/aws4_request`);
  expect(q.get('X-Amz-Date')).toBe('20240315T123456Z');
  expect(q.get('X-Amz-Expires')).toBe(expires);
  expect(q.get('X-Amz-SignedHeaders')).toBe('host');
  expect(q.get('X-Amz-Security-Token')).toBe(creds.sessionToken ?? null);
  expect(q.get('User-Agent')).toBe(userAgent);
  expect(q.get('X-Amz-Signature')).toBe(expectedSignature(url, creds.secretAccessKey, REGION));
}

describe('MSK IAM token', () => {
  it('equals the token of AWS’s signer (static credentials)', async () => {
    const creds = { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY };
    const provider = createMskIamTokenProvider({
      region: REGION,
      credentials: creds,
      userAgent: AWS_SIGNER_USER_AGENT,
      now: () => SIGNING_TIME,
    });
    const ours = await provider();
    const theirs = await awsSignerToken(creds);
    expect(ours.token).toBe(theirs.token);
    expect(ours.expiresAtMs).toBe(theirs.expiryTime);
    expect(ours.expiresAtMs).toBe(SIGNING_TIME + 900_000);
    expect(ours.lifetimeMs).toBe(900_000);
    expect(ours.principal).toBe(ACCESS_KEY_ID);
    expectFields(decode(ours.token), creds, AWS_SIGNER_USER_AGENT);
  });

  it('equals the token of AWS’s signer with a session token (signed as X-Amz-Security-Token)', async () => {
    const creds = { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, sessionToken: SESSION_TOKEN };
    const provider = createMskIamTokenProvider({
      region: REGION,
      credentials: async () => creds,
      userAgent: AWS_SIGNER_USER_AGENT,
      now: () => SIGNING_TIME,
    });
    const ours = await provider();
    expect(ours.token).toBe((await awsSignerToken(creds)).token);
    expectFields(decode(ours.token), creds, AWS_SIGNER_USER_AGENT);
  });

  it('matches AWS’s signer when the credentials expire within 15 minutes (token lives no longer)', async () => {
    const creds = {
      accessKeyId: ACCESS_KEY_ID,
      secretAccessKey: SECRET_ACCESS_KEY,
      sessionToken: SESSION_TOKEN,
      expiration: new Date(SIGNING_TIME + 300_000),
    };
    const provider = createMskIamTokenProvider({
      region: REGION,
      credentials: async () => creds,
      userAgent: AWS_SIGNER_USER_AGENT,
      now: () => SIGNING_TIME,
    });
    const ours = await provider();
    const theirs = await awsSignerToken(creds);
    expect(ours.token).toBe(theirs.token);
    expect(ours.expiresAtMs).toBe(theirs.expiryTime);
    expect(ours.lifetimeMs).toBe(300_000);
    expectFields(decode(ours.token), creds, AWS_SIGNER_USER_AGENT, '300');
  });

  it('uses octokafka as the default User-Agent and accepts Secret-wrapped credentials', async () => {
    const provider = createMskIamTokenProvider({
      region: REGION,
      credentials: {
        accessKeyId: ACCESS_KEY_ID,
        secretAccessKey: new SecretString(SECRET_ACCESS_KEY),
        sessionToken: new SecretString(SESSION_TOKEN),
      },
      now: () => SIGNING_TIME,
    });
    const url = decode((await provider()).token);
    expect(DEFAULT_MSK_IAM_USER_AGENT).toBe('octokafka');
    expectFields(
      url,
      { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, sessionToken: SESSION_TOKEN },
      'octokafka',
    );
  });

  it('counts the lifetime from the signing second, like X-Amz-Date', async () => {
    let now = SIGNING_TIME + 789;
    const provider = createMskIamTokenProvider({
      region: REGION,
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
      now: () => now,
    });
    const first = await provider();
    expect(first.expiresAtMs).toBe(SIGNING_TIME + 900_000);
    expect(first.lifetimeMs).toBe(900_000 - 789);
    expect((await provider()).token).toBe(first.token); // same second, same token
    now += 1_000;
    const second = await provider();
    expect(second.token).not.toBe(first.token);
    expect(second.expiresAtMs).toBe(SIGNING_TIME + 901_000);
  });

  it('rejects expired credentials with an authentication error', async () => {
    const provider = createMskIamTokenProvider({
      region: REGION,
      credentials: async () => ({
        accessKeyId: ACCESS_KEY_ID,
        secretAccessKey: SECRET_ACCESS_KEY,
        expiration: new Date(SIGNING_TIME - 1),
      }),
      now: () => SIGNING_TIME,
    });
    const error = await provider().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KafkaError);
    expect((error as KafkaError).codeName).toBe('_AUTHENTICATION');
    expect((error as KafkaError).message).toMatch(/expired/);
  });

  it('feeds a TokenRefresher: token set at once, refreshed before expiry', async () => {
    let now = SIGNING_TIME;
    const timers: { at: number; fn: () => void }[] = [];
    const clock: RefreshClock = {
      now: () => now,
      setTimeout: (fn, ms) => {
        const t = { at: now + ms, fn };
        timers.push(t);
        return t;
      },
      clearTimeout: (t) => timers.splice(timers.indexOf(t as (typeof timers)[number]) >>> 0, 1),
    };
    const set: { token: string; expiresAtMs: number; principal: string }[] = [];
    const provider = createMskIamTokenProvider({
      region: REGION,
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
      now: () => now,
    });
    const refresher = new TokenRefresher(
      provider,
      {
        setToken: (token, expiresAtMs, principal) => set.push({ token, expiresAtMs, principal }),
        setTokenFailure: (m) => {
          throw new Error(`unexpected failure ${m}`);
        },
      },
      { clock },
    );
    await refresher.onRefreshRequested();
    expect(set).toHaveLength(1);
    expect(set[0]).toMatchObject({ expiresAtMs: SIGNING_TIME + 900_000, principal: ACCESS_KEY_ID });
    expect(timers).toHaveLength(1);
    expect(timers[0]?.at).toBe(SIGNING_TIME + 810_000); // 90% of 900 s
    now = timers[0]!.at;
    timers.shift()!.fn();
    await vi.waitFor(() => expect(set).toHaveLength(2));
    expect(set[1]?.expiresAtMs).toBe(now + 900_000);
    refresher.close();
    expect(timers).toHaveLength(0);
  });
});

describe('MSK IAM credentials', () => {
  const saved = { ...process.env };
  let home: string | undefined;

  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    if (home) rmSync(home, { recursive: true, force: true });
    home = undefined;
  });

  /** No AWS_* variables, an empty HOME, and instance metadata disabled so nothing can hang. */
  function isolateAwsEnvironment(): void {
    for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
    home = mkdtempSync(join(tmpdir(), 'octokafka-aws-'));
    process.env.HOME = home;
    process.env.USERPROFILE = home;
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
  }

  it('missing credentials give a clear error listing the sources tried', async () => {
    isolateAwsEnvironment();
    const provider = createMskIamTokenProvider({ region: REGION });
    const started = Date.now();
    const error = await provider().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(KafkaError);
    const e = error as KafkaError;
    expect(e.codeName).toBe('_AUTHENTICATION');
    expect(e.message).toMatch(/^no AWS credentials for MSK IAM: tried the default AWS chain/);
    for (const source of ['AWS_ACCESS_KEY_ID', '~/.aws/credentials', 'SSO', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'ECS', 'EC2 instance metadata']) {
      expect(e.message).toContain(source);
    }
  }, 20_000);

  it('a missing profile names the profile and files', async () => {
    isolateAwsEnvironment();
    const provider = createMskIamTokenProvider({ region: REGION, profile: 'no-such-profile' });
    await expect(provider()).rejects.toThrow(/tried profile "no-such-profile" in the shared AWS files/);
  }, 20_000);

  it('finds credentials in the environment through the default chain', async () => {
    isolateAwsEnvironment();
    process.env.AWS_ACCESS_KEY_ID = ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = SECRET_ACCESS_KEY;
    process.env.AWS_SESSION_TOKEN = SESSION_TOKEN;
    const provider = createMskIamTokenProvider({ region: REGION, userAgent: AWS_SIGNER_USER_AGENT, now: () => SIGNING_TIME });
    const ours = await provider();
    const creds = { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, sessionToken: SESSION_TOKEN };
    expect(ours.token).toBe((await awsSignerToken(creds)).token);
  }, 20_000);

  it('a provider-function failure is wrapped, with known secrets scrubbed', async () => {
    const provider = createMskIamTokenProvider({
      region: REGION,
      credentials: async () => {
        throw new Error('vault said no');
      },
    });
    await expect(provider()).rejects.toThrow(/no AWS credentials for MSK IAM: tried the `credentials` provider function: vault said no/);
  });

  it('rejects bad configuration up front', () => {
    const creds = { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY };
    expect(() => createMskIamTokenProvider({ region: 'not a region' })).toThrow(ConfigError);
    expect(() => createMskIamTokenProvider({ region: 'evil.com/x-1' })).toThrow(/aws_msk_iam.region/);
    expect(() => createMskIamTokenProvider({ region: REGION, credentials: { ...creds, accessKeyId: '' } })).toThrow(
      /accessKeyId/,
    );
    expect(() => createMskIamTokenProvider({ region: REGION, credentials: { ...creds, secretAccessKey: '' } })).toThrow(
      /secretAccessKey/,
    );
    expect(() => createMskIamTokenProvider({ region: REGION, credentials: creds, profile: 'p' })).toThrow(/not both/);
    expect(() => createMskIamTokenProvider({ region: REGION, roleArn: 'role' })).toThrow(/roleArn/);
    expect(() =>
      createMskIamTokenProvider({ region: 'us-gov-west-1', roleArn: 'arn:aws-us-gov:iam::123456789012:role/path/msk' }),
    ).not.toThrow();
  });

  it('never shows the secret key in configuration errors', () => {
    try {
      createMskIamTokenProvider({
        region: REGION,
        credentials: { accessKeyId: '', secretAccessKey: SECRET_ACCESS_KEY, sessionToken: SESSION_TOKEN },
      });
      expect.unreachable();
    } catch (e) {
      expect(inspect(e)).not.toContain(SECRET_ACCESS_KEY);
      expect(inspect(e)).not.toContain(SESSION_TOKEN);
    }
  });
});

describe('optional AWS packages', () => {
  it('a missing package is a ConfigError naming the package to install', async () => {
    const missing = () => {
      // What Node's require throws for a package that is not installed.
      createRequire(__filename)('@aws-sdk/not-installed-for-sure');
      return Promise.resolve();
    };
    const error = await importOptionalPeer('@aws-sdk/not-installed-for-sure', 'aws_msk_iam', missing).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).property).toBe('aws_msk_iam');
    expect((error as Error).message).toContain('npm install @aws-sdk/not-installed-for-sure');
  });

  it('an ESM-style not-found error is recognised too; other load errors pass through', async () => {
    const esm = Object.assign(new Error("Cannot find package '@smithy/signature-v4'"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(importOptionalPeer('@smithy/signature-v4', 'aws_msk_iam', () => Promise.reject(esm))).rejects.toThrow(
      /npm install @smithy\/signature-v4/,
    );
    const broken = new SyntaxError('Unexpected token');
    await expect(importOptionalPeer('x', 'aws_msk_iam', () => Promise.reject(broken))).rejects.toBe(broken);
  });

  it('loads installed packages', async () => {
    const mod = await importOptionalPeer('@smithy/signature-v4', 'aws_msk_iam', () => import('@smithy/signature-v4'));
    expect(typeof mod.SignatureV4).toBe('function');
  });
});

describe('mskIamConfig', () => {
  it('implies SASL_SSL and OAUTHBEARER', () => {
    expect(mskIamConfig(REGION)).toEqual({ 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'OAUTHBEARER' });
    expect(mskIamConfig(REGION, { 'security.protocol': 'sasl_ssl', 'sasl.mechanism': 'oauthbearer' })).toEqual({
      'security.protocol': 'SASL_SSL',
      'sasl.mechanisms': 'OAUTHBEARER',
    });
  });

  it('rejects configuration that contradicts MSK IAM', () => {
    expect(() => mskIamConfig(REGION, { 'security.protocol': 'SSL' })).toThrow(/security.protocol.*SASL_SSL.*"SSL"/);
    expect(() => mskIamConfig(REGION, { 'sasl.mechanisms': 'SCRAM-SHA-512' })).toThrow(ConfigError);
    expect(() => mskIamConfig(REGION, { 'sasl.mechanism': 'PLAIN' })).toThrow(/sasl.mechanism/);
    expect(() => mskIamConfig(REGION, { 'sasl.oauthbearer.method': 'oidc' })).toThrow(/sasl.oauthbearer.method/);
    expect(() => mskIamConfig(REGION, { 'enable.sasl.oauthbearer.unsecure.jwt': true })).toThrow(/unsecure/);
    expect(() => mskIamConfig(REGION, { 'sasl.password': 'x' })).toThrow(/sasl.password/);
    expect(() => mskIamConfig('')).toThrow(/region/);
  });
});
