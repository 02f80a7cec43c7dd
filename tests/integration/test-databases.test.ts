import { describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../support/databases.js';

/**
 * The suite's own PostgreSQL databases (tests/support/postgres-spares.ts): one a test
 * dropped is emptied and handed to the next test instead of a new one, so every test that
 * gets a reused database must find it exactly as CREATE DATABASE makes it.
 */
const postgres = BACKENDS.find((b) => b.name === 'postgres')!;

/** What a test could see of a database's contents: schemas with owner, grants and comment; every object in them. */
async function catalogOf(db: TestDatabase): Promise<unknown> {
  const schemas = await db.sql(
    "SELECT nspname, nspowner::regrole::text AS owner, nspacl::text AS acl, obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%temp\\_%' ORDER BY nspname",
  );
  const objects = await db.sql(
    `SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1, 2`,
  );
  const types = await db.sql(
    `SELECT n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1, 2`,
  );
  const functions = await db.sql(
    `SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
  );
  return { schemas, objects, types, functions };
}

describe.skipIf(postgres.skip)('reused PostgreSQL test databases', () => {
  it('a database a test dropped comes back to the next one as CREATE DATABASE makes it', async () => {
    const fresh = await postgres.create();
    const used = await postgres.create();
    try {
      const asNew = await catalogOf(fresh);
      // What tests and tierctl leave behind: tables, indexes, sequences, types, functions,
      // another schema, and public's grants changed.
      await used.sql(`CREATE TABLE t (id serial PRIMARY KEY, v text UNIQUE);
        CREATE INDEX t_v ON t (v); CREATE TYPE mood AS ENUM ('ok');
        CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
        CREATE SCHEMA other; CREATE TABLE other.u (id int);
        REVOKE USAGE ON SCHEMA public FROM PUBLIC; COMMENT ON SCHEMA public IS 'changed'`);
      expect(await catalogOf(used)).not.toEqual(asNew);
      const name = new URL(used.url).pathname;
      await used.drop();
      const next = await postgres.create();
      try {
        // The same database, reused (a new one would prove nothing here)…
        expect(new URL(next.url).pathname).toBe(name);
        // …holding what a new one holds.
        expect(await catalogOf(next)).toEqual(asNew);
      } finally {
        await next.drop();
      }
    } finally {
      await fresh.drop();
    }
  });
});
