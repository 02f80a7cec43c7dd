import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { keepAsSpare, newDatabaseName, takeSpare } from './postgres-spares.js';

/**
 * The backends every integration test runs on (Kysely-style: one loop, same cases).
 * PostgreSQL tests create and drop their own database. When PostgreSQL is down they
 * are skipped locally but FAIL under CI=true, so CI can never go green without them.
 */
export const PG_ADMIN_URL = process.env['TIERCTL_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const IN_CI = process.env['CI'] === 'true' || process.env['CI'] === '1';

async function canReachPostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export const POSTGRES_AVAILABLE = await canReachPostgres();

export interface TestDatabase {
  url: string;
  /** Runs SQL directly (outside tierctl), for setting up or inspecting state. */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** A new database holding a copy of this one (set up once, copied per test). Nothing may be connected to this one meanwhile. */
  clone(): Promise<TestDatabase>;
  drop(): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** True when this backend's tests must be skipped (PostgreSQL down, outside CI). */
  skip: boolean;
  create(): Promise<TestDatabase>;
}

async function sqliteDatabase(copyOf?: string): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tierctl-db-'));
  const file = path.join(dir, 'test.sqlite');
  // Rollback-journal mode: between transactions the file alone is the whole database.
  if (copyOf) copyFileSync(copyOf, file);
  const sqlite3 = (await import('sqlite3')).default;
  return {
    url: `sqlite:${file}`,
    async sql<T>(text: string, params: unknown[] = []) {
      const db = new sqlite3.Database(file);
      try {
        return await new Promise<T[]>((resolve, reject) => db.all(text, params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
      } finally {
        await new Promise((r) => db.close(r));
      }
    },
    clone: () => sqliteDatabase(file),
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const sqliteBackend: Backend = {
  name: 'sqlite',
  skip: false,
  create: () => sqliteDatabase(),
};

const postgresBackend: Backend = {
  name: 'postgres',
  skip: !POSTGRES_AVAILABLE && !IN_CI,
  create: () => postgresDatabase(),
};

/**
 * Connections are kept, not opened per query: a PostgreSQL connection is a forked backend
 * (~15-20 ms of server CPU each), and a run used to open ~1,500 of them for the tests' own
 * queries and CREATE/DROP DATABASE alone. One admin connection per test process serves every
 * CREATE/DROP (pg queues its queries); each database gets one connection for `sql()`, opened
 * at its first query and closed before `clone()` (a template must have no one connected) and
 * `drop()`. allowExitOnIdle: an idle kept connection never holds a test process open.
 */
let adminPool: pg.Pool | undefined;
function admin(): pg.Pool {
  adminPool ??= quietPool(PG_ADMIN_URL);
  return adminPool;
}

function quietPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 1, allowExitOnIdle: true });
  // An idle connection that the server ends (a test terminating backends, a FORCE drop)
  // is only discarded; the next query opens a new one. Without a listener it would crash the fork.
  pool.on('error', () => {});
  return pool;
}

async function postgresDatabase(template?: string): Promise<TestDatabase> {
  if (!POSTGRES_AVAILABLE) throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL}; under CI=true its tests fail instead of skipping`);
  // A copy needs CREATE DATABASE … TEMPLATE; an empty one may be a spare (postgres-spares.ts).
  const spare = template ? undefined : takeSpare();
  const name = spare ?? newDatabaseName();
  if (!spare) await admin().query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  let pool: pg.Pool | undefined;
  let dropped = false;
  const disconnect = async () => {
    const open = pool;
    pool = undefined;
    await open?.end();
  };
  return {
    url: url.href,
    async sql<T>(text: string, params: unknown[] = []) {
      pool ??= quietPool(url.href);
      return (await pool.query(text, params)).rows as T[];
    },
    async clone() {
      await disconnect();
      return postgresDatabase(name);
    },
    async drop() {
      // Once: a second drop() must not hand the same spare out twice.
      if (dropped) return;
      dropped = true;
      await disconnect();
      if (await keepAsSpare(admin(), name, url.href)) return;
      await admin().query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export const BACKENDS: readonly Backend[] = [sqliteBackend, postgresBackend];
