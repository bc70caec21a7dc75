import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    globalSetup: ['test/global-setup.ts'],
    // In CI, also write machine-readable results: .ci/run prints the totals from them.
    ...(process.env['CI'] ? { reporters: ['default', 'json'], outputFile: { json: '.ci/results.json' } } : {}),
  },
});
