import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Native clients own threads and sockets: isolate test files in forked processes.
    pool: 'forks',
    // Tests that check memory handed from native code to JS collect garbage on purpose.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    reporters: ['default'],
  },
});
