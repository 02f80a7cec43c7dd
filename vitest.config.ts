import { defineConfig } from 'vitest/config';

/**
 * Two projects (`npm test` runs both; `npm run soak` uses vitest.soak.config.ts):
 * - unit: pure tests (tests/unit/*.test.ts), no I/O, in worker threads sharing one module
 *   graph (isolate: false): no process start-up or re-import per file.
 * - integration: everything else (integration, cli, Ink UI, any new folder), each file in
 *   its own forked process: real databases, real processes, process-wide state (env,
 *   Ink's colour detection at import).
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests create their own databases; two workers match the two cores.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          pool: 'threads',
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
          exclude: ['tests/unit/**/*.test.ts', '**/node_modules/**'],
          pool: 'forks',
          globalSetup: ['tests/support/global-setup.ts'],
        },
      },
    ],
  },
});
