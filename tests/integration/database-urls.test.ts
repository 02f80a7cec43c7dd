import { existsSync, rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDatabase } from '../../src/state/database-url.js';
import { BACKENDS, PG_ADMIN_URL, type TestDatabase } from '../support/databases.js';
import { workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

/** Issue 15 (smaller): Unix-socket PostgreSQL URLs were refused; `%20` in a database name was not decoded. */
const postgres = BACKENDS.find((b) => b.name === 'postgres')!;
const SOCKET_DIR = '/var/run/postgresql';

describe('postgres:// URLs are decoded as libpq would', () => {
  it('an empty host with ?host= names a socket directory; %20 in the database name is a space', () => {
    const socket = resolveDatabase('postgres://postgres@/tiers?host=/var/run/postgresql', {});
    expect(socket).toMatchObject({ dialect: 'postgres', connection: { host: '/var/run/postgresql', database: 'tiers', username: 'postgres' } });
    expect(socket.display).toBe('postgres://postgres@/tiers (host /var/run/postgresql)');
    const spaced = resolveDatabase('postgres://u:p%40ss@db.example:6543/my%20tiers?sslmode=require', {});
    expect(spaced).toMatchObject({ connection: { host: 'db.example', port: 6543, database: 'my tiers', password: 'p@ss', params: { sslmode: 'require' } } });
    expect(spaced.display).not.toContain('p%40ss');
  });
});

describe.skipIf(postgres.skip)('tierctl on PostgreSQL through such URLs', () => {
  let db: TestDatabase;
  let cwd: string;
  const spacedName = `tierctl test ${process.pid}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  beforeAll(async () => {
    db = await postgres.create();
    cwd = workdirWithTiers();
    await admin(`CREATE DATABASE "${spacedName}"`);
  });
  afterAll(async () => {
    await db.drop();
    await admin(`DROP DATABASE IF EXISTS "${spacedName}" WITH (FORCE)`);
    rmSync(cwd, { recursive: true, force: true });
  });

  it.skipIf(!existsSync(`${SOCKET_DIR}/.s.PGSQL.5432`))('plans over a Unix socket: postgres://user@/db?host=/var/run/postgresql', async () => {
    const name = new URL(db.url).pathname.slice(1);
    const r = await runMain(['plan', '--skip-stripe', '--database', `postgres://postgres@/${name}?host=${SOCKET_DIR}`], { cwd });
    expect(r.stderr).not.toContain('not a valid URL');
    expect(r.stdout).toContain('to create');
    expect(r.code).toBe(0);
  });

  it('applies to a database whose name holds a space, written %20', async () => {
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${encodeURIComponent(spacedName)}`;
    const r = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', url.href], { cwd });
    expect(r.stderr).not.toContain('does not exist');
    expect(r.code).toBe(0);
    const client = new pg.Client({ host: url.hostname, port: Number(url.port || 5432), user: 'postgres', database: spacedName });
    await client.connect();
    try {
      expect(Number((await client.query('SELECT COUNT(*) AS n FROM subscription_tier')).rows[0].n)).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
  });
});
