/**
 * Driving the `octokafka` command as a user would: spawned processes of the built CLI
 * (`dist/cjs/cli.js`; `npm test` builds it first), against an `octokafka mock` process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const root = join(__dirname, '..');
export const cliPath = join(root, 'dist/cjs/cli.js');

/** What a finished command left. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time, for "gives up within its timeout" checks only. */
  ms: number;
}

/** The environment without anything that would pick a cluster or a configuration for the CLI. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('KAFKA_') || k === 'OCTOKAFKA_CONFIG') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Options of {@link run}. */
export interface RunOptions {
  /** Written to stdin, which is then closed (default: stdin closed at once). */
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Kills the command after this long (a safety net; the test then fails on the code). */
  killAfterMs?: number;
}

/** Runs `octokafka ...args` to the end. */
export async function run(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const child = spawn(process.execPath, [cliPath, ...args], { env: options.env ?? cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin!.on('error', () => undefined); // a command that exits before reading its input
  child.stdin!.end(options.input ?? '');
  const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 50_000);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(killer);
  return { code, signal, stdout, stderr, ms: performance.now() - started };
}

/** A running `octokafka mock`; `stop()` closes its stdin, which stops it, and returns its exit code. */
export interface MockProcess {
  bootstrapServers: string;
  child: ChildProcess;
  stop(): Promise<number | null>;
}

/** Starts `octokafka mock ...args` and waits for its `bootstrap.servers=` line. */
export async function startMock(args: string[] = []): Promise<MockProcess> {
  const child = spawn(process.execPath, [cliPath, 'mock', ...args], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`octokafka mock exited with ${String(code)} before printing its bootstrap servers`);
    }),
  ])) as [string];
  const match = /^bootstrap\.servers=(\S+)$/.exec(line);
  if (!match) throw new Error(`unexpected first line of octokafka mock: ${line}`);
  return {
    bootstrapServers: match[1]!,
    child,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.stdin!.end();
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
