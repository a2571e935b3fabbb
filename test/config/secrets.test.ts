import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  REDACTED,
  Secret,
  SecretString,
  collectSecrets,
  isSecretProperty,
  redactConfig,
  redactText,
  reveal,
  withRedactedDisplay,
} from '../../lib/config/secrets';
import { createMskIamTokenProvider } from '../../lib/auth';
import { resolveProperty } from '../../lib/config/config-names';
import { PROPERTIES } from '../../lib/config/config-properties';
import * as octokafka from '../../lib/index';

const PASSWORD = 'hunter2-correct-horse';

describe('isSecretProperty', () => {
  it('is the one matcher: the package exports it and no other', () => {
    expect(octokafka.isSecretProperty).toBe(isSecretProperty);
    expect('isSensitive' in octokafka).toBe(false);
  });

  it('follows librdkafka\'s table for every property it knows, aliases included', () => {
    for (const { name } of PROPERTIES) {
      const { entry, target } = resolveProperty(name)!;
      expect(isSecretProperty(name), name).toBe(entry.sensitive === true || target.sensitive === true);
    }
    // A certificate is public; keys, their passwords and the SASL/OAUTHBEARER credentials are not.
    expect(isSecretProperty('ssl.certificate.pem')).toBe(false);
    for (const name of ['ssl.key.pem', 'ssl.key.password', 'ssl.keystore.password', 'sasl.password', 'sasl.oauthbearer.client.secret', 'sasl.oauthbearer.config']) {
      expect(isSecretProperty(name), name).toBe(true);
    }
  });

  it('judges names librdkafka does not know by their wording', () => {
    for (const name of ['apiKey', 'KAFKA_CLIENT_KEY', 'ssl.truststore.password', 'sasl.jaas.config', 'refreshTokenUrl.secret']) {
      expect(isSecretProperty(name), name).toBe(true);
    }
  });

  it('covers every property librdkafka marks _RK_SENSITIVE', () => {
    for (const name of [
      'ssl.key.location',
      'ssl.key.password',
      'ssl.key.pem',
      'ssl_key',
      'ssl.ca.pem',
      'ssl.keystore.password',
      'sasl.username',
      'sasl.password',
      'sasl.oauthbearer.config',
      'sasl.oauthbearer.client.secret',
      'sasl.oauthbearer.assertion.private.key.file',
      'sasl.oauthbearer.assertion.private.key.passphrase',
      'sasl.oauthbearer.assertion.private.key.pem',
    ]) {
      expect(isSecretProperty(name), name).toBe(true);
    }
  });

  it('covers AWS credentials, OAuth tokens and environment variable names', () => {
    for (const name of [
      'secretAccessKey',
      'sessionToken',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'token',
      'accessToken',
      'refresh_token',
      'clientSecret',
      'password',
      'KAFKA_SASL_PASSWORD',
      'KAFKA_CLIENT_KEY',
      'privateKey',
      'ssl.truststore.password',
      'SASL.PASSWORD',
    ]) {
      expect(isSecretProperty(name), name).toBe(true);
    }
  });

  it('leaves ordinary properties alone', () => {
    for (const name of [
      'bootstrap.servers',
      'client.id',
      'security.protocol',
      'sasl.mechanisms',
      'ssl.certificate.pem',
      'ssl.ca.location',
      'sasl.oauthbearer.token.endpoint.url',
      'accessKeyId',
      'principal',
      'lifetimeMs',
      'region',
      'KAFKA_CA_CERT',
      'message.key',
    ]) {
      expect(isSecretProperty(name), name).toBe(false);
    }
  });
});

describe('Secret', () => {
  const secret = new SecretString(PASSWORD);

  it('never prints its value', () => {
    for (const shown of [
      String(secret),
      `${secret}`,
      'x' + secret,
      JSON.stringify(secret),
      JSON.stringify({ password: secret }),
      inspect(secret),
      inspect({ nested: { deep: secret } }, { depth: 10, showHidden: true }),
      format('%s %o %O %j', secret, secret, secret, secret),
    ]) {
      expect(shown).not.toContain(PASSWORD);
      expect(shown).toContain(REDACTED);
    }
    expect(Object.keys(secret)).toEqual([]);
    expect({ ...secret }).toEqual({});
  });

  it('reveals its value on request', () => {
    expect(secret.reveal()).toBe(PASSWORD);
    expect(reveal(secret)).toBe(PASSWORD);
    expect(reveal('plain')).toBe('plain');
    const buf = new Secret(Buffer.from('key'));
    expect(buf.reveal().toString()).toBe('key');
    expect(inspect(buf)).toBe(REDACTED);
  });

  it('does not leak through error messages built from it', () => {
    const e = new Error(`login failed for password ${secret}`);
    expect(e.message).toBe('login failed for password [redacted]');
    expect(inspect(e)).not.toContain(PASSWORD);
  });
});

describe('redactConfig', () => {
  it('deep-copies with secrets replaced', () => {
    const provider = async () => ({ token: 't', lifetimeMs: 1, principal: 'p' });
    const config = {
      'bootstrap.servers': 'b:9092',
      'sasl.password': PASSWORD,
      'ssl.key.pem': '-----BEGIN PRIVATE KEY-----',
      aws_msk_iam: {
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET-KEY', sessionToken: new SecretString('SESSION') },
      },
      oauthbearer: provider,
      list: [{ password: PASSWORD }, new SecretString(PASSWORD), 'keep'],
      empty: { password: undefined },
    };
    const copy = redactConfig(config);
    expect(copy).toEqual({
      'bootstrap.servers': 'b:9092',
      'sasl.password': REDACTED,
      'ssl.key.pem': REDACTED,
      aws_msk_iam: { region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: REDACTED, sessionToken: REDACTED } },
      oauthbearer: provider,
      list: [{ password: REDACTED }, REDACTED, 'keep'],
      empty: { password: undefined },
    });
    expect(config['sasl.password']).toBe(PASSWORD); // the original is untouched
    expect(copy.aws_msk_iam).not.toBe(config.aws_msk_iam);
  });

  it('copes with cycles', () => {
    const config: Record<string, unknown> = { password: PASSWORD };
    config.self = config;
    const copy = redactConfig(config) as Record<string, unknown>;
    expect(copy.password).toBe(REDACTED);
    expect(copy.self).toBe(copy);
  });
});

describe('collectSecrets and redactText', () => {
  it('collects every secret value in a config', () => {
    const secrets = collectSecrets({
      'sasl.password': PASSWORD,
      'client.id': 'svc',
      credentials: { secretAccessKey: 'SECRET-KEY', sessionToken: new SecretString('SESSION') },
      token: { nested: 'inside-a-secret-key' },
    });
    expect(secrets.sort()).toEqual(['SECRET-KEY', 'SESSION', PASSWORD, 'inside-a-secret-key'].sort());
  });

  it('scrubs known secrets from log, error and statistics text', () => {
    const log = `SASL auth for alice with ${PASSWORD} failed; token=a+b/c= (url a%2Bb%2Fc%3D)`;
    expect(redactText(log, [PASSWORD, new SecretString('a+b/c='), undefined, null, ''])).toBe(
      'SASL auth for alice with [redacted] failed; token=[redacted] (url [redacted])',
    );
    const stats = JSON.stringify({ name: 'rdkafka#producer-1', client_id: PASSWORD });
    expect(redactText(stats, [PASSWORD])).not.toContain(PASSWORD);
    expect(redactText('abcabc', ['abc', 'abcabc'])).toBe(REDACTED); // longest first
    expect(redactText('a.b*c', ['.', '*'])).toBe('a[redacted]b[redacted]c'); // regex metacharacters are literal
    expect(redactText('nothing here', [])).toBe('nothing here');
  });
});

describe('withRedactedDisplay', () => {
  it('redacts inspect and JSON while enumeration sees real values', () => {
    const config = withRedactedDisplay({ 'sasl.username': 'alice', 'sasl.password': PASSWORD, 'client.id': 'svc' });
    expect(inspect(config)).not.toContain(PASSWORD);
    expect(inspect(config)).toContain("'client.id': 'svc'");
    expect(JSON.stringify(config)).toBe(JSON.stringify({ 'sasl.username': REDACTED, 'sasl.password': REDACTED, 'client.id': 'svc' }));
    expect(Object.entries(config)).toEqual([
      ['sasl.username', 'alice'],
      ['sasl.password', PASSWORD],
      ['client.id', 'svc'],
    ]);
    expect(format('%o', config)).not.toContain(PASSWORD);
  });
});

describe('secrets in MSK IAM configuration', () => {
  it('options holding credentials print redacted, and signing still works', async () => {
    const options = {
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: new SecretString(PASSWORD), sessionToken: new SecretString('SESSION+TOKEN') },
      now: () => Date.UTC(2024, 0, 1),
    };
    for (const shown of [inspect(options, { depth: 5 }), JSON.stringify(options), format('%o', options)]) {
      expect(shown).not.toContain(PASSWORD);
      expect(shown).not.toContain('SESSION+TOKEN');
    }
    const plain = { region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: PASSWORD, sessionToken: 'S' } };
    expect(JSON.stringify(redactConfig(plain))).not.toContain(PASSWORD);
    const { token } = await createMskIamTokenProvider(options)();
    const url = Buffer.from(token, 'base64url').toString();
    expect(url).toContain('X-Amz-Security-Token=SESSION%2BTOKEN');
    expect(url).not.toContain(PASSWORD);
    expect(redactText(url, collectSecrets(options))).not.toContain('SESSION');
  });
});

describe('secrets in client output', () => {
  it('never appear in log lines, even with every debug context on', async () => {
    const { KafkaProducer } = await import('../../lib/client/producer');
    const password = 'pw-7f3c9a1e-do-not-print';
    const logs: string[] = [];
    const errors: string[] = [];
    const producer = new KafkaProducer({
      'bootstrap.servers': '127.0.0.1:1',
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanisms': 'PLAIN',
      'sasl.username': 'svc',
      'sasl.password': password,
      debug: 'all',
    });
    producer.on('log', (l) => logs.push(l.message));
    producer.on('error', (e) => errors.push(e.message));
    await new Promise((r) => setTimeout(r, 500));
    await producer.close({ timeoutMs: 0 });
    expect(logs.length).toBeGreaterThan(10);
    for (const line of [...logs, ...errors]) expect(line).not.toContain(password);
  });

  it('are replaced in log, error and statistics text that carries them', async () => {
    const { KafkaProducer } = await import('../../lib/client/producer');
    const password = 'pw-1b2c3d4e-secret';
    const producer = new KafkaProducer({
      'bootstrap.servers': '127.0.0.1:1',
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanisms': 'PLAIN',
      'sasl.username': 'svc',
      'sasl.password': password,
    });
    const seen: string[] = [];
    producer.on('log', (l) => seen.push(l.message));
    producer.on('error', (e) => seen.push(e.message));
    producer.on('stats', (st) => seen.push(JSON.stringify(st)));
    // What librdkafka would hand over if a line ever quoted the secret.
    const handle = (producer as unknown as { handleCommonEvent(e: object): boolean }).handleCommonEvent.bind(producer);
    handle({ type: 'log', at: 0, level: 6, facility: 'TEST', message: `auth with ${password} failed` });
    handle({ type: 'error', at: 0, error: { code: -169, name: '_AUTHENTICATION', message: `bad password ${password}` } });
    handle({ type: 'stats', at: 0, json: JSON.stringify({ note: password }) });
    await producer.close({ timeoutMs: 0 });
    // Real connection errors may arrive too; the three injected texts come back redacted.
    expect(seen.filter((t) => t.includes('[redacted]'))).toHaveLength(3);
    for (const text of seen) expect(text).not.toContain(password);
  });
});
