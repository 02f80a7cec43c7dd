import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../migrations/index.js';
import { createSequelizeTierStore } from '../../src/store/sequelize-tier-store.js';
import { builtinStorage } from '../../src/store/storage-description.js';
import { BACKENDS, PG_ADMIN_URL, type TestDatabase } from '../support/databases.js';
import { editTierFile, workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';
import { open } from '../support/state.js';

/**
 * Issue 13, item 1: a least-privilege PostgreSQL role (SELECT/INSERT/UPDATE/DELETE on
 * tierctl's tables, no CREATE on the schema) applies whenever no migration is pending, and
 * a pending migration without the privilege says which privilege is missing.
 */
const postgres = BACKENDS.find((b) => b.name === 'postgres')!;
const TABLES = ['subscription_tier', 'permission', 'subscription_tier_permission', 'tier_limit', 'tier_billing_key', 'reconcile_run', 'tierctl_migration'];

describe.skipIf(postgres.skip)('a least-privilege PostgreSQL role', () => {
  let db: TestDatabase;
  let cwd: string;
  let role: string;
  let roleUrl: string;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };

  beforeEach(async () => {
    db = await postgres.create();
    cwd = workdirWithTiers();
    role = `tierctl_rw_${process.pid}_${Date.now().toString(36)}`;
    await admin(`CREATE ROLE ${role} LOGIN`);
    const dbName = new URL(db.url).pathname.slice(1);
    await admin(`GRANT CONNECT ON DATABASE ${dbName} TO ${role}`);
    await db.sql(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await db.sql(`GRANT USAGE ON SCHEMA public TO ${role}`);
    const url = new URL(db.url);
    url.username = role;
    roleUrl = url.href;
  });
  afterEach(async () => {
    await db.drop();
    await admin(`DROP ROLE IF EXISTS ${role}`);
    rmSync(cwd, { recursive: true, force: true });
  });

  const grantDml = () => db.sql(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${TABLES.join(', ')} TO ${role}`);

  it('applies changes and no-ops with only SELECT/INSERT/UPDATE/DELETE once the tables are migrated', async () => {
    expect((await runMain(['migrate', '--database', db.url], { cwd })).code).toBe(0);
    await grantDml();
    const first = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', roleUrl], { cwd });
    expect(first.stderr).not.toMatch(/internal problem/);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Apply complete');
    editTierFile(cwd, 'essential.yaml', 'name: Essential', 'name: Essential Plus');
    const second = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', roleUrl], { cwd });
    expect(second.code).toBe(0);
    const third = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', roleUrl], { cwd });
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('No changes. The database already matches');
    const [row] = await db.sql<{ name: string }>(`SELECT name FROM subscription_tier WHERE "key" = 'essential'`);
    expect(row?.name).toBe('Essential Plus');
  });

  it('on a fresh database, says that creating the tables needs CREATE on the schema; nothing is created', async () => {
    const r = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', roleUrl], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('needs CREATE on schema public');
    expect(r.stderr).toContain('tierctl migrate');
    expect(r.stderr).not.toMatch(/internal problem/);
    expect(await db.sql(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)).toEqual([]);
  });

  it('a pending migration names itself and the missing privilege; the role keeps its data', async () => {
    expect((await runMain(['migrate', '--database', db.url], { cwd })).code).toBe(0);
    await grantDml();
    const later = { name: '9999-test-later', up: async (ctx: { run(sql: string): Promise<void> }) => ctx.run('CREATE TABLE later_table (id INTEGER)'), down: async () => undefined };
    const store = await createSequelizeTierStore(await open(roleUrl), builtinStorage(), { migrations: [...MIGRATIONS, later] });
    try {
      const err = await store.write(5000, (tx) => store.migrate(tx)).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain('migration 9999-test-later needs CREATE on schema public');
      expect((err as { hint?: string }).hint).toContain('pending: 9999-test-later');
    } finally {
      await store.close();
    }
    expect(await db.sql(`SELECT name FROM tierctl_migration ORDER BY name`)).toEqual(MIGRATIONS.map((m) => ({ name: m.name })));
  });
});
