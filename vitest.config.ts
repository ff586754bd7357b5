import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['harness/**/*.test.ts', 'devices/**/*.test.ts', 'scripts/**/*.test.ts'],
    // The cache of compiled expectations in a folder of the test run; one PostgreSQL template
    // cluster for the lab's tests (harness/lab/test-support).
    globalSetup: ['harness/core/test-support/cache-global.ts', 'harness/lab/test-support/pg-global.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
