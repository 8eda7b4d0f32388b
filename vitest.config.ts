import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/harness/runtime-check.ts'],
    reporters: ['default', './test/harness/summary-reporter.ts'],
    // Integration tests start real nginx processes; on a 2-core machine
    // running files one at a time keeps timings far from their limits.
    fileParallelism: false,
    testTimeout: 60000,
    hookTimeout: 60000,
  },
});
