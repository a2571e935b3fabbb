import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../lib/config/env-config';
import { ConfigError } from '../../lib/util/errors';

// Structure is all configFromEnv checks; librdkafka parses the contents.
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0FGQUtFQ0VSVA==\n-----END CERTIFICATE-----\n';
const CERT_PEM = '-----BEGIN CERTIFICATE-----\nMIIBrjCCAVSgAwIBAgIUQ0xJRU5UQ0VSVA==\n-----END CERTIFICATE-----\n';
const KEY_PEM = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('configFromEnv', () => {
  it('maps the basic variables and leaves the protocol unset without security settings', () => {
    expect({ ...configFromEnv({ KAFKA_BOOTSTRAP_SERVERS: ' b1:9092, b2:9092 ,', KAFKA_CLIENT_ID: 'svc' }) }).toEqual({
      'bootstrap.servers': 'b1:9092,b2:9092',
      'client.id': 'svc',
    });
    expect({ ...configFromEnv({}) }).toEqual({});
  });

  it('reads process.env by default', () => {
    const saved = process.env.KAFKA_CLIENT_ID;
    process.env.KAFKA_CLIENT_ID = 'from-process-env';
    try {
      expect(configFromEnv()['client.id']).toBe('from-process-env');
    } finally {
      if (saved === undefined) delete process.env.KAFKA_CLIENT_ID;
      else process.env.KAFKA_CLIENT_ID = saved;
    }
  });

  it('decodes base64 PEMs into ssl.*.pem and infers SSL', () => {
    const config = configFromEnv({
      KAFKA_BOOTSTRAP_SERVERS: 'b:9093',
      KAFKA_CA_CERT: b64(CA_PEM),
      KAFKA_CLIENT_CERT: b64(CERT_PEM),
      KAFKA_CLIENT_KEY: b64(KEY_PEM),
    });
    expect({ ...config }).toEqual({
      'bootstrap.servers': 'b:9093',
      'ssl.ca.pem': CA_PEM,
      'ssl.certificate.pem': CERT_PEM,
      'ssl.key.pem': KEY_PEM,
      'security.protocol': 'SSL',
    });
  });

  it('accepts raw PEM text, base64 with line breaks, url-safe base64 and literal \\n escapes', () => {
    expect(configFromEnv({ KAFKA_CA_CERT: CA_PEM })['ssl.ca.pem']).toBe(CA_PEM);
    const wrapped = b64(CA_PEM).replace(/(.{20})/g, '$1\n');
    expect(configFromEnv({ KAFKA_CA_CERT: wrapped })['ssl.ca.pem']).toBe(CA_PEM);
    const urlSafe = Buffer.from(KEY_PEM).toString('base64url');
    expect(configFromEnv({ KAFKA_CLIENT_CERT: CERT_PEM, KAFKA_CLIENT_KEY: urlSafe })['ssl.key.pem']).toBe(KEY_PEM);
    const escaped = CA_PEM.trim().replace(/\n/g, '\\n');
    expect(configFromEnv({ KAFKA_CA_CERT: escaped })['ssl.ca.pem']).toBe(CA_PEM);
  });

  it('rejects garbage, naming the variable but never its value', () => {
    const secretish = 'this is not a key: hunter2!';
    const e = errorOf(() => configFromEnv({ KAFKA_CLIENT_CERT: CERT_PEM, KAFKA_CLIENT_KEY: secretish }));
    expect(e.property).toBe('KAFKA_CLIENT_KEY');
    expect(e.message).toMatch(/KAFKA_CLIENT_KEY.*neither PEM text nor base64/);
    expect(inspect(e)).not.toContain('hunter2');
    const notPem = b64('just some bytes, hunter2');
    const e2 = errorOf(() => configFromEnv({ KAFKA_CA_CERT: notPem }));
    expect(e2.message).toMatch(/KAFKA_CA_CERT.*does not decode to PEM/);
    expect(inspect(e2)).not.toContain('hunter2');
    expect(inspect(e2)).not.toContain(notPem);
  });

  it('checks that each PEM holds what its variable is for', () => {
    expect(errorOf(() => configFromEnv({ KAFKA_CA_CERT: b64(KEY_PEM) })).message).toMatch(
      /KAFKA_CA_CERT.*"PRIVATE KEY" block, expected certificate/,
    );
    expect(errorOf(() => configFromEnv({ KAFKA_CLIENT_CERT: CERT_PEM, KAFKA_CLIENT_KEY: CA_PEM })).message).toMatch(
      /expected private key/,
    );
  });

  it('requires a client certificate and key together', () => {
    expect(errorOf(() => configFromEnv({ KAFKA_CLIENT_CERT: b64(CERT_PEM) })).property).toBe('KAFKA_CLIENT_KEY');
    expect(errorOf(() => configFromEnv({ KAFKA_CLIENT_KEY: b64(KEY_PEM) })).property).toBe('KAFKA_CLIENT_CERT');
    // A key file from KAFKA_SSL_KEY_LOCATION pairs with an inline certificate.
    expect(() => configFromEnv({ KAFKA_CLIENT_CERT: CERT_PEM, KAFKA_SSL_KEY_LOCATION: '/run/secrets/key.pem' })).not.toThrow();
  });

  it('maps SASL credentials and infers SASL_SSL', () => {
    const config = configFromEnv({
      KAFKA_BOOTSTRAP_SERVERS: 'b:9096',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'alice',
      KAFKA_SASL_PASSWORD: ' pa ss ',
    });
    expect({ ...config }).toEqual({
      'bootstrap.servers': 'b:9096',
      'sasl.mechanisms': 'SCRAM-SHA-512',
      'sasl.username': 'alice',
      'sasl.password': ' pa ss ', // verbatim
      'security.protocol': 'SASL_SSL',
    });
  });

  it('honours a stated protocol', () => {
    const env = { KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' };
    expect(configFromEnv({ ...env, KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext' })['security.protocol']).toBe('SASL_PLAINTEXT');
    expect(configFromEnv({ KAFKA_SECURITY_PROTOCOL: 'SSL' })['security.protocol']).toBe('SSL');
    expect(configFromEnv({ KAFKA_SECURITY_PROTOCOL: 'plaintext' })['security.protocol']).toBe('PLAINTEXT');
    expect(
      configFromEnv({ ...env, KAFKA_CA_CERT: b64(CA_PEM), KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })['security.protocol'],
    ).toBe('SASL_SSL');
    expect(configFromEnv({ KAFKA_SASL_MECHANISM: 'OAUTHBEARER' })['security.protocol']).toBe('SASL_SSL');
  });

  it('rejects contradictions, naming the variables', () => {
    const sasl = { KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'hunter2' };
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ ...sasl, KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' }, 'KAFKA_SECURITY_PROTOCOL', /does not use the SASL settings/],
      [{ ...sasl, KAFKA_SECURITY_PROTOCOL: 'SSL' }, 'KAFKA_SECURITY_PROTOCOL', /SASL_SSL/],
      [{ KAFKA_CA_CERT: CA_PEM, KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' }, 'KAFKA_SECURITY_PROTOCOL', /does not use TLS/],
      [{ ...sasl, KAFKA_CA_CERT: CA_PEM, KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT' }, 'KAFKA_SECURITY_PROTOCOL', /TLS/],
      [{ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }, 'KAFKA_SASL_MECHANISM', /required/],
      [{ KAFKA_SECURITY_PROTOCOL: 'TLS' }, 'KAFKA_SECURITY_PROTOCOL', /one of PLAINTEXT, SSL/],
      [{ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'hunter2' }, 'KAFKA_SASL_MECHANISM', /required with KAFKA_SASL_USERNAME/],
      [{ KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_PASSWORD', /together/],
      [{ KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_PASSWORD: 'hunter2' }, 'KAFKA_SASL_USERNAME', /together/],
      [{ KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256' }, 'KAFKA_SASL_USERNAME', /required/],
      [{ ...sasl, KAFKA_SASL_MECHANISM: 'OAUTHBEARER' }, 'KAFKA_SASL_USERNAME', /not used/],
      [{ KAFKA_SASL_MECHANISM: 'MD5' }, 'KAFKA_SASL_MECHANISM', /one of/],
      [{ KAFKA_CA_CERT: CA_PEM, KAFKA_SSL_CA_LOCATION: '/etc/ca.pem' }, 'KAFKA_CA_CERT', /KAFKA_SSL_CA_LOCATION/],
      [{ KAFKA_SSL_KEY_PEM: KEY_PEM }, 'KAFKA_SSL_KEY_PEM', /use KAFKA_CLIENT_KEY/],
      [{ KAFKA_SSL_BOGUS: 'x' }, 'KAFKA_SSL_BOGUS', /not a supported variable/],
      [{ KAFKA_SSL_CERTIFICATE_VERIFICATION: 'nope' }, 'KAFKA_SSL_CERTIFICATE_VERIFICATION', /"true" or "false"/],
    ];
    for (const [env, property, why] of cases) {
      const e = errorOf(() => configFromEnv(env));
      expect(e.property, JSON.stringify(env)).toBe(property);
      expect(e.message).toMatch(why);
      expect(inspect(e)).not.toContain('hunter2');
    }
  });

  it('passes KAFKA_SSL_* through to librdkafka ssl properties and infers SSL', () => {
    const config = configFromEnv({
      KAFKA_SSL_CA_LOCATION: '/etc/ssl/certs/ca-certificates.crt',
      KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: 'none',
      KAFKA_SSL_KEY_PASSWORD: 'hunter2',
      KAFKA_SSL_CERTIFICATE_VERIFICATION: 'FALSE',
      KAFKA_SSL_CIPHER_SUITES: 'ECDHE-ECDSA-AES256-GCM-SHA384',
      KAFKA_SSL_UNSET_BUT_BLANK: ' ',
    });
    expect({ ...config }).toEqual({
      'ssl.ca.location': '/etc/ssl/certs/ca-certificates.crt',
      'ssl.endpoint.identification.algorithm': 'none',
      'ssl.key.password': 'hunter2',
      'enable.ssl.certificate.verification': 'false',
      'ssl.cipher.suites': 'ECDHE-ECDSA-AES256-GCM-SHA384',
      'security.protocol': 'SSL',
    });
  });

  it('prints redacted but enumerates real values', () => {
    const config = configFromEnv({
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'alice',
      KAFKA_SASL_PASSWORD: 'hunter2',
      KAFKA_CLIENT_CERT: CERT_PEM,
      KAFKA_CLIENT_KEY: KEY_PEM,
    });
    const keyBody = KEY_PEM.split('\n')[1]!;
    for (const shown of [inspect(config), JSON.stringify(config), String(config), `${JSON.stringify({ config })}`]) {
      expect(shown).not.toContain('hunter2');
      expect(shown).not.toContain(keyBody);
    }
    expect(JSON.parse(JSON.stringify(config))).toMatchObject({ 'sasl.password': '[redacted]', 'ssl.key.pem': '[redacted]' });
    expect(inspect(config)).toContain("'sasl.mechanisms': 'PLAIN'");
    expect(Object.fromEntries(Object.entries(config))['sasl.password']).toBe('hunter2');
    expect(Object.keys(config)).not.toContain('toJSON');
  });
});
