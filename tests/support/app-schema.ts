import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ROOT } from './cli.js';
import type { Backend, TestDatabase } from './databases.js';

/**
 * An app's own tables in a test database, made the way the app's migrations would: from
 * the example's SQL files (schema.<backend>.sql, then rows.sql), by plain SQL, never
 * through tierctl.
 */
export async function createAppTables(backend: Backend['name'], db: TestDatabase, example: string): Promise<void> {
  const dir = path.join(ROOT, 'examples', example);
  const text = readFileSync(path.join(dir, `schema.${backend}.sql`), 'utf8') + '\n' + readFileSync(path.join(dir, 'rows.sql'), 'utf8');
  await execScript(backend, db.url, text);
}

/** Runs a multi-statement SQL script (TestDatabase.sql runs one statement). */
export async function execScript(backend: Backend['name'], url: string, text: string): Promise<void> {
  if (backend === 'sqlite') {
    const sqlite3 = (await import('sqlite3')).default;
    const db = new sqlite3.Database(url.replace(/^sqlite:/, ''));
    try {
      await new Promise<void>((resolve, reject) => db.exec(text, (err) => (err ? reject(err) : resolve())));
    } finally {
      await new Promise((r) => db.close(r));
    }
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** App-table values as the drivers return them: SQLite gives 0/1 and JSON text, PostgreSQL booleans, NUMERIC strings and parsed JSON. */
export const bool = (v: unknown) => (v === null ? null : v === true || v === 1 || v === '1');
export const num = (v: unknown) => (v === null ? null : Number(v));
export const json = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : v);
