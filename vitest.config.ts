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
          // In-process racers (concurrency.test.ts) each wait for SQLite's lock inside a
          // libuv thread (node-sqlite3's busy timeout); the default 4 threads would leave
          // the lock holder none to finish on. Read when a fork starts.
          env: { UV_THREADPOOL_SIZE: '16' },
          globalSetup: ['tests/support/global-setup.ts'],
        },
      },
    ],
  },
});
