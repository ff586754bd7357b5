import { defineConfig } from 'vitest/config';

// The console reporters colour their output when FORCE_COLOR is set (as Node does); a shell or CI
// that sets it must not colour what the tests read. Test workers inherit this process's env.
delete process.env['FORCE_COLOR'];

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
