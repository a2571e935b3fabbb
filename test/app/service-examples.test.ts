/**
 * The README's commands for named connections, workers and observability run as written
 * (on the embedded cluster) and print what the README says they print.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');

async function run(example: string): Promise<string> {
  // The examples start an embedded cluster: KAFKA_* from a real-cluster test run must not redirect them.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KAFKA_') && k !== 'OCTOKAFKA_CONFIG'));
  const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'examples', example)], { cwd: root, env, timeout: 60_000 });
  return stdout;
}

describe('examples', () => {
  it('examples/connections.mjs', async () => {
    const out = await run('connections.mjs');
    expect(out).toBe('same producer everywhere: true\nconsumed: hello from a named connection\nclosed: true\n');
  });

  it('examples/worker.mjs', async () => {
    const out = await run('worker.mjs');
    expect(out).toMatch(/^GET \/healthz → \{"ready":true,"state":"running","assignedPartitions":4,"connected":true/m);
    expect(out).toContain('octokafka_worker_messages_processed_total{group="billing"} 3\n');
    expect(out).toContain('octokafka_worker_handler_failures_total{group="billing"} 3\n');
    expect(out).toContain('octokafka_worker_dead_lettered_total{group="billing"} 1\n');
    expect(out).toMatch(/^dead letter: not json from orders \[\d\] @ \d after 3 attempts: Unexpected token/m);
  });

  it('examples/observability.mjs', async () => {
    const out = await run('observability.mjs');
    expect(out).toMatch(/^produce span: sendBatch of 3 message\(s\)$/m);
    expect(out.match(/^handled "event \d" in trace 4bf92f3577b34da6a3ce929d0e0e4736 \(parent span 00f067aa0ba902b7\)$/gm)).toHaveLength(3);
    expect(out).toMatch(/^octokafka_consumer_lag\{client="rdkafka#consumer-\d+",client_id="rdkafka",type="consumer",topic="events",partition="0"\} 0$/m);
    expect(out).toMatch(/^octokafka_messages_sent_total\{client="rdkafka#producer-\d+",client_id="rdkafka",type="producer"\} 3$/m);
    expect(out).toMatch(/^octokafka_consumer_rebalances_total\{client="rdkafka#consumer-\d+",type="consumer",kind="assign"\} 1$/m);
  });
});
