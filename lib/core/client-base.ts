/**
 * What every client shares: typed events for librdkafka's logs, errors and statistics,
 * with identical lines rate-limited, and the closed-state guard.
 */
import { channel } from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';

// These modules load the AWS packages themselves, and only when MSK IAM is used.
import { createMskIamTokenProvider, mskIamConfig, type MskIamOptions } from '../auth/msk-iam';
import { TokenRefresher, type OAuthBearerTokenProvider, type StaticOAuthBearerToken } from '../auth/oauthbearer';
import { checkDurationOption, checkLoggerOption, checkOptions, checkTimeoutArg } from '../config/checks';
import type { KafkaConfig } from '../config/client-config';
import { BrokersDownError, ConfigError, ClosedError, ErrorCode, KafkaError } from '../util/errors';
import { nativeError, type NativeEvent } from '../native/binding';
import { RepeatLimiter } from '../util/rate-limit';
import { collectSecrets, redactText } from '../config/secrets';
import { explainTlsHandshakeError, hostnameVerificationOn, normalizeTlsError, protocolMismatch } from '../config/tls-errors';
import { callApplication, emitSafely, rethrowLater } from '../util/user-code';

/**
 * Every error a client reports (before rate limiting), as `{ client, error }`: metrics count
 * them here without becoming an `error` listener, which would change where errors go.
 */
export const clientErrorChannel = channel('octokafka:client-error');

/** A log line from librdkafka. `level` is syslog's: 0 emergency … 7 debug. */
export interface LogEntry {
  /** Syslog severity: 0 emergency … 3 error, 4 warning, 6 info, 7 debug. */
  level: number;
  /** librdkafka's facility (`BROKERFAIL`, `CGRPOP`, …) or the octokafka component. */
  facility: string;
  /** The line itself (secrets redacted). */
  message: string;
  /** Identical lines suppressed since this line was last emitted. */
  suppressed: number;
}

/** A pino-compatible logger (any object with these methods). */
export interface Logger {
  /** Errors and syslog levels 0-3. */
  error(obj: object, msg?: string): void;
  /** Warnings (level 4). */
  warn(obj: object, msg?: string): void;
  /** Notices and information (levels 5-6). */
  info(obj: object, msg?: string): void;
  /** Debug lines (level 7). */
  debug(obj: object, msg?: string): void;
}

/** Options every client accepts besides its librdkafka configuration. */
export interface ClientOptions {
  /** Receives librdkafka's log lines and client errors. */
  logger?: Logger;
  /** Window in which identical log/error lines are emitted once (default 30 000 ms; 0: never suppress). */
  repeatWindowMs?: number;
  /**
   * SASL/OAUTHBEARER tokens: an async provider (called ahead of expiry, retried with
   * backoff on failure) or a static token. Set `sasl.mechanisms=OAUTHBEARER` and a SASL
   * `security.protocol` in the configuration.
   */
  oauthbearer?: OAuthBearerTokenProvider | StaticOAuthBearerToken;
  /**
   * AWS MSK IAM authentication: sets SASL_SSL + OAUTHBEARER and supplies tokens signed
   * with the default AWS credential chain (or the given credentials / profile / role).
   * Needs the optional packages `@smithy/signature-v4`, `@aws-crypto/sha256-js` and
   * `@aws-sdk/credential-providers`.
   */
  awsMskIam?: MskIamOptions & {
    /** The cluster's AWS region, e.g. `eu-west-1`. */
    region: string;
  };
}

/** Options of a client's `connect()`. */
export interface ConnectOptions {
  /** How long to wait for the cluster to answer (default 10 000 ms). */
  timeoutMs?: number;
}

/** What a client was configured with, for a probe of the cluster by another client (see {@link ClientBase.connect}). */
export interface ProbeSource {
  config: KafkaConfig;
  options: ClientOptions;
}

/** Errors that say the cluster was reached but refused this client: connect() reports them as they are. */
const REFUSED_CODES: ReadonlySet<number> = new Set<number>([ErrorCode.AUTHENTICATION, ErrorCode.SSL]);

/** `host:port` of the broker an error or log line of librdkafka names (`sasl_ssl://h:p/bootstrap: …`). */
function brokerOf(message: string): string | undefined {
  return /^(?:[a-z_]+:\/\/)?(\S+?)\/(?:bootstrap|-?\d+): /i.exec(message)?.[1];
}

/**
 * How long a refusal stands without being repeated: librdkafka retries a refused broker
 * after `reconnect.backoff.max.ms` at most (10 s by default, plus up to 50 % jitter), and each
 * failed attempt renews the refusal. A refusal not repeated within this window means an
 * attempt got further (the credentials or the broker were fixed): calls go through again.
 */
function refusalWindowMs(config: Readonly<Record<string, unknown>>): number {
  const max = Number(config['reconnect.backoff.max.ms'] ?? 10_000);
  return Math.max(5_000, (Number.isFinite(max) ? max : 10_000) * 1.5 + 5_000);
}

/** Errors that put a client in its refused state (a protocol mismatch has no code of its own). */
const refusedErrors = new WeakSet<KafkaError>();

/** The native calls a token refresher needs. */
interface TokenTarget {
  setOAuthBearerToken(token: string, expiresAtMs: number, principal: string, extensions: string[]): void;
  setOAuthBearerTokenFailure(message: string): void;
}

/** The events every client emits, with their listener arguments. */
export interface ClientEvents {
  /** librdkafka's log lines (and the client's own). */
  log: [LogEntry];
  /** Errors not tied to one call (a broker down, a fatal error). Calls reject their own promises. */
  error: [KafkaError];
  /** librdkafka's statistics (set `statistics.interval.ms`), parsed. */
  stats: [Record<string, unknown>];
}

/**
 * Codes that mean the cluster could not be reached or did not answer in time. Errors with
 * them name the client's bootstrap servers, so that a wrong address or an unreachable
 * cluster is visible in the error itself.
 */
const UNREACHABLE_CODES: ReadonlySet<number> = new Set<number>([
  ErrorCode.MSG_TIMED_OUT,
  ErrorCode.TRANSPORT,
  ErrorCode.ALL_BROKERS_DOWN,
  ErrorCode.TIMED_OUT,
  ErrorCode.RESOLVE,
]);

/** Base of the raw clients: an EventEmitter of {@link ClientEvents} and more. */
export abstract class ClientBase extends EventEmitter {
  // Private fields (#), not properties: what holds a credential (the configuration's secret
  // values, a static token, a token provider) is invisible to util.inspect, JSON.stringify,
  // Object.keys/entries/getOwnPropertyNames and spreading of the client.
  readonly #refresher: TokenRefresher | undefined;
  /** Where tokens go once the native handle exists. */
  #tokenTarget: TokenTarget | undefined;
  /** Secret values of the configuration: never passed on in log, error or statistics text. */
  #secrets: string[] = [];
  /** The configuration and authentication options as given (credentials included). */
  #probe: ProbeSource | undefined;
  /** The last error event from librdkafka, for connect()'s report of why it failed. */
  #lastEventError: KafkaError | undefined;
  /** Bootstrap servers whose connection failed before any broker of the cluster was reached. */
  readonly #bootstrapDown = new Set<string>();
  #allDownReported = false;
  /**
   * Brokers (`host:port`) that refused this client (authentication, TLS, protocol mismatch)
   * since it last had an answer, with when they last did: once every bootstrap server is
   * among them, the client is refused as a whole (see `refusal` in the client's source).
   */
  readonly #refusedBy = new Map<string, number>();
  /** The refusal of the whole client, and when it was last repeated. */
  #refusal: { error: KafkaError; at: number } | undefined;
  #refusalWindowMs = 25_000;
  /** Bootstrap servers that cut the connection off at once (a listener of another protocol), by what it suggests ("TLS host:port"), how often. */
  readonly #cutOff = new Map<string, number>();
  /** `security.protocol` as configured (upper case): which protocol mismatch a cut-off connection suggests. */
  #protocol = 'PLAINTEXT';
  /** False when the configuration turns TLS host-name verification off (for error hints). */
  private hostnameVerification = true;
  readonly #tokenSource: OAuthBearerTokenProvider | StaticOAuthBearerToken | undefined;
  protected closing = false;
  protected closed = false;
  private readonly limiter: RepeatLimiter;
  protected readonly logger: Logger | undefined;
  /** `bootstrap.servers` of the validated configuration, for error messages. */
  private servers = '';

  protected constructor(
    protected readonly kind: string,
    options: ClientOptions,
  ) {
    super();
    // Everything is checked before a subclass creates its native handle: a client that
    // fails to construct must not leave a native client running behind it.
    checkOptions(options);
    options ??= {};
    checkLoggerOption(options.logger);
    checkDurationOption('repeatWindowMs', options.repeatWindowMs);
    this.logger = options.logger;
    this.limiter = new RepeatLimiter(options.repeatWindowMs ?? 30_000);
    if (options.oauthbearer && options.awsMskIam) {
      throw new ConfigError('awsMskIam', 'give either oauthbearer or awsMskIam, not both');
    }
    if (options.awsMskIam) {
      this.#tokenSource = createMskIamTokenProvider(options.awsMskIam);
    } else {
      this.#tokenSource = options.oauthbearer;
    }
    if (this.#tokenSource !== undefined) {
      // Validates a static token now (a ConfigError), before any native handle exists.
      this.#refresher = new TokenRefresher(this.#tokenSource, {
        setToken: (token, expiresAtMs, principal, extensions) => {
          // New credentials: a refusal of the old ones no longer says anything about calls to come.
          this.clearRefusal();
          this.#tokenTarget?.setOAuthBearerToken(token, expiresAtMs, principal, Object.entries(extensions).flat());
        },
        setTokenFailure: (message) => this.#tokenTarget?.setOAuthBearerTokenFailure(message),
      }, { onError: (e) => this.reportError(e as KafkaError) });
    }
  }

  /**
   * The configuration with what the authentication options imply (MSK IAM: SASL_SSL and
   * OAUTHBEARER), and the native options (a JS token provider or not).
   */
  protected withAuth<C extends Record<string, unknown>>(config: C, options: ClientOptions): { config: C; native: { oauthbearer: boolean } } {
    // Not an object: validateConfig says so next, naming what it got.
    if (config === null || typeof config !== 'object' || Array.isArray(config)) return { config, native: { oauthbearer: false } };
    this.#secrets = collectSecrets(config);
    this.#probe = { config: config as KafkaConfig, options: { oauthbearer: options.oauthbearer, awsMskIam: options.awsMskIam } };
    this.hostnameVerification = hostnameVerificationOn(config);
    this.#refusalWindowMs = refusalWindowMs(config);
    this.#protocol = String(config['security.protocol'] ?? (options.awsMskIam ? 'SASL_SSL' : 'PLAINTEXT')).toUpperCase();
    if (options.awsMskIam) {
      return { config: { ...config, ...mskIamConfig(options.awsMskIam.region, config) }, native: { oauthbearer: true } };
    }
    return { config, native: { oauthbearer: Boolean(this.#tokenSource) } };
  }

  /**
   * librdkafka reports ALL_BROKERS_DOWN only for brokers it had reached: a cluster that never
   * answered (a wrong address, a port where nothing listens) gives one connection error per
   * bootstrap server and retry, named `<host:port>/bootstrap`. Once every configured bootstrap
   * server has failed that way, before any broker was known by id, the client says so once
   * with a {@link BrokersDownError}.
   */
  private noteBootstrapFailure(error: KafkaError): void {
    if (this.#allDownReported || (error.code !== ErrorCode.TRANSPORT && error.code !== ErrorCode.RESOLVE)) return;
    const broker = /^(\S+?)\/bootstrap: /.exec(error.message)?.[1];
    if (broker === undefined) return;
    this.#bootstrapDown.add(broker.replace(/^[a-z]+:\/\//i, ''));
    const configured = this.bootstrapList();
    if (configured.length === 0 || !configured.every((s) => this.#bootstrapDown.has(s))) return;
    this.#allDownReported = true;
    const last = error.message.replace(/^\S+?\/bootstrap: /, '');
    this.reportError(new BrokersDownError(this.servers, `no bootstrap server answered (bootstrap.servers: ${this.servers}); last: ${last}`));
  }

  /** Remembers the validated configuration's bootstrap servers (named by connectivity errors). */
  protected rememberServers(props: Readonly<Record<string, string>>): void {
    this.servers = this.redact(props['bootstrap.servers'] ?? props['metadata.broker.list'] ?? '');
  }

  /**
   * `error`, naming the bootstrap servers when its code says the cluster could not be
   * reached or did not answer in time (a copy; other errors are returned as they are).
   */
  protected withServers(error: KafkaError): KafkaError {
    // Subclasses (AdminError, ClosedError, ...) carry more than a message: kept as they are.
    if (error.constructor !== KafkaError || !UNREACHABLE_CODES.has(error.code)) return error;
    if (this.servers === '' || error.message.includes(this.servers)) return error;
    return new KafkaError({
      message: `${error.message} (bootstrap.servers: ${this.servers})`,
      code: error.code,
      name: error.codeName,
      retriable: error.isRetriable,
      fatal: error.isFatal,
      txnRequiresAbort: error.txnRequiresAbort,
      cause: error.cause,
    });
  }

  /**
   * The error every call of this client fails with at once while the cluster refuses it:
   * each bootstrap server refused its credentials or its TLS settings (or cut off its first
   * request: a plaintext client on a TLS port), and none answered since. librdkafka keeps
   * retrying; the refusal ends when a call, a delivery or `connect()` succeeds, when new
   * OAUTHBEARER credentials are set, or when no refusal was repeated for longer than
   * librdkafka's longest reconnect backoff (`reconnect.backoff.max.ms` × 1.5 + 5 s).
   */
  protected get refusal(): KafkaError | undefined {
    const r = this.#refusal;
    if (r === undefined) return undefined;
    if (Date.now() - r.at > this.#refusalWindowMs) {
      this.clearRefusal();
      return undefined;
    }
    return r.error;
  }

  /** A copy of the refusal for the call `what`, naming it (same code and name). */
  protected refusedError(what: string, refusal: KafkaError): KafkaError {
    return new KafkaError({ message: `${what}: ${refusal.message}`, code: refusal.code, name: refusal.codeName, retriable: false, cause: refusal });
  }

  /**
   * `promise`, or the refusal of this client if there is one or one comes first: a call that
   * cannot be answered fails now instead of at its timeout. (The native call goes on; its
   * outcome is dropped.)
   */
  protected orRefused<T>(promise: Promise<T>, what: string): Promise<T> {
    const now = this.refusal;
    if (now) {
      promise.catch(() => undefined);
      return Promise.reject(this.refusedError(what, now));
    }
    return new Promise<T>((resolve, reject) => {
      const onRefused = (error: KafkaError): void => reject(this.refusedError(what, error));
      this.#refusalWaiters.add(onRefused);
      promise.then(
        (value) => {
          this.#refusalWaiters.delete(onRefused);
          resolve(value);
        },
        (error: unknown) => {
          this.#refusalWaiters.delete(onRefused);
          reject(error);
        },
      );
    });
  }

  readonly #refusalWaiters = new Set<(error: KafkaError) => void>();

  /** The cluster answered this client: any refusal is over. */
  protected noteAccepted(): void {
    if (this.#refusedBy.size > 0 || this.#cutOff.size > 0 || this.#refusal) this.clearRefusal();
  }

  private clearRefusal(): void {
    this.#refusedBy.clear();
    this.#cutOff.clear();
    this.#refusal = undefined;
  }

  /**
   * Called once when the client becomes refused as a whole (calls waiting through
   * {@link orRefused} have been rejected): subclasses fail what they hold pending.
   */
  protected onRefused(_error: KafkaError): void {}

  /** A broker refused this client: once every bootstrap server did, the whole client is refused. */
  private noteRefusal(error: KafkaError): void {
    const now = Date.now();
    const broker = brokerOf(error.message);
    // A broker known by its id refused: the client had learned the cluster, so other brokers
    // may still take it (one broker's certificate gone wrong): an error event, not a refusal
    // of the whole client. Only the bootstrap connections speak for the cluster as a whole.
    if (broker !== undefined && !/^\S+?\/bootstrap: /.test(error.message.replace(/^[a-z_]+:\/\//i, ''))) return;
    if (broker !== undefined) this.#refusedBy.set(broker, now);
    const configured = this.bootstrapList();
    const all =
      broker === undefined ||
      (configured.length > 0 && configured.every((s) => now - (this.#refusedBy.get(s) ?? -Infinity) <= this.#refusalWindowMs));
    if (!all) return;
    const first = this.refusal === undefined;
    this.#refusal = { error, at: now };
    refusedErrors.add(error);
    if (!first) return;
    for (const reject of [...this.#refusalWaiters]) reject(error);
    this.#refusalWaiters.clear();
    try {
      this.onRefused(error);
    } catch (e) {
      rethrowLater(e);
    }
  }

  /**
   * A client whose every bootstrap server closes the connection at once, twice in a row, at a
   * point that says which protocol the listener expects; librdkafka logs each as a
   * disconnection and raises no error. This says what is likely wrong, once, and refuses the
   * client (calls fail with it, not at their timeouts):
   * - a client without TLS cut off at its first request (ApiVersions), within a second: a TLS
   *   listener, which reads the request as a broken handshake;
   * - a client without SASL cut off within a second of being up (ApiVersions answered): a SASL
   *   listener, which answers ApiVersions but closes on any other request before a login
   *   (Kafka 4.1 within ~100 ms, Kafka 3.9 after 120–350 ms).
   */
  private noteCutOff(line: string): void {
    // Log lines start with the thread's name: "[thrd:host:port/bootstrap]: host:port/bootstrap: …".
    const message = line.replace(/^\[thrd:[^\]]*\]: /, '');
    const cut = /Disconnected: connection closed by peer.*\(after (\d+)ms in state (APIVERSION_QUERY|UP)\b/.exec(message);
    if (!cut) return;
    const expects = cut[2] === 'UP' ? 'SASL' : 'TLS';
    // A slow close is something else (an idle connection, a broker going down).
    if (Number(cut[1]) >= 1000 || (expects === 'TLS' ? this.#protocol.endsWith('SSL') : this.#protocol.startsWith('SASL'))) return;
    const broker = brokerOf(message);
    if (broker === undefined || !/^\S+?\/bootstrap: /.test(message.replace(/^[a-z_]+:\/\//i, ''))) return;
    const key = `${expects} ${broker}`;
    this.#cutOff.set(key, (this.#cutOff.get(key) ?? 0) + 1);
    const configured = this.bootstrapList();
    if (configured.length === 0 || !configured.every((s) => (this.#cutOff.get(`${expects} ${s}`) ?? 0) >= 2)) return;
    if (this.refusal) {
      // Still cut off: the refusal stands.
      this.#refusal!.at = Date.now();
      return;
    }
    const error = protocolMismatch(this.servers, this.#protocol, expects, message.replace(/^\S+?: /, ''));
    this.#lastEventError = error;
    this.reportError(error);
    this.noteRefusal(error);
  }

  /** The configured bootstrap servers as `host:port`. */
  private bootstrapList(): string[] {
    return this.servers
      .split(',')
      .map((s) => s.trim().replace(/^[a-z_]+:\/\//i, ''))
      .filter((s) => s !== '');
  }

  /**
   * Waits until the cluster answers this client's configuration (a metadata request to a
   * bootstrap broker, with the client's security settings): a start-up check that fails
   * fast, where librdkafka itself would only log and retry (a `send()` then fails after
   * `message.timeout.ms`, 300 000 ms by default; a consumer waits for ever).
   *
   * @throws BrokersDownError naming the bootstrap servers and the last connection failure,
   *   when no broker answered within `timeoutMs` (default 10 000).
   * @throws KafkaError (`AUTHENTICATION`, `SSL`) when a broker answered but refused the
   *   client's credentials or TLS settings, as soon as it did; likewise the non-retriable
   *   `_TRANSPORT` error saying TLS is expected when a plaintext client reaches a TLS port.
   *
   * While every bootstrap server refuses a client that way, its calls in flight and new ones
   * fail at once with the same error (a copy naming the call, the event's error as `cause`),
   * instead of at their own timeouts; the refusal ends as for any call once the client is refused.
   * @throws ClosedError after close().
   */
  async connect(options: ConnectOptions = {}): Promise<void> {
    this.assertOpen('connect');
    if (options === null || typeof options !== 'object') throw new TypeError('connect(options) must be an object');
    const timeoutMs = options.timeoutMs ?? 10_000;
    checkTimeoutArg('connect: options.timeoutMs', timeoutMs);
    let lastError: KafkaError | undefined;
    this.#lastEventError = undefined;
    try {
      await this.probeCluster(timeoutMs, (e) => (lastError = e));
      this.noteAccepted();
    } catch (e) {
      this.assertOpen('connect');
      // Not an answer missing (a configuration the probe refused, a bug): as it is.
      if (!(e instanceof KafkaError) || e instanceof ConfigError) throw e;
      lastError ??= this.#lastEventError;
      if (lastError && REFUSED_CODES.has(lastError.code)) throw lastError;
      if (e instanceof KafkaError && REFUSED_CODES.has(e.code)) throw e;
      // The probe's own client saw the refusal (a protocol mismatch has no code of its own).
      if (e instanceof KafkaError && e.cause instanceof KafkaError && refusedErrors.has(e.cause)) throw e.cause;
      const refused = this.refusal;
      if (refused) throw refused;
      const why = lastError ?? (e instanceof Error ? e : undefined);
      throw new BrokersDownError(
        this.servers,
        `no broker of ${this.servers || '(no bootstrap.servers)'} answered within ${timeoutMs} ms${why ? ` (last error: ${this.redact(why.message)})` : ''}`,
        e,
      );
    }
  }

  /**
   * Sends one request that only the cluster can answer, within `timeoutMs`; passes the
   * connection errors seen meanwhile to `onError`.
   */
  protected abstract probeCluster(timeoutMs: number, onError: (error: KafkaError) => void): Promise<void>;

  /** What this client was configured with, for a probe by a separate client. */
  protected probeSource(): ProbeSource {
    return this.#probe ?? { config: {}, options: {} };
  }

  /** Starts answering librdkafka's token refresh requests for `target`. */
  protected startTokens(target: TokenTarget): void {
    this.#tokenTarget = target;
  }

  /** Stops token refreshes (on close). */
  protected stopTokens(): void {
    this.#refresher?.close();
  }

  /** Releases the client; idempotent. */
  abstract close(): Promise<unknown>;

  /** Holds or releases the process's event loop through the native handle. */
  protected abstract refHandle(ref: boolean): void;

  /** Lets the process exit while this client is open (like `socket.unref()`). */
  unref(): this {
    if (!this.closed) this.refHandle(false);
    return this;
  }

  /** Undoes {@link unref}. */
  ref(): this {
    if (!this.closed) this.refHandle(true);
    return this;
  }

  /** `await using client = …`: closes the client with the default deadline. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** True once close() was called. */
  get isClosed(): boolean {
    return this.closing || this.closed;
  }

  protected assertOpen(what: string): void {
    if (this.closing || this.closed) throw new ClosedError(`${this.kind} (${what} after close)`);
  }

  /** Handles the events every client gets; returns false for the ones left to the subclass. */
  protected handleCommonEvent(event: NativeEvent): boolean {
    switch (event.type) {
      case 'log': {
        // Before rate limiting: every cut-off connection counts.
        if (event.facility === 'FAIL' && this.#protocol !== 'SASL_SSL') this.noteCutOff(this.redact(event.message));
        const suppressed = this.limiter.admit(`log:${event.level}:${event.facility}:${event.message}`);
        if (suppressed === null) return true;
        const entry: LogEntry = { level: event.level, facility: event.facility, message: this.redact(event.message), suppressed };
        this.emitTyped('log', entry);
        const logger = this.logger;
        if (logger) {
          const fields = { facility: entry.facility, suppressed: entry.suppressed || undefined, client: this.kind };
          const level = entry.level <= 3 ? 'error' : entry.level <= 4 ? 'warn' : entry.level <= 6 ? 'info' : 'debug';
          callApplication((f: object, m: string) => logger[level](f, m), fields, entry.message);
        }
        return true;
      }
      case 'error': {
        // A certificate failure comes as _SSL or as _TRANSPORT with OpenSSL's bare text: one
        // typed TLS error, worded the same, whichever way it came.
        const tls = normalizeTlsError(event.error.code, this.redact(event.error.message));
        const message = tls.code === ErrorCode.SSL ? explainTlsHandshakeError(tls.message, this.hostnameVerification) : tls.message;
        let error = nativeError(tls.code === event.error.code ? { ...event.error, message } : { code: tls.code, message });
        if (error.code === ErrorCode.ALL_BROKERS_DOWN) {
          const named = this.servers === '' || message.includes(this.servers) ? message : `${message} (bootstrap.servers: ${this.servers})`;
          error = new BrokersDownError(this.servers, named);
        }
        this.#lastEventError = error;
        this.reportError(error);
        this.noteBootstrapFailure(error);
        if (REFUSED_CODES.has(error.code)) this.noteRefusal(error);
        return true;
      }
      case 'stats':
        this.emitTyped('stats', JSON.parse(this.redact(event.json)) as Record<string, unknown>);
        return true;
      case 'oauthbearer-refresh':
        if (this.#refresher) void this.#refresher.onRefreshRequested();
        else this.reportError(new ConfigError('oauthbearer', 'librdkafka asked for an OAUTHBEARER token but no token provider is configured'));
        return true;
      default:
        return false;
    }
  }

  /** `text` without any secret value of this client's configuration. */
  protected redact(text: string): string {
    if (this.#secrets.length === 0) return text;
    for (const secret of this.#secrets) {
      if (text.includes(secret)) return redactText(text, this.#secrets);
    }
    return text;
  }

  /** A deprecated or doubtful setting: logged as a warning, never fatal. */
  protected configWarning(property: string, message: string): void {
    if (this.logger) this.logger.warn({ property, client: this.kind }, message);
    else process.emitWarning(`${this.kind} configuration ${JSON.stringify(property)}: ${message}`, { code: 'OCTOKAFKA_CONFIG' });
  }

  /** Emits an error that belongs to no call, rate-limited; never throws for lack of listeners. */
  protected reportError(error: KafkaError): void {
    // Counted before rate limiting: metrics see every error, logs one per window.
    if (clientErrorChannel.hasSubscribers) clientErrorChannel.publish({ client: this, error });
    const suppressed = this.limiter.admit(`error:${error.code}:${error.message}`);
    if (suppressed === null) return;
    const logger = this.logger;
    if (logger) {
      const fields = { code: error.codeName, fatal: error.isFatal, suppressed: suppressed || undefined, client: this.kind };
      callApplication((f: object, m: string) => logger.error(f, m), fields, error.message);
    }
    if (this.listenerCount('error') > 0) {
      this.emitTyped('error', error);
    } else if (!this.logger) {
      // Not silently dropped, and not an uncaught 'error' event that kills the process.
      process.emitWarning(`${this.kind}: ${error.message}${suppressed ? ` (${suppressed} repeats suppressed)` : ''}`, {
        code: `OCTOKAFKA_${error.codeName}`,
      });
    }
  }

  /**
   * Emits an event to the application's listeners. A listener that throws stops neither the
   * other listeners nor the client's handling of the rest of the native batch: its exception
   * is rethrown on a later tick, an uncaught exception (see ../util/user-code).
   */
  protected emitTyped<K extends keyof ClientEvents>(name: K, ...args: ClientEvents[K]): void {
    emitSafely(this, name, ...args);
  }

  /** Adds a listener for one of the {@link ClientEvents}. */
  override on<K extends keyof ClientEvents>(name: K, listener: (...args: ClientEvents[K]) => void): this;
  /** Adds a listener for any event name (EventEmitter's signature). */
  override on(name: string | symbol, listener: (...args: any[]) => void): this;
  override on(name: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(name, listener);
  }
}
