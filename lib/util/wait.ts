/** How a {@link waitForWake} ended. */
export type WakeOutcome = 'woken' | 'timeout' | 'aborted';

/**
 * Waits until someone calls the waker this registers in `waiters` (removing it, e.g. with
 * `waiters.splice(0)` or `waiters.shift()`), the timeout passes (none when undefined) or
 * the signal aborts. The waker leaves `waiters` however the wait ends; callers map the
 * outcome to their own result or error.
 */
export function waitForWake(waiters: Array<() => void>, options: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined }): Promise<WakeOutcome> {
  const { signal, timeoutMs } = options;
  if (signal?.aborted) return Promise.resolve('aborted');
  return new Promise<WakeOutcome>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (outcome: WakeOutcome): void => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      const at = waiters.indexOf(wake);
      if (at >= 0) waiters.splice(at, 1);
      resolve(outcome);
    };
    const wake = (): void => done('woken');
    const onAbort = (): void => done('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) timer = setTimeout(() => done('timeout'), timeoutMs);
    waiters.push(wake);
  });
}
