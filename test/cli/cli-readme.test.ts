/**
 * docs/command-line.md's "Try it" section runs as written: its shell blocks are executed line
 * by line (`npx octokafka` → the built CLI), the first without any configuration, the
 * third against the `octokafka mock` the second block starts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { cleanEnv, cliPath, root, startMock, type MockProcess } from '../cli-helpers';

const page = readFileSync(join(root, 'docs/command-line.md'), 'utf8');
const section = page.slice(page.indexOf('## Try it'), page.indexOf('\n## ', page.indexOf('## Try it') + 1));
const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim().split('\n'));

/** Runs one line of the page with bash; returns stdout (stderr goes to the error on failure). */
function sh(line: string, env: NodeJS.ProcessEnv): string {
  const command = line.replace(/npx octokafka/g, `${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)}`);
  try {
    return execFileSync('bash', ['-o', 'pipefail', '-c', command], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (e) {
    const err = e as { status: number; stderr: string };
    throw new Error(`docs/command-line.md line failed (exit ${err.status}): ${line}\n${err.stderr}`);
  }
}

let mock: MockProcess | undefined;

afterAll(async () => {
  await mock?.stop();
});

describe('docs/command-line.md: Try it', () => {
  it('has the three shell blocks the section describes', () => {
    expect(blocks).toHaveLength(3);
    expect(blocks[1]![0]).toMatch(/^npx octokafka mock --topic events:3\s+#/);
    expect(blocks[1]![1]).toMatch(/^export KAFKA_BOOTSTRAP_SERVERS=127\.0\.0\.1:PORT\s+#/);
  });

  it('the first block runs without any configuration (embedded cluster)', () => {
    for (const line of blocks[0]!) sh(line, cleanEnv());
  });

  describe('the third block, against `octokafka mock --topic events:3`', () => {
    let env: NodeJS.ProcessEnv;
    beforeAll(async () => {
      mock = await startMock(['--topic', 'events:3']);
      env = cleanEnv({ KAFKA_BOOTSTRAP_SERVERS: mock.bootstrapServers });
    });

    it('runs line by line, each with exit code 0', () => {
      const outputs = blocks[2]!.map((line) => sh(line, env));
      // consume --count 100 with the format string: the 100 numbers, each with its position.
      const formatted = outputs[1]!.trim().split('\n');
      expect(formatted).toHaveLength(100);
      expect(formatted.map((l) => Number(l.split(' ')[1])).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(formatted.every((l) => /^[0-2]@\d+ \d+$/.test(l))).toBe(true);
      // status --group readme: 50 of the 101 messages committed; lag = high - committed.
      const rows = [...outputs[4]!.matchAll(/^ {4}events +(\d) +(\d+|-) +(\d+) +(\d+|-)$/gm)].map((m) => m.slice(1));
      expect(rows.map((r) => r[0])).toEqual(['0', '1', '2']);
      const committed = rows.filter((r) => r[1] !== '-');
      expect(committed.reduce((n, r) => n + Number(r[1]), 0)).toBe(50);
      for (const r of committed) expect(Number(r[3])).toBe(Number(r[2]) - Number(r[1]));
      const lag = committed.reduce((n, r) => n + Number(r[3]), 0);
      expect(outputs[4]).toMatch(new RegExp(`^ {2}readme {2}state .* {2}lag ${lag}$`, 'm'));
      // The event read back, with its metadata.
      expect(JSON.parse(outputs[9]!)).toMatchObject({ topic: 'sensors', metadata: { sensor: 's1', reading: 21 }, data: 'raw frame' });
    }, 180_000);
  });
});
