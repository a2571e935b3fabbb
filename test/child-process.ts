/**
 * Child processes for tests, without blocking the test process's event loop. vitest's worker
 * talks to its main process over RPC with a 60 s timeout timer: a spawnSync that blocks the
 * loop for longer fires that timer as soon as the loop runs again ("Timeout calling
 * onTaskUpdate"), and the run fails although every test passed. Anything that may take tens
 * of seconds (builds, npm, javac, a child that runs a stress loop) goes through here.
 */
import { spawn } from 'node:child_process';

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kills the child with SIGTERM after this many milliseconds, as spawnSync's `timeout`. */
  timeout?: number;
}

/** spawnSync's result (status, signal, output), asynchronously. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, timeout: options.timeout, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** execFileSync's contract: resolves with stdout; rejects naming the command, its exit and stderr. */
export async function runOk(command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const r = await run(command, args, options);
  if (r.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${r.signal ?? `exit ${r.status}`}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}
