import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    globalSetup: ['test/global-setup.ts'],
    // Two files at a time (vitest's default is one fewer than the CPUs: one on a 2-core machine).
    // Most files wait on containers, SSH or ansible-playbook rather than compute; each lab and
    // temporary folder is its own, so files do not share state.
    maxWorkers: 2,
    // In CI, also write machine-readable results: .ci/run prints the totals from them.
    ...(process.env['CI'] ? { reporters: ['default', 'json'], outputFile: { json: '.ci/results.json' } } : {}),
  },
});
