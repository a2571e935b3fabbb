// Types of lifecycle-driver.mjs (a plain ES module, also run as a worker script) for the
// TypeScript tests that import it; the JSDoc of the modules it re-exports says the same.

export declare const DRIVER_PATH: string;
/** The built library (dist/cjs), loaded in this thread. */
export declare function loadLibrary(): typeof import('../../lib/index');

export interface Rng {
  u32(): number;
  int(n: number): number;
  range(a: number, b: number): number;
  chance(p: number): boolean;
  pick<T>(list: readonly T[]): T;
}
export declare function prng(seed: number): Rng;

export declare class HandlerFault extends Error {
  constructor();
}

export interface ThreadReport {
  thread: string;
  seed: number;
  steps: number;
  ops: Record<string, number>;
  errors: Record<string, number>;
  tracked: number;
  settled: number;
  hanging: Array<{ op: string; step: number }>;
  violations: string[];
  errorEvents: number;
  afterClose: number;
  sanity: boolean;
  durationMs: number;
}

export interface FuzzOptions {
  seed: number;
  steps: number;
  thread: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  cluster?: any;
  shared?: string;
  settleDeadlineMs?: number;
  onStep?: (step: number) => void;
  only?: RegExp;
  /** Receives one line per operation launched: step, name, client. */
  trace?: (line: string) => void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  lib?: any;
}
export declare function runLifecycleFuzz(options: FuzzOptions): Promise<ThreadReport>;

export interface SessionOptions {
  seed: number;
  mainSteps: number;
  workers: number;
  workerSteps: number;
  terminate?: boolean;
  settleDeadlineMs?: number;
  only?: RegExp;
  log?: (line: string) => void;
  /** Receives one line per operation launched in any thread: thread, step, name, client. */
  trace?: (line: string) => void;
}
export interface SessionReport {
  seed: number;
  threads: ThreadReport[];
  failures: string[];
  terminated: { seed: number; stepsBeforeTerminate: number; exitCode: number } | undefined;
  durationMs: number;
}
export declare function runSession(options: SessionOptions): Promise<SessionReport>;
export declare function sessionProblems(s: SessionReport): string[];
export declare function summarize(s: SessionReport): string;
