/**
 * A worker thread that goes away while it holds a client: the process survives, and the
 * teardown is bounded. Each scenario runs in a child process whose main thread never loads
 * the library (the case that crashed most reliably: the addon is unloaded with the worker),
 * against a port where nothing listens, so that no broker answer changes the ordering.
 */
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { run } from '../child-process';

const lib = join(__dirname, '..', '..', 'dist', 'cjs', 'index.js');

type Kind = 'KafkaProducer' | 'KafkaConsumer' | 'KafkaAdmin';

/**
 * Runs a parent process that starts one worker. The worker creates `kind` against
 * 127.0.0.1:1, runs `work` (a JS statement using `client`), says 'ready', and then either
 * the parent terminates it after `delayMs` or it calls process.exit(0) itself.
 */
async function scenario(kind: Kind, how: 'terminate' | 'exit', delayMs: number, work = '') {
  const workerSource = `
    const { parentPort } = require('node:worker_threads');
    const k = require(${JSON.stringify(lib)});
    const conf = { 'bootstrap.servers': '127.0.0.1:1', 'log_level': 0 };
    if (${JSON.stringify(kind)} === 'KafkaConsumer') conf['group.id'] = 'teardown';
    const client = new k[${JSON.stringify(kind)}](conf);
    client.on('error', () => {});
    ${work}
    parentPort.postMessage('ready');
    if (${JSON.stringify(how)} === 'exit') setTimeout(() => process.exit(0), ${delayMs});
  `;
  const parent = `
    const { Worker } = require('node:worker_threads');
    const started = Date.now();
    const w = new Worker(${JSON.stringify(workerSource)}, { eval: true });
    w.on('error', (e) => console.log('worker error: ' + e.message));
    w.once('message', () => {
      if (${JSON.stringify(how)} === 'terminate') {
        setTimeout(() => {
          const t = Date.now();
          w.terminate().then((code) => console.log(JSON.stringify({ terminated: code, ms: Date.now() - t })));
        }, ${delayMs});
      }
    });
    w.once('exit', (code) => {
      console.log(JSON.stringify({ exit: code, total: Date.now() - started }));
      setTimeout(() => console.log('parent alive'), 200);
    });
  `;
  return run(process.execPath, ['-e', parent], { timeout: 60_000 });
}

function lines(stdout: string): Array<Record<string, number>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, number>);
}

describe('a worker that goes away while it holds a client (broker unreachable)', () => {
  const kinds: Kind[] = ['KafkaProducer', 'KafkaConsumer', 'KafkaAdmin'];
  for (const kind of kinds) {
    for (const [how, delay] of [
      ['terminate', 50],
      ['terminate', 1000],
      ['exit', 50],
    ] as const) {
      it(`${kind}: ${how} after ${delay} ms leaves the process running`, async () => {
        const r = await scenario(kind, how, delay);
        expect(r.signal, r.stderr).toBeNull();
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toContain('parent alive');
        expect(r.stderr).not.toMatch(/terminate called|internal error/);
        const exit = lines(r.stdout).find((l) => 'exit' in l);
        expect(exit?.exit).toBe(how === 'exit' ? 0 : 1);
      });
    }
  }

  it('a producer terminated during flush(20000) is torn down within the 5 s bound', async () => {
    const r = await scenario(
      'KafkaProducer',
      'terminate',
      300,
      `for (let i = 0; i < 100; i++) client.produce({ topic: 't', value: 'x' + i });
       client.flush({ timeoutMs: 20000 }).catch((e) => console.log("flush: " + e.message));`,
    );
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const done = lines(r.stdout).find((l) => 'terminated' in l);
    expect(done?.terminated).toBe(1);
    expect(done!.ms).toBeLessThan(8000);
  });

  it('an admin request in flight does not hold a terminating worker past the bound', async () => {
    const r = await scenario('KafkaAdmin', 'terminate', 300, `client.describeCluster({ timeoutMs: 30000 }).catch(() => {});`);
    expect(r.signal, r.stderr).toBeNull();
    const done = lines(r.stdout).find((l) => 'terminated' in l);
    expect(done?.terminated).toBe(1);
    expect(done!.ms).toBeLessThan(8000);
  });

  it('a consumer waiting on a synchronous commit does not hold a terminating worker past the bound', async () => {
    const r = await scenario(
      'KafkaConsumer',
      'terminate',
      300,
      `client.commit([{ topic: 't', partition: 0, offset: 1n }], { timeoutMs: 600000 }).catch(() => {});`,
    );
    expect(r.signal, r.stderr).toBeNull();
    const done = lines(r.stdout).find((l) => 'terminated' in l);
    expect(done?.terminated).toBe(1);
    expect(done!.ms).toBeLessThan(8000);
  });

  it('a worker terminated while it creates clients and calls them in a loop never aborts the process (no C++ exception escapes)', async () => {
    // Constructors and methods running while terminate() stops the environment: Node-API
    // calls fail there, and an exception that cannot reach JS must not end in std::terminate.
    const workerSource = `
      const { parentPort } = require('node:worker_threads');
      const k = require(${JSON.stringify(lib)});
      parentPort.postMessage('ready');
      for (let i = 0; ; i++) {
        try {
          const conf = { 'bootstrap.servers': '127.0.0.1:1', 'log_level': 0, 'group.id': 'churn' };
          const p = new k.KafkaProducer(conf);
          p.on('error', () => {});
          p.produce({ topic: 't', value: 'x' });
          const c = new k.KafkaConsumer(conf);
          c.on('error', () => {});
          c.subscribe(['t']).catch(() => {});
          c.commit([{ topic: 't', partition: 0, offset: 1n }], { async: true }).catch(() => {});
          const a = new k.KafkaAdmin(conf);
          a.describeCluster({ timeoutMs: 100 }).catch(() => {});
          if (i % 3 === 0) { p.close().catch(() => {}); c.close().catch(() => {}); a.close().catch(() => {}); }
        } catch {}
      }
    `;
    const parent = `
      const { Worker } = require('node:worker_threads');
      (async () => {
        for (let round = 0; round < 40; round++) {
          const w = new Worker(${JSON.stringify(workerSource)}, { eval: true });
          w.on('error', () => {});
          await new Promise((r) => w.once('message', r));
          await new Promise((r) => setTimeout(r, (round * 7) % 23));
          await w.terminate();
        }
        console.log('rounds done');
      })();
    `;
    const r = await run(process.execPath, ['-e', parent], { timeout: 120_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.stderr).not.toMatch(/terminate called|internal error/);
    expect(r.stdout).toContain('rounds done');
  }, 150_000);
});
