import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

const index = join(__dirname, '..', 'dist/cjs/index.js');

describe('calls after close', () => {
  it("a topic's producer() / consumer() after its driver closed throw ClosedError and leave no client behind", () => {
    const script = `
      const { Driver } = require(${JSON.stringify(index)});
      (async () => {
        const driver = await Driver.connect({ kafka: {} });
        const topic = await driver.createTopic('t');
        await driver.close();
        for (const make of [() => topic.producer(), () => topic.consumer('g')]) {
          try { make(); console.log('no error'); } catch (e) { console.log(e.constructor.name, e.code); }
        }
      })();
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout.trim().split('\n')).toEqual(['ClosedError -172', 'ClosedError -172']);
    // A client made before the driver refused it would keep the process alive.
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
  });
});
