/**
 * SASL/OAUTHBEARER token refresh, independent of the native addon: the addon forwards
 * librdkafka's refresh requests to {@link TokenRefresher.onRefreshRequested} and implements
 * the {@link TokenSink} with `rd_kafka_oauthbearer_set_token` / `..._set_token_failure`.
 */
import { ConfigError, ErrorCode, KafkaError } from '../util/errors';
import { redactText } from '../config/secrets';

/** What a token provider returns. */
export interface OAuthBearerToken {
  /** The token value sent to the broker. */
  token: string;
  /** How long the token stays valid, in milliseconds from when the provider was called. */
  lifetimeMs: number;
  /** The Kafka principal name the token stands for (librdkafka requires one). */
  principal: string;
  /** SASL extensions (RFC 7628): keys of letters only, `auth` reserved. */
  extensions?: Record<string, string>;
}

/** A fixed token with an absolute expiry, for tokens obtained outside the application. */
export interface StaticOAuthBearerToken {
  /** The token value sent to the broker. */
  token: string;
  /** Expiry as milliseconds since the Unix epoch. */
  expiresAtMs: number;
  /** The Kafka principal name the token stands for. */
  principal: string;
  /** SASL extensions (RFC 7628). */
  extensions?: Record<string, string>;
}

/** Produces fresh tokens; may be slow (network) and may fail. */
export type OAuthBearerTokenProvider = () => Promise<OAuthBearerToken>;

/** Where tokens go: the native client (librdkafka's set_token / set_token_failure). */
export interface TokenSink {
  /** Installs a token; `expiresAtMs` is absolute (librdkafka's `md_lifetime_ms`). */
  setToken(token: string, expiresAtMs: number, principal: string, extensions: Record<string, string>): void;
  /** Reports that no token could be obtained; `message` is already redacted. */
  setTokenFailure(message: string): void;
}

/** The time source and timers, injectable so tests can drive refresh timing. */
export interface RefreshClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Tuning for {@link TokenRefresher}; the defaults suit production. */
export interface TokenRefresherOptions {
  /** Defaults to the real clock (timers unref'd so they never keep the process alive). */
  clock?: RefreshClock;
  /** First retry delay after a failure, doubled per consecutive failure. Default 1000. */
  initialBackoffMs?: number;
  /** Largest retry delay. Default 60000. */
  maxBackoffMs?: number;
  /** Randomise retry delays by ±20% so many clients don't retry in lockstep. Default true. */
  jitter?: boolean;
  /**
   * Fraction of a token's lifetime after which the refresher refreshes by itself, in case
   * librdkafka (which asks at 80%) does not. Default 0.9.
   */
  selfRefreshRatio?: number;
  /** Further secret values to scrub from failure messages (tokens already set are always scrubbed). */
  secrets?: () => Iterable<string>;
  /** Observes each provider failure (the original error), e.g. for logging. */
  onError?: (error: unknown) => void;
}

const realClock: RefreshClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending refresh must not keep an otherwise finished process alive.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

// librdkafka's own rules (rdkafka_sasl_oauthbearer.c), checked here so a bad token fails
// with a clear message instead of an INVALID_ARG from set_token.
const EXTENSION_KEY = /^[A-Za-z]+$/;
const TOKEN_CHARS = /^[\x21-\x7E \t\r\n]*$/;

/** What is wrong with a token's fields, or undefined; never quotes the token itself. */
function tokenProblem(t: { token?: unknown; principal?: unknown; extensions?: unknown } | null): string | undefined {
  if (t === null || typeof t !== 'object') return 'expected an object { token, lifetimeMs, principal }';
  if (typeof t.token !== 'string' || t.token.length === 0) return 'token must be a non-empty string';
  if (!TOKEN_CHARS.test(t.token)) return 'token contains characters outside printable ASCII';
  if (typeof t.principal !== 'string' || t.principal.length === 0) return 'principal must be a non-empty string';
  if (t.extensions === undefined) return undefined;
  if (t.extensions === null || typeof t.extensions !== 'object') return 'extensions must be an object of strings';
  for (const [key, value] of Object.entries(t.extensions)) {
    if (!EXTENSION_KEY.test(key)) return `extension key ${JSON.stringify(key)} must consist of letters A-Z, a-z only`;
    if (key === 'auth') return 'extension key "auth" is reserved';
    if (typeof value !== 'string' || !TOKEN_CHARS.test(value)) {
      return `extension ${JSON.stringify(key)} must be a string of printable ASCII`;
    }
  }
  return undefined;
}

function isStaticToken(source: OAuthBearerTokenProvider | StaticOAuthBearerToken): source is StaticOAuthBearerToken {
  return typeof source !== 'function';
}

/**
 * Keeps a client supplied with OAUTHBEARER tokens. Calls the provider when librdkafka asks
 * (at start and at ~80% of a token's lifetime) and by itself shortly before expiry, never
 * twice at once; on failure reports the provider's (redacted) message and retries with
 * exponential backoff.
 */
export class TokenRefresher {
  readonly #source: OAuthBearerTokenProvider | StaticOAuthBearerToken;
  readonly #sink: TokenSink;
  readonly #clock: RefreshClock;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #jitter: boolean;
  readonly #selfRefreshRatio: number;
  readonly #secrets: () => Iterable<string>;
  readonly #onError: ((error: unknown) => void) | undefined;
  #inFlight: Promise<void> | undefined;
  #timer: unknown;
  #timerIsRetry = false;
  #failures = 0;
  #closed = false;
  // Recent tokens: a provider error that echoes one must not leak it.
  readonly #issued = new Set<string>();

  constructor(source: OAuthBearerTokenProvider | StaticOAuthBearerToken, sink: TokenSink, options: TokenRefresherOptions = {}) {
    if (typeof source !== 'function') {
      if (source === null || typeof source !== 'object') {
        throw new ConfigError('oauthbearer', 'expected a token provider function or a static token { token, expiresAtMs, principal }');
      }
      const problem = tokenProblem(source);
      if (problem) throw new ConfigError('oauthbearer.token', `invalid static OAUTHBEARER token: ${problem}`);
      if (typeof source.expiresAtMs !== 'number' || !Number.isFinite(source.expiresAtMs)) {
        throw new ConfigError('oauthbearer.expiresAtMs', 'must be a finite number of milliseconds since the epoch');
      }
    }
    this.#source = source;
    this.#sink = sink;
    this.#clock = options.clock ?? realClock;
    this.#initialBackoffMs = options.initialBackoffMs ?? 1_000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.#jitter = options.jitter ?? true;
    this.#selfRefreshRatio = options.selfRefreshRatio ?? 0.9;
    this.#secrets = options.secrets ?? (() => []);
    this.#onError = options.onError;
    if (!(this.#selfRefreshRatio > 0 && this.#selfRefreshRatio < 1)) {
      throw new ConfigError('selfRefreshRatio', 'must be between 0 and 1 (exclusive)');
    }
    if (!(this.#initialBackoffMs > 0 && this.#maxBackoffMs >= this.#initialBackoffMs)) {
      throw new ConfigError('initialBackoffMs', 'backoff delays must be positive with maxBackoffMs >= initialBackoffMs');
    }
  }

  /**
   * librdkafka asked for a token. Starts a refresh unless one is running (then joins it) or a
   * retry is already scheduled (the retry answers; asking more often would defeat the
   * backoff). Resolves when the attempt is over; never rejects.
   */
  onRefreshRequested(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#inFlight) return this.#inFlight;
    if (this.#timer !== undefined && this.#timerIsRetry) return Promise.resolve();
    this.#cancelTimer();
    const attempt = this.#refresh().finally(() => {
      this.#inFlight = undefined;
    });
    this.#inFlight = attempt;
    return attempt;
  }

  /** Stops all timers; a provider call still running completes but its result is dropped. */
  close(): void {
    this.#closed = true;
    this.#cancelTimer();
  }

  async #refresh(): Promise<void> {
    const startedAt = this.#clock.now();
    let token: string;
    let expiresAtMs: number;
    let principal: string;
    let extensions: Record<string, string>;
    try {
      if (isStaticToken(this.#source)) {
        ({ token, expiresAtMs, principal } = this.#source);
        extensions = this.#source.extensions ?? {};
        if (expiresAtMs <= startedAt) {
          throw new KafkaError({
            message: `static OAUTHBEARER token expired at ${new Date(expiresAtMs).toISOString()}`,
            code: ErrorCode.INVALID_ARG,
          });
        }
      } else {
        const result = await this.#source();
        const problem =
          tokenProblem(result) ??
          (typeof result.lifetimeMs !== 'number' || !Number.isFinite(result.lifetimeMs) || result.lifetimeMs <= 0
            ? 'lifetimeMs must be a positive number'
            : undefined);
        if (problem) {
          throw new KafkaError({ message: `OAUTHBEARER token provider returned an invalid token: ${problem}`, code: ErrorCode.INVALID_ARG });
        }
        ({ token, principal } = result);
        extensions = result.extensions ?? {};
        // Measured from the call's start: the token's lifetime began no earlier, so this
        // errs towards refreshing early, never late.
        expiresAtMs = startedAt + result.lifetimeMs;
      }
    } catch (error) {
      if (!this.#closed) this.#fail(error);
      return;
    }
    if (this.#closed) return;
    this.#remember(token);
    try {
      this.#sink.setToken(token, expiresAtMs, principal, { ...extensions });
    } catch (error) {
      // The client refused the token (e.g. already expired by its clock): same as a failed fetch.
      this.#fail(error);
      return;
    }
    this.#failures = 0;
    if (!isStaticToken(this.#source)) {
      const now = this.#clock.now();
      this.#schedule(Math.max(0, (expiresAtMs - now) * this.#selfRefreshRatio), false);
    }
  }

  #remember(token: string): void {
    this.#issued.delete(token);
    this.#issued.add(token);
    // Only recent tokens can plausibly be echoed by a provider; keep the set bounded.
    for (const old of this.#issued) {
      if (this.#issued.size <= 4) break;
      this.#issued.delete(old);
    }
  }

  /** Reports a failed attempt and schedules the retry; never throws (it runs in timer callbacks). */
  #fail(error: unknown): void {
    try {
      this.#onError?.(error);
    } catch {
      // An observer's bug must not stop the retries.
    }
    try {
      this.#sink.setTokenFailure(this.#failureMessage(error));
    } catch (sinkError) {
      try {
        this.#onError?.(sinkError);
      } catch {
        // As above.
      }
    }
    // A static token cannot renew itself; librdkafka's own 10 s re-asks report it again.
    if (!isStaticToken(this.#source)) this.#scheduleRetry();
  }

  #failureMessage(error: unknown): string {
    const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
    const redacted = redactText(raw, [...this.#issued, ...this.#secrets()]).trim();
    // librdkafka rejects an empty failure reason.
    return redacted.length > 0 ? redacted : 'OAUTHBEARER token provider failed without a message';
  }

  #scheduleRetry(): void {
    this.#failures += 1;
    const base = Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** (this.#failures - 1));
    const delay = this.#jitter ? Math.min(this.#maxBackoffMs, base * (0.8 + 0.4 * Math.random())) : base;
    this.#schedule(delay, true);
  }

  #schedule(ms: number, isRetry: boolean): void {
    this.#cancelTimer();
    this.#timerIsRetry = isRetry;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerIsRetry = false;
      void this.onRefreshRequested();
    }, ms);
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerIsRetry = false;
  }
}
