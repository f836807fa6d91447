import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Temporal's worker uses native threads that do not survive vitest's worker_threads pool.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // One Temporal dev server, one test database and one workflow bundle for the whole run.
    globalSetup: ['./test/support/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
