/**
 * Twelve-factor configuration: librdkafka properties from `KAFKA_*` environment variables,
 * with certificates and keys passed inline (base64 or PEM text) so that no key material is
 * ever written to disk.
 */
import { ConfigError } from '../util/errors';
import { withRedactedDisplay } from './secrets';

/** `ssl.*` properties that `KAFKA_SSL_<NAME>` may set (librdkafka names, dots as underscores). */
const SSL_PASSTHROUGH: Readonly<Record<string, string>> = {
  KAFKA_SSL_CA_LOCATION: 'ssl.ca.location',
  KAFKA_SSL_CERTIFICATE_LOCATION: 'ssl.certificate.location',
  KAFKA_SSL_KEY_LOCATION: 'ssl.key.location',
  KAFKA_SSL_KEY_PASSWORD: 'ssl.key.password',
  KAFKA_SSL_KEYSTORE_LOCATION: 'ssl.keystore.location',
  KAFKA_SSL_KEYSTORE_PASSWORD: 'ssl.keystore.password',
  KAFKA_SSL_CRL_LOCATION: 'ssl.crl.location',
  KAFKA_SSL_CIPHER_SUITES: 'ssl.cipher.suites',
  KAFKA_SSL_CURVES_LIST: 'ssl.curves.list',
  KAFKA_SSL_SIGALGS_LIST: 'ssl.sigalgs.list',
  KAFKA_SSL_PROVIDERS: 'ssl.providers',
  KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: 'ssl.endpoint.identification.algorithm',
  // Turning certificate verification off must be explicit; this is the explicit way.
  KAFKA_SSL_CERTIFICATE_VERIFICATION: 'enable.ssl.certificate.verification',
};

/** Variables that would duplicate the inline-PEM ones: point to the right variable instead. */
const PEM_ALIASES: Readonly<Record<string, string>> = {
  KAFKA_SSL_CA_PEM: 'KAFKA_CA_CERT',
  KAFKA_SSL_CERTIFICATE_PEM: 'KAFKA_CLIENT_CERT',
  KAFKA_SSL_KEY_PEM: 'KAFKA_CLIENT_KEY',
};

/** Inline PEM variables, the property each sets, what its PEM must contain, and the file alternative it excludes. */
const PEM_VARS = [
  { name: 'KAFKA_CA_CERT', property: 'ssl.ca.pem', label: /CERTIFICATE/, exclusive: 'KAFKA_SSL_CA_LOCATION' },
  { name: 'KAFKA_CLIENT_CERT', property: 'ssl.certificate.pem', label: /CERTIFICATE/, exclusive: 'KAFKA_SSL_CERTIFICATE_LOCATION' },
  { name: 'KAFKA_CLIENT_KEY', property: 'ssl.key.pem', label: /PRIVATE KEY/, exclusive: 'KAFKA_SSL_KEY_LOCATION' },
] as const;

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER', 'GSSAPI'] as const;
/** Mechanisms that authenticate with a username and password. */
const PASSWORD_MECHANISMS: readonly string[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/;

/**
 * Decodes an inline PEM variable: PEM text as is (with literal `\n` sequences turned into
 * newlines, for platforms whose env files cannot hold newlines) or base64 of PEM text.
 * Errors name the variable, never its value.
 */
function decodePem(name: string, raw: string, label: RegExp): string {
  let text = raw.trim();
  if (!text.startsWith('-----BEGIN ')) {
    const compact = text.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) {
      throw new ConfigError(name, 'is neither PEM text nor base64-encoded PEM');
    }
    text = Buffer.from(compact, 'base64').toString('utf8').trim();
  } else if (!text.includes('\n') && text.includes('\\n')) {
    text = text.replace(/\\n/g, '\n');
  }
  const begin = PEM_BEGIN.exec(text);
  if (!begin || !text.includes('-----END ')) {
    throw new ConfigError(name, 'does not decode to PEM (expected base64 of a "-----BEGIN ...-----" block, or the PEM text itself)');
  }
  if (!label.test(text.match(/-----BEGIN [A-Z0-9 ]+-----/g)?.join(' ') ?? '')) {
    throw new ConfigError(name, `contains a PEM "${begin[1]}" block, expected ${label.source.toLowerCase()}`);
  }
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** The trimmed value of a variable, or undefined when unset or blank. */
function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/**
 * librdkafka properties from the environment:
 * `KAFKA_BOOTSTRAP_SERVERS`→`bootstrap.servers`, `KAFKA_CLIENT_ID`→`client.id`,
 * `KAFKA_SECURITY_PROTOCOL`→`security.protocol`, `KAFKA_SASL_MECHANISM`→`sasl.mechanisms`,
 * `KAFKA_SASL_USERNAME`/`KAFKA_SASL_PASSWORD`→`sasl.username`/`sasl.password`,
 * `KAFKA_CA_CERT`/`KAFKA_CLIENT_CERT`/`KAFKA_CLIENT_KEY` (base64 PEM or PEM text)→`ssl.ca.pem`/
 * `ssl.certificate.pem`/`ssl.key.pem`, and `KAFKA_SSL_<NAME>`→`ssl.<name>` for librdkafka's
 * file, password and cipher settings (plus `KAFKA_SSL_CERTIFICATE_VERIFICATION`→
 * `enable.ssl.certificate.verification`).
 *
 * Without `KAFKA_SECURITY_PROTOCOL` the protocol is inferred: SASL settings → SASL_SSL; TLS
 * settings alone → SSL; nothing → unset (librdkafka's PLAINTEXT). Contradictions (a password
 * with PLAINTEXT, certificates with SASL_PLAINTEXT, a certificate without its key…) throw a
 * {@link ConfigError} naming the variables and never their values. Variables that are unset
 * or blank are ignored. The result prints redacted (`console.log`, `JSON.stringify`) but
 * enumerates the real values.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const config: Record<string, string> = {};
  const bootstrap = read(env, 'KAFKA_BOOTSTRAP_SERVERS');
  if (bootstrap !== undefined) config['bootstrap.servers'] = bootstrap.split(',').map((s) => s.trim()).filter(Boolean).join(',');
  const clientId = read(env, 'KAFKA_CLIENT_ID');
  if (clientId !== undefined) config['client.id'] = clientId;

  // TLS material.
  let tls = false;
  for (const [name, property] of Object.entries(SSL_PASSTHROUGH)) {
    const v = read(env, name);
    if (v === undefined) continue;
    if (property === 'enable.ssl.certificate.verification' && !/^(true|false)$/i.test(v)) {
      throw new ConfigError(name, 'must be "true" or "false"');
    }
    config[property] = property === 'enable.ssl.certificate.verification' ? v.toLowerCase() : v;
    tls = true;
  }
  for (const name of Object.keys(env)) {
    if (!name.startsWith('KAFKA_SSL_') || name in SSL_PASSTHROUGH || read(env, name) === undefined) continue;
    const instead = PEM_ALIASES[name];
    throw new ConfigError(
      name,
      instead ? `use ${instead} (base64 or PEM text) instead` : `is not a supported variable; known: ${Object.keys(SSL_PASSTHROUGH).join(', ')}`,
    );
  }
  for (const pem of PEM_VARS) {
    const raw = read(env, pem.name);
    if (raw === undefined) continue;
    if (read(env, pem.exclusive) !== undefined) throw new ConfigError(pem.name, `cannot be combined with ${pem.exclusive}`);
    config[pem.property] = decodePem(pem.name, raw, pem.label);
    tls = true;
  }
  const hasCert = 'ssl.certificate.pem' in config || 'ssl.certificate.location' in config;
  const hasKey = 'ssl.key.pem' in config || 'ssl.key.location' in config;
  if (hasCert !== hasKey) {
    throw new ConfigError(hasCert ? 'KAFKA_CLIENT_KEY' : 'KAFKA_CLIENT_CERT', 'a client certificate and its private key must be given together');
  }

  // SASL.
  const mechanismRaw = read(env, 'KAFKA_SASL_MECHANISM');
  const mechanism = mechanismRaw?.toUpperCase();
  if (mechanism !== undefined && !(MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new ConfigError('KAFKA_SASL_MECHANISM', `must be one of ${MECHANISMS.join(', ')}`);
  }
  const username = read(env, 'KAFKA_SASL_USERNAME');
  // Passwords are taken verbatim: surrounding spaces could be part of them.
  const password = env.KAFKA_SASL_PASSWORD ? env.KAFKA_SASL_PASSWORD : undefined;
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError(username === undefined ? 'KAFKA_SASL_USERNAME' : 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD must be given together');
  }
  if (username !== undefined && mechanism === undefined) {
    // librdkafka would default to GSSAPI; guessing PLAIN vs SCRAM would be wrong half the time.
    throw new ConfigError('KAFKA_SASL_MECHANISM', 'is required with KAFKA_SASL_USERNAME (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)');
  }
  if (mechanism !== undefined && PASSWORD_MECHANISMS.includes(mechanism) && username === undefined) {
    throw new ConfigError('KAFKA_SASL_USERNAME', `and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM=${mechanism}`);
  }
  if (username !== undefined && mechanism !== undefined && !PASSWORD_MECHANISMS.includes(mechanism)) {
    throw new ConfigError('KAFKA_SASL_USERNAME', `is not used with KAFKA_SASL_MECHANISM=${mechanism}`);
  }
  const sasl = mechanism !== undefined;
  if (mechanism !== undefined) config['sasl.mechanisms'] = mechanism;
  if (username !== undefined && password !== undefined) {
    config['sasl.username'] = username;
    config['sasl.password'] = password;
  }

  // Protocol: stated, else inferred; a stated protocol that ignores given settings is an error.
  const protocolRaw = read(env, 'KAFKA_SECURITY_PROTOCOL');
  let protocol = protocolRaw?.toUpperCase();
  if (protocol !== undefined) {
    if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new ConfigError('KAFKA_SECURITY_PROTOCOL', `must be one of ${PROTOCOLS.join(', ')}`);
    }
    if (sasl && !protocol.startsWith('SASL_')) {
      throw new ConfigError('KAFKA_SECURITY_PROTOCOL', `is ${protocol}, which does not use the SASL settings (KAFKA_SASL_*); use SASL_SSL`);
    }
    if (!sasl && protocol.startsWith('SASL_')) {
      throw new ConfigError('KAFKA_SASL_MECHANISM', `is required with KAFKA_SECURITY_PROTOCOL=${protocol}`);
    }
    if (tls && !protocol.endsWith('SSL')) {
      throw new ConfigError('KAFKA_SECURITY_PROTOCOL', `is ${protocol}, which does not use TLS, but TLS settings (KAFKA_CA_CERT, KAFKA_CLIENT_*, KAFKA_SSL_*) are given`);
    }
  } else if (sasl) {
    protocol = 'SASL_SSL';
  } else if (tls) {
    protocol = 'SSL';
  }
  if (protocol !== undefined) config['security.protocol'] = protocol;
  return withRedactedDisplay(config);
}
