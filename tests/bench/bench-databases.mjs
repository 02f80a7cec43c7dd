// The two databases the benchmark runs on: a SQLite file in the run's temp dir, and a
// fresh PostgreSQL database per catalog size (skipped, and said so, when unreachable).
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import sqlite3 from 'sqlite3';

const PG_ADMIN_URL = process.env.TIERCTL_BENCH_PG_URL ?? process.env.TIERCTL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROW_TABLES = ['subscription_tier', 'permission', 'subscription_tier_permission', 'tier_limit', 'tier_billing_key'];

export async function postgresReachable() {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function pgAdmin(sql) {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** @returns {Promise<{ name: string, url: string, rows(tables?: string[]): Promise<number>, exec(sql: string): Promise<void>, drop(): Promise<void> }>} */
export async function createDatabase(backend, workdir, size) {
  if (backend === 'sqlite') {
    const file = path.join(workdir, `bench-${size}.sqlite`);
    // A zero-byte file is a valid, empty SQLite database: `plan` opens it instead of skipping it.
    writeFileSync(file, '');
    return {
      name: 'SQLite',
      url: `sqlite:${file}`,
      async rows(tables = ROW_TABLES) {
        const db = new sqlite3.Database(file);
        const counts = await Promise.all(tables.map((t) => new Promise((resolve, reject) => db.get(`SELECT COUNT(*) AS n FROM ${t}`, (err, row) => (err ? reject(err) : resolve(Number(row.n)))))));
        await new Promise((r) => db.close(r));
        return counts.reduce((a, b) => a + b, 0);
      },
      async exec(sql) {
        const db = new sqlite3.Database(file);
        try {
          await new Promise((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
        } finally {
          await new Promise((r) => db.close(r));
        }
      },
      async drop() {
        rmSync(file, { force: true });
      },
    };
  }
  const name = `tierctl_bench_${process.pid}_${String(size).replace(/[^a-z0-9]/gi, '_')}`;
  await pgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await pgAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name: 'PostgreSQL',
    url: url.href,
    async rows(tables = ROW_TABLES) {
      const client = new pg.Client({ connectionString: url.href });
      await client.connect();
      try {
        let total = 0;
        for (const t of tables) total += Number((await client.query(`SELECT COUNT(*) AS n FROM ${t}`)).rows[0].n);
        return total;
      } finally {
        await client.end();
      }
    },
    async exec(sql) {
      const client = new pg.Client({ connectionString: url.href });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
    async drop() {
      await pgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
