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
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch {
    return;
  }
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [TEST_DATABASE_PREFIX]);
    for (const { datname } of rows) {
      const run = runOf(datname);
      if (run !== undefined && which(run)) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
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
