/**
 * Cross-property rules: librdkafka's own consistency checks (`rd_kafka_conf_finalize`,
 * `rd_kafka_topic_conf_finalize`, the SASL providers' `conf_validate`, the assignor set-up
 * and the warnings of `rd_kafka_conf_warn` in librdkafka 2.14.2), reported before librdkafka
 * sees the configuration and with the reason spelled out, plus a few rules of octokafka's own
 * for mistakes librdkafka only logs (SASL or TLS settings the protocol never uses) or only
 * discovers when connecting (GSSAPI, which the prebuilt binary lacks).
 */
import { ConfigError } from '../util/errors';
import { defaultFetchMaxBytes } from './fetch-size';

/** The role a configuration is validated for. */
export type ConfigRole = 'producer' | 'consumer' | 'admin';

/** A problem worth reporting that does not stop the client from working. */
export interface ConfigWarning {
  /** The property concerned, as the configuration spells it. */
  property: string;
  /** `deprecated`/`experimental`: librdkafka marks the property so; `advice`: a doubtful combination. */
  kind: 'deprecated' | 'experimental' | 'advice';
  /** What is wrong, and what to do instead. */
  message: string;
}

/** The merged configuration (user values over octokafka's defaults) as the rules see it. */
export interface Settings {
  /** The value librdkafka will receive for a property (by its canonical name), if any. */
  get(name: string): string | undefined;
  /** The value, or librdkafka's documented default. */
  effective(name: string): string | undefined;
  /** True if the user set it (not octokafka's defaults). */
  fromUser(name: string): boolean;
  /** True if octokafka's defaults set it and the user did not. */
  fromDefault(name: string): boolean;
  /** How the configuration spells a property (an alias, if the user wrote one). */
  label(name: string): string;
  /** Canonical names of every property the user set. */
  userNames(): readonly string[];
}

type Check = (s: Settings, role: ConfigRole, warn: (w: ConfigWarning) => void) => void;

const fail = (s: Settings, name: string, reason: string): never => {
  throw new ConfigError(s.label(name), reason);
};
const code = (s: Settings, name: string): string => `\`${s.label(name)}\``;
/** "(octokafka's producer default)" when the value came from DEFAULTS, so users know what to override. */
const origin = (s: Settings, name: string, role: ConfigRole): string => (s.fromDefault(name) ? ` (octokafka's ${role} default)` : '');
const int = (s: Settings, name: string): number => Number(s.effective(name));
/** "`linger.ms` (5)": the property as spelled, with its effective value (never a secret: only numeric rules use it). */
const withValue = (s: Settings, name: string): string => `${code(s, name)} (${s.effective(name)})`;
const advise = (warn: (w: ConfigWarning) => void, s: Settings, name: string, message: string): void =>
  warn({ property: s.label(name), kind: 'advice', message });
const bool = (s: Settings, name: string): boolean => s.effective(name) === 'true';
const given = (s: Settings, name: string): boolean => s.get(name) !== undefined;
const nonEmpty = (s: Settings, name: string): boolean => (s.get(name) ?? '') !== '';

const SASL_PROTOCOLS = ['sasl_plaintext', 'sasl_ssl'];
const TLS_PROTOCOLS = ['ssl', 'sasl_ssl'];
const PASSWORD_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

const GSSAPI_MISSING =
  'GSSAPI (Kerberos) is not in octokafka\'s librdkafka: it needs cyrus-sasl (libsasl2), which is left out so that ' +
  'the binary has no system dependencies, and octokafka\'s build does not offer it. Use SCRAM-SHA-512, SCRAM-SHA-256, ' +
  'PLAIN or OAUTHBEARER if the cluster has such a listener. Kerberos needs librdkafka built with -DWITH_SASL=ON against ' +
  'libsasl2-dev, linked with libsasl2, and libsasl2-modules-gssapi-mit where the client runs: a client over a system ' +
  'librdkafka built that way (Debian\'s librdkafka1 is), not octokafka';

/** Kerberos: rejected before librdkafka's own "No provider for SASL mechanism GSSAPI" at connect time. */
const gssapi: Check = (s) => {
  if (s.get('sasl.mechanisms') === 'GSSAPI') fail(s, 'sasl.mechanisms', GSSAPI_MISSING);
  const kerberos = s.userNames().find((n) => n.startsWith('sasl.kerberos.'));
  if (kerberos) fail(s, kerberos, `is a Kerberos setting. ${GSSAPI_MISSING}`);
};

/** SASL settings are ignored (librdkafka only logs CONFWARN) unless the protocol is SASL. */
const saslNeedsSaslProtocol: Check = (s) => {
  const protocol = s.effective('security.protocol') ?? 'plaintext';
  if (SASL_PROTOCOLS.includes(protocol)) return;
  const sasl = s.userNames().find((n) => n.startsWith('sasl.') || n === 'enable.sasl.oauthbearer.unsecure.jwt');
  if (sasl) {
    const how = given(s, 'security.protocol') ? `is \`${protocol}\`` : 'is not set (librdkafka\'s default is `plaintext`)';
    fail(s, sasl, `has no effect unless \`security.protocol\` is sasl_ssl or sasl_plaintext, but \`security.protocol\` ${how}`);
  }
};

/** librdkafka defaults the mechanism to GSSAPI, which would fail only when connecting. */
const saslMechanism: Check = (s) => {
  const protocol = s.effective('security.protocol') ?? 'plaintext';
  if (!SASL_PROTOCOLS.includes(protocol)) return;
  if (!given(s, 'sasl.mechanisms')) {
    throw new ConfigError(
      'sasl.mechanism',
      `is required with \`security.protocol=${protocol}\`: set PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER ` +
        '(librdkafka would default to GSSAPI, which octokafka\'s prebuilt binary does not include)',
    );
  }
};

/** The PLAIN and SCRAM providers' conf_validate: both credentials are mandatory. */
const saslCredentials: Check = (s, _role, warn) => {
  const mechanism = s.get('sasl.mechanisms');
  if (mechanism === undefined) return;
  if (PASSWORD_MECHANISMS.includes(mechanism)) {
    for (const name of ['sasl.username', 'sasl.password']) {
      if (!nonEmpty(s, name)) throw new ConfigError(name, `is required with \`${s.label('sasl.mechanisms')}=${mechanism}\``);
    }
  } else {
    for (const name of ['sasl.username', 'sasl.password']) {
      if (given(s, name)) advise(warn, s, name, `\`${name}\` is only used by the PLAIN and SCRAM mechanisms, not ${mechanism}`);
    }
  }
};

/** TLS settings with a protocol that never opens a TLS session are a forgotten `security.protocol`. */
const tlsNeedsTlsProtocol: Check = (s) => {
  const protocol = s.effective('security.protocol') ?? 'plaintext';
  if (TLS_PROTOCOLS.includes(protocol)) return;
  const tls = s.userNames().find((n) => n.startsWith('ssl.'));
  if (tls) {
    const use = protocol === 'sasl_plaintext' ? 'sasl_ssl' : 'ssl (or sasl_ssl)';
    const how = given(s, 'security.protocol') ? `is \`${protocol}\`` : 'is not set (librdkafka\'s default is `plaintext`)';
    fail(s, tls, `is a TLS setting, but \`security.protocol\` ${how}, which does not use TLS: set \`security.protocol\` to ${use}`);
  }
};

/** rd_kafka_conf_finalize: a keystore needs its password. */
const keystorePassword: Check = (s) => {
  if (nonEmpty(s, 'ssl.keystore.location') && !nonEmpty(s, 'ssl.keystore.password')) {
    throw new ConfigError('ssl.keystore.password', 'is required when `ssl.keystore.location` is set');
  }
};

/** rd_kafka_conf_finalize and rd_kafka_conf_warn: backoff bounds. */
const backoffs: Check = (s, _role, warn) => {
  const [min, max] = ['reconnect.backoff.ms', 'reconnect.backoff.max.ms'];
  if (int(s, max) < int(s, min)) fail(s, given(s, max) ? max : min, `${withValue(s, max)} must be >= ${withValue(s, min)}`);
  const staticBackoff = `: librdkafka applies a static backoff of ${code(s, 'retry.backoff.max.ms')}`;
  for (const name of ['retry.backoff.ms', 'topic.metadata.refresh.fast.interval.ms']) {
    if (given(s, name) && int(s, name) > int(s, 'retry.backoff.max.ms')) {
      advise(warn, s, name, `${withValue(s, name)} is greater than ${withValue(s, 'retry.backoff.max.ms')}${staticBackoff}`);
    }
  }
};

/** KIP-848: what the broker decides under `group.protocol=consumer` may not be set by the client. */
const NOT_WITH_KIP848: Readonly<Record<string, string>> = {
  'session.timeout.ms': 'the broker sets it (group.consumer.session.timeout.ms)',
  'heartbeat.interval.ms': 'the broker sets it (group.consumer.heartbeat.interval.ms)',
  'partition.assignment.strategy': 'assignment is done by the broker; use `group.remote.assignor` (uniform or range) instead',
  'group.protocol.type': 'it only applies to the classic protocol',
};

const groupProtocol: Check = (s) => {
  if (s.effective('group.protocol') === 'consumer') {
    for (const [name, why] of Object.entries(NOT_WITH_KIP848)) {
      if (given(s, name)) fail(s, name, `is not supported with \`group.protocol=consumer\` (KIP-848): ${why}`);
    }
    return;
  }
  const [poll, session] = ['max.poll.interval.ms', 'session.timeout.ms'];
  if (int(s, poll) < int(s, session)) fail(s, given(s, poll) ? poll : session, `${withValue(s, poll)} must be >= ${withValue(s, session)}`);
};

/** rd_kafka_assignor_rebalance_protocol_check: eager and cooperative assignors cannot be mixed. */
const assignors: Check = (s) => {
  const list = (s.get('partition.assignment.strategy') ?? '').split(',').filter((a) => a !== '');
  const cooperative = list.filter((a) => a === 'cooperative-sticky');
  if (cooperative.length > 0 && cooperative.length < list.length) {
    fail(
      s,
      'partition.assignment.strategy',
      `mixes the cooperative assignor with eager ones (${list.join(', ')}): librdkafka cannot migrate between ` +
        'the two protocols; list cooperative-sticky alone, or only eager assignors',
    );
  }
};

/** rd_kafka_conf_finalize: consumer fetch sizes (librdkafka adjusts them only when they are not set). */
const fetchSizes: Check = (s, _role, warn) => {
  const maxMsg = int(s, 'message.max.bytes');
  let fetchMax = int(s, 'fetch.max.bytes');
  if (given(s, 'fetch.max.bytes')) {
    if (fetchMax < maxMsg) fail(s, 'fetch.max.bytes', `is ${fetchMax}, but must be >= ${withValue(s, 'message.max.bytes')}`);
  } else {
    fetchMax = defaultFetchMaxBytes(fetchMax, int(s, 'queued.max.messages.kbytes') * 1024, maxMsg);
  }
  const receive = 'receive.message.max.bytes';
  if (given(s, receive) && fetchMax + 512 > int(s, receive)) {
    fail(s, receive, `is ${int(s, receive)}, but must be >= \`fetch.max.bytes\` + 512 (${fetchMax + 512}) to leave room for protocol framing`);
  }
  if (int(s, 'fetch.wait.max.ms') + 1000 > int(s, 'socket.timeout.ms')) {
    const message = `${withValue(s, 'fetch.wait.max.ms')} should be lower than ${withValue(s, 'socket.timeout.ms')} by at least 1000 ms`;
    advise(warn, s, 'fetch.wait.max.ms', `${message}, or fetch requests time out`);
  }
};

/** rd_kafka_conf_finalize and rd_kafka_topic_conf_finalize: transactions and idempotence. */
const idempotence: Check = (s, role) => {
  const transactional = nonEmpty(s, 'transactional.id');
  let idempotent = bool(s, 'enable.idempotence');
  if (transactional && !idempotent) {
    // librdkafka turns idempotence on for transactions unless it was explicitly turned off.
    if (given(s, 'enable.idempotence')) fail(s, 'transactional.id', 'requires `enable.idempotence=true`, but it is set to false');
    idempotent = true;
  }
  const txTimeout = int(s, 'transaction.timeout.ms');
  if (transactional && given(s, 'socket.timeout.ms') && int(s, 'socket.timeout.ms') > txTimeout + 100) {
    const why = 'so that a request can finish before the transaction times out';
    fail(s, 'socket.timeout.ms', `is ${int(s, 'socket.timeout.ms')}, but must be <= \`transaction.timeout.ms\` + 100 (${txTimeout + 100}), ${why}`);
  }
  const because =
    transactional && !bool(s, 'enable.idempotence')
      ? 'with `transactional.id` (which turns idempotence on)'
      : `when \`enable.idempotence\` is true${origin(s, 'enable.idempotence', role)}`;
  // Tell users who never asked for idempotence how to leave it.
  const turnOff = s.fromDefault('enable.idempotence') && !transactional ? '; set `enable.idempotence=false` to opt out of idempotence' : '';
  const inFlight = 'max.in.flight.requests.per.connection';
  if (idempotent) {
    if (given(s, 'request.required.acks') && int(s, 'request.required.acks') !== -1) {
      fail(s, 'request.required.acks', `must be \`all\` (-1) ${because}, got ${s.get('request.required.acks')}${turnOff}`);
    }
    if (given(s, inFlight) && int(s, inFlight) > 5) fail(s, inFlight, `must be <= 5 ${because}, got ${s.get(inFlight)}${turnOff}`);
    if (given(s, 'message.send.max.retries') && int(s, 'message.send.max.retries') < 1) {
      fail(s, 'message.send.max.retries', `must be >= 1 ${because}${turnOff}`);
    }
    if (given(s, 'queue.buffering.backpressure.threshold') && int(s, 'queue.buffering.backpressure.threshold') > 1) {
      fail(s, 'queue.buffering.backpressure.threshold', `must be 1 ${because}${turnOff}`);
    }
    if (given(s, 'queuing.strategy') && s.get('queuing.strategy') !== 'fifo') {
      fail(s, 'queuing.strategy', `must be \`fifo\` ${because}${turnOff}`);
    }
    if (transactional && given(s, 'message.timeout.ms') && int(s, 'message.timeout.ms') > txTimeout) {
      fail(s, 'message.timeout.ms', `is ${int(s, 'message.timeout.ms')}, but must be <= ${withValue(s, 'transaction.timeout.ms')} with \`transactional.id\``);
    }
  } else if (given(s, 'enable.gapless.guarantee') && bool(s, 'enable.gapless.guarantee')) {
    fail(s, 'enable.gapless.guarantee', 'requires `enable.idempotence=true`');
  }
};

/** rd_kafka_conf_finalize: a message must be able to wait out the linger before it times out. */
const lingerVsTimeout: Check = (s, role) => {
  const timeout = int(s, 'message.timeout.ms');
  const linger = Number(s.effective('queue.buffering.max.ms'));
  if (timeout !== 0 && timeout <= linger && given(s, 'queue.buffering.max.ms')) {
    const name = s.fromUser('message.timeout.ms') ? 'message.timeout.ms' : 'queue.buffering.max.ms';
    fail(s, name, `${withValue(s, 'message.timeout.ms')} must be greater than ${withValue(s, 'queue.buffering.max.ms')}${origin(s, 'queue.buffering.max.ms', role)}`);
  }
};

/** The rules of each role, in the order they are checked (the first failure is reported). */
const COMMON: readonly Check[] = [gssapi, saslNeedsSaslProtocol, saslMechanism, saslCredentials, tlsNeedsTlsProtocol, keystorePassword, backoffs];
const RULES: Readonly<Record<ConfigRole, readonly Check[]>> = {
  producer: [...COMMON, idempotence, lingerVsTimeout],
  consumer: [...COMMON, groupProtocol, assignors, fetchSizes],
  admin: COMMON,
};

/** Runs a role's rules; throws the first {@link ConfigError}, reports warnings as they come. */
export function checkRules(role: ConfigRole, settings: Settings, warn: (w: ConfigWarning) => void): void {
  for (const rule of RULES[role]) rule(settings, role, warn);
}
