/**
 * Retry policy of a worker: how many attempts a message gets and how long to wait between
 * them (exponential backoff with jitter, capped).
 */
import { ConfigError } from '../../util/errors';

/** How a worker retries a failed unit: exponential backoff with jitter. */
export interface RetryPolicy {
  /** Attempts in all, the first one included (default 5; 1: no retry). */
  maxAttempts: number;
  /** Wait before the second attempt (default 200 ms). */
  initialDelayMs: number;
  /** Longest wait between two attempts (default 30 000 ms). */
  maxDelayMs: number;
  /** Each wait is the previous one times this (default 2). */
  multiplier: number;
  /** Random spread of each wait, as a fraction of it: 0.2 → ±20 % (default 0.2). */
  jitter: number;
}

/** The retry policy a worker uses unless its `retry` option says otherwise. */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 30_000, multiplier: 2, jitter: 0.2 };

function check(name: keyof RetryPolicy, value: number, ok: boolean, rule: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok) {
    throw new ConfigError(`retry.${name}`, `must be ${rule}, got ${String(value)}`);
  }
}

/**
 * A complete policy from the worker's `retry` option: `false` means one attempt; missing
 * fields take {@link DEFAULT_RETRY}'s.
 * @throws ConfigError naming the field that is wrong.
 */
export function resolveRetry(input: Partial<RetryPolicy> | false | undefined): RetryPolicy {
  if (input === false) return { ...DEFAULT_RETRY, maxAttempts: 1 };
  if (input !== undefined && (input === null || typeof input !== 'object')) {
    throw new ConfigError('retry', 'must be an object ({ maxAttempts, initialDelayMs, maxDelayMs, multiplier, jitter }) or false');
  }
  const known = Object.keys(DEFAULT_RETRY);
  const unknown = Object.keys(input ?? {}).find((k) => !known.includes(k));
  if (unknown !== undefined) throw new ConfigError(`retry.${unknown}`, `is not a retry setting (known: ${known.join(', ')})`);
  const p: RetryPolicy = { ...DEFAULT_RETRY, ...input };
  check('maxAttempts', p.maxAttempts, Number.isInteger(p.maxAttempts) && p.maxAttempts >= 1, 'an integer ≥ 1');
  check('initialDelayMs', p.initialDelayMs, p.initialDelayMs >= 0, '≥ 0');
  check('maxDelayMs', p.maxDelayMs, p.maxDelayMs >= p.initialDelayMs, `≥ initialDelayMs (${p.initialDelayMs})`);
  check('multiplier', p.multiplier, p.multiplier >= 1, '≥ 1');
  check('jitter', p.jitter, p.jitter >= 0 && p.jitter <= 1, 'from 0 to 1');
  return p;
}

/**
 * The wait after the `failures`-th failed attempt (1 for the first): initialDelayMs ×
 * multiplier^(failures−1), capped at maxDelayMs, spread by ±jitter.
 */
export function backoffDelay(policy: RetryPolicy, failures: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** Math.max(0, failures - 1));
  const spread = base * policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(policy.maxDelayMs, Math.round(base + spread)));
}

/** Waits `ms`; resolves false at once when the signal aborts (before or during the wait). */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
