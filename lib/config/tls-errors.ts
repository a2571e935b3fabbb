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
import { ConfigError, ErrorCode, KafkaError } from '../util/errors';

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

const CERTIFICATE_VERIFY_FAILED = /^((?:\S+?: )?)(?:SSL handshake failed: )?(error:[0-9A-F]+:SSL routines::certificate verify failed)(?!:)(.*)$/s;
const PEER_REJECTED_CERTIFICATE = /\b(?:sslv3|tlsv1[0-3]?) alert (?:bad certificate|certificate required|unknown ca|certificate unknown)\b/;
const OPENSSL_TEXT = /\berror:[0-9A-F]{8}:SSL routines::/;

/**
 * One code and one wording for a TLS failure, whichever way librdkafka reported it: a failed
 * certificate check comes as `_SSL` ("SSL handshake failed: …: certificate verify failed:
 * broker certificate could not be verified, …") or, on a later attempt, as `_TRANSPORT` with
 * OpenSSL's bare text; a broker that rejects the client's certificate (or its lack of one)
 * sends an alert that librdkafka reports as `_TRANSPORT` "Receive failed: …". Both become
 * `_SSL` with librdkafka's full hint, or the likely cause. Other errors are returned as they are.
 * @param code librdkafka's error code; `message`: its text (already redacted).
 */
export function normalizeTlsError(code: number, message: string): { code: number; message: string } {
  if (code !== ErrorCode.SSL && code !== ErrorCode.TRANSPORT) return { code, message };
  const verify = CERTIFICATE_VERIFY_FAILED.exec(message);
  if (verify) {
    const [, broker, openssl, rest] = verify;
    return {
      code: ErrorCode.SSL,
      message:
        `${broker}SSL handshake failed: ${openssl}: broker certificate could not be verified, verify that ssl.ca.location is ` +
        `correctly configured or root CA certificates are installed (install ca-certificates package)${rest}`,
    };
  }
  if (code === ErrorCode.TRANSPORT && PEER_REJECTED_CERTIFICATE.test(message)) {
    return {
      code: ErrorCode.SSL,
      message:
        `${message}: the broker rejected the TLS handshake; it requires a client certificate (mutual TLS) signed by a CA it trusts: ` +
        'check `ssl.certificate.location` / `ssl.certificate.pem` and `ssl.key.location` / `ssl.key.pem`',
    };
  }
  if (code === ErrorCode.TRANSPORT && OPENSSL_TEXT.test(message) && /state SSL_HANDSHAKE/.test(message)) {
    return { code: ErrorCode.SSL, message: message.replace(/^(\S+?: )?/, (p) => `${p}SSL handshake failed: `) };
  }
  return { code, message };
}

/**
 * The error of a client whose every bootstrap server cut its connections off where a listener
 * of another protocol would: at the first request (ApiVersions) when the listener expects TLS
 * (SSL or SASL_SSL), which reads the request as a broken handshake; right after ApiVersions
 * was answered when it expects a SASL login (SASL_PLAINTEXT or SASL_SSL).
 * @param servers the client's bootstrap servers; `protocol`: its `security.protocol`;
 *   `expects`: what the listener likely wants; `last`: the last disconnection, as logged.
 */
export function protocolMismatch(servers: string, protocol: string, expects: 'TLS' | 'SASL', last: string): KafkaError {
  const message =
    expects === 'TLS'
      ? `${servers}: the broker closed every connection right after the first request (ApiVersions) without answering: ` +
        `it most likely expects TLS (an SSL or SASL_SSL listener) while \`security.protocol\` is ${protocol}; set \`security.protocol\` ` +
        "to the listener's (SSL or SASL_SSL) and the TLS settings it needs"
      : `${servers}: the broker answered ApiVersions, then closed every connection at the next request: ` +
        `it most likely expects a SASL login (a SASL_PLAINTEXT or SASL_SSL listener) while \`security.protocol\` is ${protocol}; ` +
        "set `security.protocol` to the listener's, with `sasl.mechanisms` and the credentials";
  return new KafkaError({ message: `${message} (last: ${last})`, code: ErrorCode.TRANSPORT, name: '_TRANSPORT', retriable: false });
}
