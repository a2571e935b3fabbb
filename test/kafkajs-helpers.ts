/** Shared plumbing of the octokafka/kafkajs tests: a cluster (mock or real), unique names, waiting. */
import { startCluster, unique, type TestCluster } from './helpers';

export { unique };

export async function kafkajsCluster(): Promise<TestCluster> {
  return startCluster();
}

/** Resolves when `check()` is true; rejects after `timeoutMs` saying what it waited for. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A console stand-in that records what the documentation programs print. */
export function recorder(): { console: { log: (...args: unknown[]) => void; error: (...args: unknown[]) => void }; lines: unknown[][] } {
  const lines: unknown[][] = [];
  return { lines, console: { log: (...args) => lines.push(args), error: (...args) => lines.push(['error', ...args]) } };
}
