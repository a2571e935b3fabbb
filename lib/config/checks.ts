/**
 * Checks of what the clients take besides their librdkafka configuration. Options objects
 * (constructor options, topic producer/consumer options) fail with a {@link ConfigError}
 * naming the option; arguments of a call fail with a TypeError naming the call and the
 * argument. Both run before anything reaches native code, so a bad value never leaves a
 * half-made client behind or surfaces later from a callback.
 */
import { kindOf } from './config-values';
import { ConfigError } from '../util/errors';

/** An options argument: undefined (defaults) or a plain object. */
export function checkOptions(options: unknown, what = 'options'): asserts options is Record<string, unknown> | undefined {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(what, `must be an object, got ${kindOf(options)}`);
  }
}

/** An optional callback option. */
export function checkFunctionOption(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw new ConfigError(name, `must be a function, got ${kindOf(value)}`);
}

/** An optional option that counts something: a positive integer. */
export function checkCountOption(name: string, value: unknown): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isSafeInteger(value) && value >= 1)) {
    throw new ConfigError(name, `must be a positive integer, got ${describe(value)}`);
  }
}

/** An optional duration option in milliseconds: a finite number ≥ 0. */
export function checkDurationOption(name: string, value: unknown): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    throw new ConfigError(name, `must be a number of milliseconds ≥ 0, got ${describe(value)}`);
  }
}

/** A logger option: an object with the four methods octokafka calls. */
export function checkLoggerOption(value: unknown): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object') throw new ConfigError('logger', `must be a logger object (error, warn, info, debug), got ${kindOf(value)}`);
  for (const method of ['error', 'warn', 'info', 'debug'] as const) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function') {
      throw new ConfigError('logger', `must have an ${method}() method (a pino-compatible logger)`);
    }
  }
}

/** A timeout argument of a call: undefined, or a finite number of milliseconds ≥ 0. */
export function checkTimeoutArg(what: string, value: unknown): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    throw new TypeError(`${what} must be a number of milliseconds ≥ 0, got ${describe(value)}`);
  }
}

/** A count argument of a call (a batch size, a maximum): a positive integer. */
export function checkCountArg(what: string, value: unknown): void {
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= 1)) {
    throw new TypeError(`${what} must be a positive integer, got ${describe(value)}`);
  }
}

/** An AbortSignal argument, or undefined. */
export function checkSignalArg(what: string, value: unknown): void {
  // Duck-typed: a signal from another realm or a polyfill works as well.
  const ok = value === undefined || (typeof value === 'object' && value !== null && typeof (value as AbortSignal).aborted === 'boolean' && typeof (value as AbortSignal).addEventListener === 'function');
  if (!ok) throw new TypeError(`${what} must be an AbortSignal, got ${kindOf(value)}`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' ? String(value) : kindOf(value);
}
