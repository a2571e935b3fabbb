/** Repository hygiene that a merge can break silently. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
let inGit = true;
try {
  execFileSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root, stdio: 'ignore' });
} catch {
  inGit = false;
}

describe('repository', () => {
  it.skipIf(!inGit)('no tracked file holds merge-conflict markers (skipped outside a git clone)', () => {
    let out = '';
    try {
      out = execFileSync('git', ['grep', '-n', '-I', '-E', '^(<<<<<<<|>>>>>>>) ', '--', '.'], { cwd: root, encoding: 'utf8' });
    } catch (e) {
      // git grep exits 1 when nothing matches.
      if ((e as { status?: number }).status !== 1) throw e;
    }
    expect(out).toBe('');
  });
});
