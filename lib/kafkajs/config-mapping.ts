/**
 * KafkaJS client options → librdkafka properties and octokafka client options. Every option
 * either maps onto an equivalent, or is reported (a warning naming it, or a
 * {@link KafkaJSNonRetriableError} when ignoring it would change behaviour).
 */
import type { ConnectionOptions } from 'node:tls';

import type { OAuthBearerToken } from '../auth/oauthbearer';
import type { KafkaConfig as RawConfig } from '../config/client-config';
import type { ClientOptions, Logger as RawLogger } from '../core/client-base';
import { KafkaJSNonRetriableError } from './errors';
import { createLogger, type KafkaJSLogger } from './logger';
import type { KafkaConfig, Mechanism, RetryOptions, SASLOptions } from './types';

/** The pieces every client of one `Kafka` instance is built from. */
export interface ClientBase {
  /** librdkafka properties (without bootstrap.servers, resolved at connect). */
  config: RawConfig;
  options: ClientOptions;
  brokers: () => Promise<string>;
  logger: KafkaJSLogger;
  retry: Required<Pick<RetryOptions, 'maxRetryTime' | 'initialRetryTime' | 'factor' | 'multiplier' | 'retries'>> & Pick<RetryOptions, 'restartOnFailure'>;
  clientId: string;
  connectionTimeout: number;
  requestTimeout: number;
}

const TLS_HANDLED = new Set(['ca', 'cert', 'key', 'passphrase', 'rejectUnauthorized', 'servername', 'checkServerIdentity']);

function pem(value: unknown, option: string): string {
  const list = Array.isArray(value) ? value : [value];
  return list
    .map((v) => {
      if (typeof v === 'string') return v;
      if (Buffer.isBuffer(v)) return v.toString('utf8');
      if (v && typeof v === 'object' && 'pem' in v) return pem((v as { pem: unknown }).pem, option);
      throw new KafkaJSNonRetriableError(`ssl.${option}: expected PEM strings or Buffers (librdkafka takes PEM only)`);
    })
    .join('\n');
}

function sslConfig(ssl: ConnectionOptions | boolean | undefined, warn: (m: string) => void): RawConfig {
  if (!ssl) return {};
  const out: RawConfig = {};
  if (ssl === true) return out;
  for (const name of Object.keys(ssl)) {
    if (!TLS_HANDLED.has(name) && (ssl as Record<string, unknown>)[name] !== undefined) {
      warn(`ssl.${name} has no librdkafka equivalent and is ignored (supported: ca, cert, key, passphrase, rejectUnauthorized, servername)`);
    }
  }
  if (ssl.ca !== undefined) out['ssl.ca.pem'] = pem(ssl.ca, 'ca');
  if (ssl.cert !== undefined) out['ssl.certificate.pem'] = pem(ssl.cert, 'cert');
  if (ssl.key !== undefined) out['ssl.key.pem'] = pem(ssl.key, 'key');
  if (typeof ssl.passphrase === 'string') out['ssl.key.password'] = ssl.passphrase;
  if (ssl.rejectUnauthorized === false) {
    out['enable.ssl.certificate.verification'] = false;
    out['ssl.endpoint.identification.algorithm'] = 'none';
  }
  if (ssl.checkServerIdentity !== undefined) {
    warn('ssl.checkServerIdentity is not called: librdkafka checks the host name itself (ssl.endpoint.identification.algorithm=https)');
  }
  return out;
}

/** Claims of a JWT's payload, or undefined when the token is not a JWT. */
function jwtClaims(token: string): { exp?: number; sub?: string } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: number; sub?: string };
  } catch {
    return undefined;
  }
}

/** Lifetime given to a token that is not a JWT with `exp`: KafkaJS asks its provider again on each re-authentication. */
const OPAQUE_TOKEN_LIFETIME_MS = 15 * 60_000;

function saslConfig(sasl: SASLOptions | Mechanism | undefined, ssl: boolean, brokers: string[] | undefined, options: ClientOptions): RawConfig {
  if (!sasl) return {};
  const protocol = ssl ? 'sasl_ssl' : 'sasl_plaintext';
  const mechanism = String((sasl as { mechanism?: unknown }).mechanism ?? '').toLowerCase();
  if ('authenticationProvider' in sasl) {
    throw new KafkaJSNonRetriableError(`sasl: custom mechanism ${JSON.stringify(sasl.mechanism)} (authenticationProvider) is not supported: librdkafka implements SASL itself (PLAIN, SCRAM-SHA-256/512, OAUTHBEARER, AWS MSK IAM)`);
  }
  switch (mechanism) {
    case 'plain':
    case 'scram-sha-256':
    case 'scram-sha-512': {
      const s = sasl as { username: string; password: string };
      return { 'security.protocol': protocol, 'sasl.mechanisms': mechanism.toUpperCase(), 'sasl.username': s.username, 'sasl.password': s.password };
    }
    case 'oauthbearer': {
      const provider = (sasl as { oauthBearerProvider?: () => Promise<{ value: string }> }).oauthBearerProvider;
      if (typeof provider !== 'function') throw new KafkaJSNonRetriableError('sasl.oauthBearerProvider must be a function returning { value }');
      options.oauthbearer = async (): Promise<OAuthBearerToken> => {
        const { value } = await provider();
        const claims = jwtClaims(value);
        const lifetimeMs = claims?.exp ? Math.max(1000, claims.exp * 1000 - Date.now()) : OPAQUE_TOKEN_LIFETIME_MS;
        return { token: value, lifetimeMs, principal: claims?.sub ?? 'kafkajs' };
      };
      return { 'security.protocol': protocol, 'sasl.mechanisms': 'OAUTHBEARER' };
    }
    case 'aws': {
      const s = sasl as { accessKeyId: string; secretAccessKey: string; sessionToken?: string; authorizationIdentity?: string };
      const region =
        process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? brokers?.map((b) => /\.kafka(?:-serverless)?\.([a-z0-9-]+)\.amazonaws\.com/.exec(b)?.[1]).find(Boolean);
      if (!region) throw new KafkaJSNonRetriableError('sasl mechanism "aws": the AWS region is needed for MSK IAM: set AWS_REGION, or use MSK broker host names (…kafka.<region>.amazonaws.com)');
      options.awsMskIam = {
        region,
        credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, ...(s.sessionToken ? { sessionToken: s.sessionToken } : {}) },
      };
      return {};
    }
    default:
      throw new KafkaJSNonRetriableError(`sasl: unknown mechanism ${JSON.stringify(mechanism)} (plain, scram-sha-256, scram-sha-512, oauthbearer, aws)`);
  }
}

/** Options KafkaJS has that librdkafka has no equivalent for: warned about when set. */
const IGNORED: Record<string, string> = {
  socketFactory: 'librdkafka opens its own sockets; socketFactory is not called',
  enforceRequestTimeout: 'librdkafka always enforces its request timeout (socket.timeout.ms)',
  reauthenticationThreshold: 'librdkafka re-authenticates on its own schedule (connections.max.reauth.ms from the broker)',
  authenticationTimeout: 'librdkafka bounds authentication by socket.connection.setup.timeout.ms (connectionTimeout)',
};

/** Each broker must be a `host:port` string: an undefined entry (an unset environment variable) would otherwise surface as a connection timeout. */
function checkBrokers(list: unknown[], source: string): void {
  list.forEach((b, i) => {
    if (typeof b !== 'string' || b.trim() === '') throw new KafkaJSNonRetriableError(`Failed to connect: ${source} gave ${b === '' ? 'an empty string' : String(b)} as broker ${i}; each broker must be a "host:port" string`);
  });
}

/** Builds what every client of a `Kafka` instance shares from its KafkaJS configuration. */
export function mapKafkaConfig(config: KafkaConfig): ClientBase {
  if (config === null || typeof config !== 'object') throw new KafkaJSNonRetriableError('new Kafka(config): config must be an object');
  const logger = createLogger(config.logLevel, config.logCreator);
  const warn = (message: string): void => logger.warn(message, { namespace: 'octokafka/kafkajs' });
  const { brokers } = config;
  if (!Array.isArray(brokers) && typeof brokers !== 'function') throw new KafkaJSNonRetriableError('Failed to connect: brokers should not be null');
  if (Array.isArray(brokers) && brokers.length === 0) throw new KafkaJSNonRetriableError('Failed to connect: brokers array is empty');
  if (Array.isArray(brokers)) checkBrokers(brokers, 'brokers');
  for (const [name, why] of Object.entries(IGNORED)) if ((config as unknown as Record<string, unknown>)[name] !== undefined) warn(`${name} is ignored: ${why}`);
  const options: ClientOptions = {};
  const clientId = config.clientId ?? 'kafkajs';
  const connectionTimeout = config.connectionTimeout ?? 1000;
  const requestTimeout = config.requestTimeout ?? 30_000;
  const retry = {
    maxRetryTime: config.retry?.maxRetryTime ?? 30_000,
    initialRetryTime: config.retry?.initialRetryTime ?? 300,
    factor: config.retry?.factor ?? 0.2,
    multiplier: config.retry?.multiplier ?? 2,
    retries: config.retry?.retries ?? 5,
    restartOnFailure: config.retry?.restartOnFailure,
  };
  const raw: RawConfig = {
    'client.id': clientId,
    // librdkafka needs at least 1000 ms here; KafkaJS's default is 1000 ms too.
    'socket.connection.setup.timeout.ms': Math.max(1000, connectionTimeout),
    'socket.timeout.ms': Math.max(10, requestTimeout),
    'retry.backoff.ms': Math.max(1, retry.initialRetryTime),
    'retry.backoff.max.ms': Math.max(Math.max(1, retry.initialRetryTime), retry.maxRetryTime),
    ...sslConfig(config.ssl, warn),
    ...saslConfig(config.sasl, Boolean(config.ssl), Array.isArray(brokers) ? brokers : undefined, options),
  };
  if (config.ssl && !config.sasl) raw['security.protocol'] = 'ssl';
  options.logger = rawLogger(logger);
  return {
    config: raw,
    options,
    logger,
    retry,
    clientId,
    connectionTimeout,
    requestTimeout,
    brokers: async () => {
      const list = typeof brokers === 'function' ? await brokers() : brokers;
      if (!Array.isArray(list) || list.length === 0) throw new KafkaJSNonRetriableError('Failed to connect: brokers function returned no brokers');
      if (typeof brokers === 'function') checkBrokers(list, 'the brokers function');
      return list.join(',');
    },
  };
}

/** librdkafka's log lines, through the KafkaJS logger (namespace `librdkafka`). */
function rawLogger(logger: KafkaJSLogger): RawLogger {
  const ns = logger.namespace('librdkafka');
  const line = (obj: object, msg?: string): [string, object] => [msg ?? String((obj as { message?: unknown }).message ?? ''), obj];
  return {
    error: (obj, msg) => ns.error(...line(obj, msg)),
    warn: (obj, msg) => ns.warn(...line(obj, msg)),
    // librdkafka's informational lines (connections opened and closed, ...) are KafkaJS debug detail.
    info: (obj, msg) => ns.debug(...line(obj, msg)),
    debug: (obj, msg) => ns.debug(...line(obj, msg)),
  };
}
