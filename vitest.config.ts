import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['harness/**/*.test.ts', 'devices/**/*.test.ts', 'scripts/**/*.test.ts'],
    // One PostgreSQL template cluster for the lab's tests (harness/lab/test-support).
    globalSetup: ['harness/lab/test-support/pg-global.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
