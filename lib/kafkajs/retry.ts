/** KafkaJS's retry policy: randomized exponential backoff and its error classification. */
import type { ClientBase } from './config-mapping';

const UNRECOVERABLE = new Set(['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError']);

/** As KafkaJS: retriable unless `retriable === false` or a programming error (TypeError, …). */
export function isRetriable(e: unknown): boolean {
  const err = e as { retriable?: unknown; name?: unknown } | null;
  return err !== null && typeof err === 'object' && err.retriable !== false && !UNRECOVERABLE.has(String(err.name));
}

function randomized(factor: number, time: number): number {
  const delta = factor * time;
  return Math.ceil(Math.random() * 2 * delta + (time - delta));
}

/** The delays KafkaJS waits before retry 1, 2, …: `initialRetryTime` ± `factor`, × `multiplier` each time, at most `maxRetryTime`. */
export function retryDelays(retry: ClientBase['retry']): () => number {
  let time = randomized(retry.factor, retry.initialRetryTime);
  return () => {
    const now = time;
    time = Math.min(randomized(retry.factor, time) * retry.multiplier, retry.maxRetryTime);
    return now;
  };
}
