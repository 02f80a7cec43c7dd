import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './tests/support/slow-first-sequencer.js';

/**
 * Three projects (`npm test` runs all three; `npm run soak` uses vitest.soak.config.ts):
 * - unit: pure tests (tests/unit/*.test.ts), no I/O, in worker threads sharing one module
 *   graph (isolate: false): no process start-up or re-import per file.
 * - integration: everything else (integration, cli, any new folder), in forked processes
 *   (real databases, real processes; a fork's libuv threads and env are its own) that are
 *   reused from file to file without re-importing the module graph (isolate: false): each
 *   file used to pay its own fork start and its own import of sequelize, ajv, the stripe
 *   SDK… (import 15.6 s -> 4.7 s summed over tests/integration, CPU -28%). So a test file
 *   must leave no process-wide state behind: restore any process.env it changes, close its
 *   servers and databases, and no vi.mock of a module another file imports. A file that
 *   cannot gets a project of its own with isolate: true, as the Ink views have:
 * - ui: the Ink views (*.test.tsx), each file in its own fork (Ink's colour and CI
 *   detection at import: tests/support/force-color.ts).
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Three workers on two cores: a worker often waits (on PostgreSQL, on a tierctl child
    // process, on a pause point), and a third keeps both cores busy meanwhile. Measured on a
    // clean clone, quiet machine: 114.7 s with two, 103.2 s with three (idle CPU 21 s -> 5 s).
    // Each test creates its own databases and directories, so more workers share nothing.
    maxWorkers: 3,
    // The longest files first, so none is left running alone at the end (slow-first-sequencer.ts).
    sequence: { sequencer: SlowFirstSequencer },
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
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/unit/**/*.test.ts', '**/node_modules/**'],
          pool: 'forks',
          isolate: false,
          // In-process racers (concurrency.test.ts) each wait for SQLite's lock inside a
          // libuv thread (node-sqlite3's busy timeout); the default 4 threads would leave
          // the lock holder none to finish on. Read when a fork starts.
          env: { UV_THREADPOOL_SIZE: '16' },
          globalSetup: ['tests/support/global-setup.ts', 'tests/support/postgres-cleanup.ts'],
        },
      },
      {
        extends: true,
        test: {
          // The Ink views (*.test.tsx): Ink and its colour library read FORCE_COLOR and CI
          // once, at import (tests/support/force-color.ts), so each file imports them afresh.
          name: 'ui',
          include: ['tests/**/*.test.tsx'],
          pool: 'forks',
        },
      },
    ],
  },
});
