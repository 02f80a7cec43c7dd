import pg from 'pg';

/**
 * Test databases are emptied and reused within a test process instead of dropped and created
 * again. A CREATE DATABASE makes ~300 files and a DROP deletes them and forces a checkpoint:
 * on this project's ext4 machines a create/drop pair cost ~0.2-0.3 s of server CPU, most of it
 * the kernel looking for a free inode past the ones the last drop freed (perf: ext4's
 * recently_deleted), ~30 s over a run of `npm test`. Emptying a database that held a few
 * tables costs ~20 ms. A database is reused only when everything a test can leave in it lives
 * in its schemas, and dropping every schema leaves it as CREATE DATABASE made it; anything
 * else (database-level grants or settings, extensions, large objects…) and it is dropped.
 *
 * Names carry the vitest process's pid (a test process's parent): the global teardown drops
 * this run's spares, and the global setup drops those of runs that died (postgres-cleanup.ts).
 * tests/integration/test-databases.test.ts checks that a reused database is as a new one.
 */
export const TEST_DATABASE_PREFIX = 'tierctl_test_';
const RUN = process.ppid;
let counter = 0;

export function newDatabaseName(): string {
  return `${TEST_DATABASE_PREFIX}${RUN}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
}

/** The vitest process that made a test database, from its name (undefined for another naming). */
export function runOf(name: string): number | undefined {
  const match = new RegExp(`^${TEST_DATABASE_PREFIX}(\\d+)_`).exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Emptied databases of this process, ready for the next create(). A few: clones (CREATE … TEMPLATE) make new ones. */
const spares: string[] = [];
const MAX_SPARES = 4;

export function takeSpare(): string | undefined {
  return spares.pop();
}

/**
 * Empties `name` for reuse and keeps it as a spare; false when it cannot be reused as is
 * (the caller drops it). `admin` is connected to another database of the same server.
 */
export async function keepAsSpare(admin: pg.Pool, name: string, url: string): Promise<boolean> {
  if (spares.length >= MAX_SPARES) return false;
  try {
    // A killed tierctl's backend may still hold a lock or be mid-transaction: end it first
    // (the timeout makes pg_terminate_backend wait until it is gone).
    await admin.query('SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    const database = await admin.query<{ plain: boolean }>(
      `SELECT datacl IS NULL AND datconnlimit = -1 AND datallowconn AND datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user)
              AND NOT EXISTS (SELECT 1 FROM pg_db_role_setting WHERE setdatabase = d.oid) AS plain
         FROM pg_database d WHERE datname = $1`,
      [name],
    );
    if (!database.rows[0]?.plain) return false;
    if (Number((await admin.query<{ v: string }>('SHOW server_version_num')).rows[0]?.v) < 150000) return false; // public's defaults below are 15's
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    await client.connect();
    try {
      // Objects that live outside schemas: dropping the schemas would not remove them.
      const outside = await client.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql') + (SELECT count(*) FROM pg_event_trigger)
              + (SELECT count(*) FROM pg_publication) + (SELECT count(*) FROM pg_largeobject_metadata)
              + (SELECT count(*) FROM pg_default_acl) AS n`,
      );
      if (Number(outside.rows[0]?.n) !== 0) return false;
      // Every schema a test made, and public, recreated as PostgreSQL 15's template1 has it
      // (owner pg_database_owner, USAGE for everyone, its comment).
      await client.query(`
        DO $$
        DECLARE s text;
        BEGIN
          FOR s IN SELECT nspname FROM pg_namespace
                    WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg\\_%temp\\_%' LOOP
            EXECUTE format('DROP SCHEMA %I CASCADE', s);
          END LOOP;
        END $$;
        CREATE SCHEMA public AUTHORIZATION pg_database_owner;
        GRANT USAGE ON SCHEMA public TO PUBLIC;
        COMMENT ON SCHEMA public IS 'standard public schema';`);
    } finally {
      await client.end();
    }
    spares.push(name);
    return true;
  } catch {
    return false;
  }
}
