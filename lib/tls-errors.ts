/**
 * Clearer TLS errors. librdkafka reports a TLS set-up failure at client creation as one
 * OpenSSL error line ("ssl.key.location failed: error:0A080009:SSL routines::PEM lib" for a
 * wrong key password), and a failed certificate verification during the handshake with a hint
 * that only blames the CA, although a host-name mismatch fails the same way. These helpers
 * name the property at fault and the likely cause. They never put a password or key material
 * in a message: they look at files and PEM text only to tell what is wrong with them.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

import { isSecretProperty } from './secrets';
import { ConfigError } from './errors';

const KEY_PROPERTIES = ['ssl.key.location', 'ssl.key.pem'];
const CERTIFICATE_PROPERTIES = ['ssl.certificate.location', 'ssl.certificate.pem'];
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4,ENCRYPTED/;
const PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;
const CERTIFICATE = /-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE-----/;

/** "no such file or directory (ENOENT)" from a Node file-system error, without the path. */
function fsReason(e: unknown): string {
  const m = /^([A-Z]+): ([^,]+)/.exec((e as Error).message);
  return m ? `${m[2]} (${m[1]})` : String((e as Error).message);
}

/** The text of a `*.location` file or the inline value of a `*.pem` property; an Error when it cannot be read. */
function contentOf(property: string, config: Readonly<Record<string, string>>): string | Error | undefined {
  const value = config[property];
  if (value === undefined || value === '') return undefined;
  // `probe` is librdkafka's keyword for "search the usual CA bundle paths", not a file.
  if (!property.endsWith('.location') || value === 'probe') return value === 'probe' ? undefined : value;
  try {
    // A CA location may be a directory of hashed certificates; there is nothing to read then.
    if (statSync(value).isDirectory()) return undefined;
    return readFileSync(value, 'latin1');
  } catch (e) {
    return e as Error;
  }
}

/** The property among `names` the configuration sets, if any. */
function setOne(names: readonly string[], config: Readonly<Record<string, string>>): string | undefined {
  return names.find((n) => config[n] !== undefined && config[n] !== '');
}

/** Why a private key cannot be used, as a ConfigError; undefined when the key looks fine. */
function diagnoseKey(keyProperty: string, text: string, config: Readonly<Record<string, string>>): ConfigError | undefined {
  const password = config['ssl.key.password'];
  if (ENCRYPTED_KEY.test(text)) {
    if (password === undefined || password === '') {
      return new ConfigError('ssl.key.password', `is required: the private key in \`${keyProperty}\` is encrypted`);
    }
    try {
      createPrivateKey({ key: text, format: 'pem', passphrase: password });
    } catch {
      return new ConfigError('ssl.key.password', `does not decrypt the private key in \`${keyProperty}\` (wrong password, or a cipher OpenSSL cannot read)`);
    }
    return undefined;
  }
  if (!PRIVATE_KEY.test(text)) {
    return new ConfigError(keyProperty, 'does not contain a PEM private key (a "-----BEGIN PRIVATE KEY-----" block)');
  }
  return undefined;
}

/**
 * A {@link ConfigError} naming the TLS property behind a client-creation failure, with the
 * likely cause (unreadable file, missing or wrong `ssl.key.password`, a key that does not
 * match its certificate, a file without the expected PEM block); undefined when `message`
 * is not about a TLS property.
 * @param message librdkafka's `rd_kafka_new()` error text.
 * @param config the configuration the client was created with (validated, string values).
 */
export function explainTlsCreationError(message: string, config: Readonly<Record<string, string>>): ConfigError | undefined {
  const property = /\b(ssl\.[a-z]+(?:\.[a-z]+)*)\b/.exec(message)?.[1];
  if (property === undefined) return undefined;
  const librdkafka = `librdkafka: ${message}`;

  const content = contentOf(property, config);
  if (content instanceof Error) {
    const where = isSecretProperty(property) ? '' : ` (${config[property]})`;
    return new ConfigError(property, `cannot be read${where}: ${fsReason(content)}`);
  }
  if (/key values mismatch/.test(message)) {
    const key = KEY_PROPERTIES.includes(property) ? property : (setOne(KEY_PROPERTIES, config) ?? property);
    const certificate = setOne(CERTIFICATE_PROPERTIES, config) ?? 'ssl.certificate.location';
    return new ConfigError(key, `does not match the certificate in \`${certificate}\` (the private key belongs to another certificate)`);
  }
  if (KEY_PROPERTIES.includes(property) && content !== undefined) {
    const diagnosis = diagnoseKey(property, content, config);
    if (diagnosis) return diagnosis;
  }
  if ((CERTIFICATE_PROPERTIES.includes(property) || property.startsWith('ssl.ca.')) && content !== undefined && !CERTIFICATE.test(content)) {
    return new ConfigError(property, `does not contain a PEM certificate (a "-----BEGIN CERTIFICATE-----" block); ${librdkafka}`);
  }
  return new ConfigError(property, `librdkafka could not use it; ${librdkafka}`);
}

/**
 * librdkafka's handshake error with the host-name check added to its hint: OpenSSL reports a
 * certificate for another host as "certificate verify failed", and librdkafka then advises
 * only to check `ssl.ca.location`.
 * @param hostnameVerification false when `ssl.endpoint.identification.algorithm` is `none`.
 */
export function explainTlsHandshakeError(message: string, hostnameVerification: boolean): string {
  if (!hostnameVerification || !/certificate verify failed/.test(message)) return message;
  return (
    `${message}; or the certificate does not name the broker's host as \`bootstrap.servers\` (or the broker's ` +
    'advertised listener) spells it: host-name verification is on (`ssl.endpoint.identification.algorithm=https`, ' +
    'the default; `none` turns it off)'
  );
}

/** True unless the configuration turns host-name verification off. */
export function hostnameVerificationOn(config: Readonly<Record<string, unknown>>): boolean {
  const value = config['ssl.endpoint.identification.algorithm'];
  return value === undefined || String(value).toLowerCase() !== 'none';
}
