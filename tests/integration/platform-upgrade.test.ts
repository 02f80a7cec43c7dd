import { writeFileSync, appendFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/apply/apply-plan.js';
import { normaliseCatalog } from '../../src/catalog/model.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { createSequelizeTierStore } from '../../src/store/sequelize-tier-store.js';
import { builtinStorage } from '../../src/store/storage-description.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { BACKENDS, type Backend, type TestDatabase } from '../support/databases.js';
import { REFERENCE_TIERS, workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';
import { loadReference } from '../support/sources.js';
import { open } from '../support/state.js';

/**
 * The real upgrade path of migration 0003 (platforms): a database created and filled by the
 * 0.1.0 migrations and 0002 (tierctl as it was, no platform column), with an application
 * table whose rows point at tiers by foreign key, is upgraded by `tierctl migrate` and,
 * separately, by `tierctl apply`. Checked with plain SQL only: every row of every table is
 * still there, every foreign key still points at subscription_tier and still enforces,
 * every named constraint and index exists, and global keys stay unique in the database.
 */

const TABLES = ['subscription_tier', 'permission', 'subscription_tier_permission', 'tier_limit', 'tier_billing_key', 'reconcile_run', 'organization'] as const;
/** Child tables: every column, in a fixed order (their rows must come through byte for byte). */
const ROWS: Record<string, string> = {
  permission: 'SELECT id, name, description FROM permission ORDER BY id',
  subscription_tier_permission: 'SELECT tier_id, permission_id FROM subscription_tier_permission ORDER BY tier_id, permission_id',
  tier_limit: 'SELECT tier_id, limit_key, value FROM tier_limit ORDER BY tier_id, limit_key',
  tier_billing_key: 'SELECT tier_id, provider, "key" FROM tier_billing_key ORDER BY tier_id, provider, "key"',
  organization: 'SELECT id, name, subscription_tier_id FROM organization ORDER BY id',
  reconcile_run: 'SELECT id, status, result_fingerprint FROM reconcile_run ORDER BY id',
  subscription_tier: 'SELECT id, "key", name, description, customer_facing, display_order, status, protected, billing_provider, fallback_price, created_at FROM subscription_tier ORDER BY id',
};
const FK_CHILDREN = ['subscription_tier_permission', 'tier_limit', 'tier_billing_key', 'organization'];
const NAMED = ['pk_subscription_tier', 'uq_subscription_tier_platform_key', 'ck_subscription_tier_status', 'ck_subscription_tier_billing_provider', 'ck_subscription_tier_platform'];

/** tierctl before 0003: the built-in tables without the platform column, migrated by 0001 and 0002 only. */
async function fillAsOldTierctl(db: TestDatabase): Promise<void> {
  const base = builtinStorage({ subscribers: { table: 'organization', column: 'subscription_tier_id' } });
  const store = await createSequelizeTierStore(await open(db.url), { ...base, tier: { ...base.tier, platform: null } }, { migrations: MIGRATIONS.slice(0, 2) });
  try {
    const plan = buildPlan({ desired: loadReference(), actual: normaliseCatalog({}, []), stripe: { verified: false, keys: {} }, toolVersion: '0.1.0' });
    await applyPlan(store, plan, { allowDestroy: false, lockTimeoutMs: 5000, toolVersion: '0.1.0', actor: 'old', gitSha: null });
  } finally {
    await store.close();
  }
  await db.sql('CREATE TABLE organization (id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL, subscription_tier_id INTEGER NULL, CONSTRAINT fk_organization_tier FOREIGN KEY (subscription_tier_id) REFERENCES subscription_tier (id))');
  let id = 1;
  for (const key of ['hobbyist', 'essential', 'essential', 'professional', 'exempt']) {
    await db.sql(`INSERT INTO organization (id, name, subscription_tier_id) SELECT ${id}, 'Org ${id}', id FROM subscription_tier WHERE "key" = '${key}'`);
    id++;
  }
  await db.sql("INSERT INTO organization (id, name, subscription_tier_id) VALUES (99, 'No tier yet', NULL)");
}

async function rowsOf(db: TestDatabase): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, sql] of Object.entries(ROWS)) out[table] = (await db.sql(sql)).map((r) => JSON.parse(JSON.stringify(r)) as unknown);
  return out;
}

/** Which table each child's foreign key on the tier id points at, read from the catalog of the database. */
async function foreignKeyTargets(backend: Backend, db: TestDatabase): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of FK_CHILDREN) {
    if (backend.name === 'sqlite') {
      const rows = await db.sql<{ table: string; from: string }>(`PRAGMA foreign_key_list(${table})`);
      out[table] = rows.filter((r) => r.from === 'tier_id' || r.from === 'subscription_tier_id').map((r) => r.table);
    } else {
      const rows = await db.sql<{ target: string }>(
        `SELECT p.relname AS target FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class p ON p.oid = c.confrelid JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
         WHERE c.contype = 'f' AND t.relname = $1 AND a.attname IN ('tier_id', 'subscription_tier_id')`,
        [table],
      );
      out[table] = rows.map((r) => r.target);
    }
  }
  return out;
}

/** Constraint and index names on subscription_tier and its children, from sqlite_master / pg_catalog. */
async function namedObjects(backend: Backend, db: TestDatabase): Promise<{ constraints: string[]; indexes: string[]; childConstraints: string[] }> {
  if (backend.name === 'sqlite') {
    const [tier] = await db.sql<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'subscription_tier'");
    const children = await db.sql<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name IN ('subscription_tier_permission', 'tier_limit', 'tier_billing_key')`);
    const indexes = await db.sql<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL");
    const names = (sql: string) => [...sql.matchAll(/CONSTRAINT (\w+)/g)].map((m) => m[1] as string);
    return { constraints: names(tier?.sql ?? ''), indexes: indexes.map((r) => r.name), childConstraints: children.flatMap((c) => names(c.sql)) };
  }
  const constraints = await db.sql<{ conname: string; relname: string }>(
    `SELECT c.conname, t.relname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname IN ('subscription_tier', 'subscription_tier_permission', 'tier_limit', 'tier_billing_key')`,
  );
  const indexes = await db.sql<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'");
  return {
    constraints: constraints.filter((c) => c.relname === 'subscription_tier').map((c) => c.conname),
    indexes: indexes.map((r) => r.indexname),
    childConstraints: constraints.filter((c) => c.relname !== 'subscription_tier').map((c) => c.conname),
  };
}

/** Runs statements on one connection with foreign keys enforced (a plain sqlite3 connection has them off). */
async function enforced(backend: Backend, db: TestDatabase, sql: string): Promise<void> {
  if (backend.name === 'postgres') {
    await db.sql(sql);
    return;
  }
  const sqlite3 = (await import('sqlite3')).default;
  const raw = new sqlite3.Database(db.url.slice('sqlite:'.length));
  try {
    await new Promise<void>((resolve, reject) => raw.exec(`PRAGMA foreign_keys = ON; ${sql}`, (err) => (err ? reject(err) : resolve())));
  } finally {
    await new Promise((r) => raw.close(r));
  }
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`upgrading a 0.1.0 database to platforms on ${backend.name}`, () => {
    let template: TestDatabase;
    let before: Record<string, unknown[]>;
    let constraintsBefore: Awaited<ReturnType<typeof namedObjects>>;
    beforeAll(async () => {
      template = await backend.create();
      await fillAsOldTierctl(template);
      before = await rowsOf(template);
      constraintsBefore = await namedObjects(backend, template);
      expect(constraintsBefore.constraints).toContain('uq_subscription_tier_key');
      expect(before['organization']).toHaveLength(6);
      expect((before['tier_limit'] ?? []).length).toBeGreaterThan(10);
    });
    afterAll(async () => {
      await template?.drop();
    });

    /** What must hold after either upgrade: rows, foreign keys, names, enforcement, global uniqueness. */
    async function expectUpgraded(db: TestDatabase, extraTiers: number): Promise<void> {
      const after = await rowsOf(db);
      for (const table of TABLES) {
        if (table === 'subscription_tier' || table === 'reconcile_run') continue;
        if (extraTiers && table !== 'organization' && table !== 'permission') {
          // apply added one tier's child rows: the old rows are all still there, unchanged.
          expect(after[table]).toEqual(expect.arrayContaining(before[table] ?? []));
        } else expect(after[table], table).toEqual(before[table]);
      }
      expect((after['subscription_tier'] ?? []).slice(0, (before['subscription_tier'] ?? []).length)).toEqual(before['subscription_tier']);
      expect(after['subscription_tier']).toHaveLength((before['subscription_tier'] ?? []).length + extraTiers);
      expect(await db.sql('SELECT id FROM subscription_tier WHERE platform IS NOT NULL')).toHaveLength(extraTiers);

      expect(await foreignKeyTargets(backend, db)).toEqual(Object.fromEntries(FK_CHILDREN.map((t) => [t, ['subscription_tier']])));
      const named = await namedObjects(backend, db);
      for (const name of NAMED) expect(named.constraints).toContain(name);
      expect(named.constraints).not.toContain('uq_subscription_tier_key');
      expect(named.indexes).toContain('uq_subscription_tier_global_key');
      expect([...named.childConstraints].sort()).toEqual([...constraintsBefore.childConstraints].sort());
      // PostgreSQL backs each UNIQUE with an index of its name: only the dropped constraint's goes.
      for (const index of constraintsBefore.indexes.filter((i) => i !== 'uq_subscription_tier_key')) expect(named.indexes).toContain(index);
      if (backend.name === 'sqlite') {
        expect(await db.sql('PRAGMA foreign_key_check')).toEqual([]);
        expect(await db.sql('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      }

      // The foreign keys still enforce: an app row may not point at a missing tier, a tier with subscribers cannot go.
      await expect(enforced(backend, db, 'INSERT INTO organization (id, name, subscription_tier_id) VALUES (500, \'Ghost\', 999999)')).rejects.toThrow(/FOREIGN KEY|foreign key/);
      await expect(enforced(backend, db, 'DELETE FROM subscription_tier WHERE "key" = \'hobbyist\' AND platform IS NULL')).rejects.toThrow(/FOREIGN KEY|foreign key/);
      // ON DELETE CASCADE still reaches tierctl's child rows.
      const [maker] = await db.sql<{ id: number }>('SELECT id FROM subscription_tier WHERE "key" = \'maker\'');
      await enforced(backend, db, `DELETE FROM subscription_tier WHERE id = ${maker?.id}`);
      expect(await db.sql(`SELECT tier_id FROM tier_limit WHERE tier_id = ${maker?.id}`)).toEqual([]);

      // Global keys stay unique among global tiers in the database itself (UNIQUE alone treats NULLs as distinct) ...
      const insert = (key: string, platform: string | null) =>
        db.sql(`INSERT INTO subscription_tier ("key", platform, name, billing_provider, created_at, updated_at) VALUES ('${key}', ${platform === null ? 'NULL' : `'${platform}'`}, 'X', 'exempt', '2026-01-01', '2026-01-01')`);
      await expect(insert('professional', null)).rejects.toThrow(/UNIQUE|unique/);
      // ... and per platform, while the same key on a platform is another tier.
      await insert('professional', 'loyalty');
      await expect(insert('professional', 'loyalty')).rejects.toThrow(/UNIQUE|unique/);
      await insert('professional', 'oms');
    }

    it('tierctl migrate upgrades it, losing no row and no foreign key', async () => {
      const db = await template.clone();
      try {
        const r = await runMain(['migrate', '--database', db.url]);
        expect(r.stderr).toBe('');
        expect(r.stdout).toBe('applied  0003-platform-scoped-tiers\n');
        expect(r.code).toBe(0);
        // What 0.1.0 applied and recorded still fingerprints the same: no changes, no false drift.
        const plan = await runMain(['plan', '--database', db.url, '--dir', REFERENCE_TIERS, '--skip-stripe', '--format', 'json']);
        expect(plan.code, plan.stderr).toBe(0);
        expect(JSON.parse(plan.stdout)).toMatchObject({ changes: [], blocked: [] });
        expect(JSON.parse(plan.stdout)).not.toHaveProperty('drift');
        await expectUpgraded(db, 0);
        expect((await runMain(['migrate', '--database', db.url])).stdout).toContain('No pending migrations');
      } finally {
        await db.drop();
      }
    });

    it('tierctl apply upgrades it and writes a platform tier beside the global one of the same key', async () => {
      const db = await template.clone();
      const cwd = workdirWithTiers();
      try {
        appendFileSync(path.join(cwd, 'tiers', 'catalog.yaml'), 'platforms:\n  loyalty: { name: Loyalty }\n');
        writeFileSync(
          path.join(cwd, 'tiers', 'essential@loyalty.yaml'),
          'key: essential\nplatform: loyalty\nname: Essential (Loyalty)\nbilling: { provider: exempt }\nlimits: { users: 2 }\npermissions: [letzshop_sync]\n',
        );
        // Before the upgrade, plan reads the old table (no platform column) without writing.
        const planned = await runMain(['plan', '--database', db.url, '--skip-stripe', '--format', 'json'], { cwd });
        expect(planned.code).toBe(0);
        const plan = JSON.parse(planned.stdout) as { changes: { action: string; tier: string }[] };
        expect(plan.changes.map((c) => `${c.action} ${c.tier}`)).toEqual(['create essential@loyalty']);
        expect(await rowsOf(db)).toEqual(before);

        const r = await runMain(['apply', '--database', db.url, '--auto-approve', '--skip-stripe'], { cwd });
        expect(r.stdout).toContain('+ tier essential@loyalty will be created');
        expect(r.stderr).toContain('Migrated: 0003-platform-scoped-tiers');
        expect(r.code).toBe(0);
        const [row] = await db.sql<{ key: string; platform: string; name: string }>('SELECT "key", platform, name FROM subscription_tier WHERE platform IS NOT NULL');
        expect(row).toEqual({ key: 'essential', platform: 'loyalty', name: 'Essential (Loyalty)' });
        await expectUpgraded(db, 1);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
        await db.drop();
      }
    });
  });
}
