import pg from 'pg';
import { PG_ADMIN_URL } from './databases.js';
import { runOf, TEST_DATABASE_PREFIX } from './postgres-spares.js';

/**
 * Global setup and teardown (vitest runs both in its own process, whose pid the test
 * databases' names carry: postgres-spares.ts). Setup drops the databases of runs that no
 * longer exist (killed, crashed); teardown drops this run's spares. Another run going on at
 * the same time keeps its own. Without PostgreSQL there is nothing to clean.
 */
async function dropDatabases(which: (run: number) => boolean): Promise<void> {
  // A few at once: each DROP waits for a checkpoint, and concurrent ones share it (12 drops:
  // 1.2 s one by one, 0.6 s four at a time). Runs once, at the end of the run, where it is waited on.
  const pool = new pg.Pool({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000, max: 4 });
  pool.on('error', () => {});
  try {
    let rows: { datname: string }[];
    try {
      rows = (await pool.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [TEST_DATABASE_PREFIX])).rows;
    } catch {
      return; // PostgreSQL is not there: nothing to clean
    }
    const doomed = rows.map((r) => r.datname).filter((name) => {
      const run = runOf(name);
      return run !== undefined && which(run);
    });
    await Promise.all(doomed.map((name) => pool.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)));
  } finally {
    await pool.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  await dropDatabases((run) => !alive(run));
  return () => dropDatabases((run) => run === process.pid);
}
