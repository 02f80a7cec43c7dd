import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration tests create their own databases; two workers match the two cores.
    maxWorkers: 2,
    globalSetup: ['tests/support/global-setup.ts'],
  },
});
