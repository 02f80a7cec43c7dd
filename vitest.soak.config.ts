import { defineConfig } from 'vitest/config';

/** `npm run soak`: random SIGKILLs of real applies on both databases (README, "Soak test"). Not part of `npm test`. */
export default defineConfig({
  test: {
    include: ['tests/soak/**/*.soak.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 600_000,
    hookTimeout: 60_000,
    globalSetup: ['tests/support/global-setup.ts', 'tests/support/postgres-cleanup.ts'],
  },
});
