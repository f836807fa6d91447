import { defineConfig } from 'vitest/config';

/**
 * `npm run histories:record`: the time-skipping workflow tests alone (no global setup: they need
 * neither the dev server nor a database), writing the history of each run they drive into
 * test/histories/ (RECORD_HISTORIES=1, see histories.ts).
 */
export default defineConfig({
  test: {
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    include: ['test/workflows/**/*.test.ts'],
    exclude: ['test/workflows/replay.test.ts'],
    env: { RECORD_HISTORIES: '1' },
    testTimeout: 90_000,
    hookTimeout: 180_000,
  },
});
