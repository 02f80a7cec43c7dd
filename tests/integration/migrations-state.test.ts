import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normaliseCatalog, type Tier } from '../../src/catalog/model.js';
import { applyPlan } from '../../src/apply/apply-plan.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { catalogFingerprint } from '../../src/plan/fingerprint.js';
import { createSequelizeTierStore } from '../../src/store/sequelize-tier-store.js';
import { builtinStorage } from '../../src/store/storage-description.js';
import type { TierStore } from '../../src/store/tier-store.js';
import { rebuildSqliteTable } from '../../migrations/sqlite-rebuild.js';
import type { Migration } from '../../migrations/migration-context.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { loadReference } from '../support/sources.js';
import { open, openStoreAt, stateOf } from '../support/state.js';

const APPLY = { allowDestroy: true, lockTimeoutMs: 5000, toolVersion: 'test', actor: 'test', gitSha: null };
const migrate = (store: TierStore) => store.write(5000, (tx) => store.migrate(tx));
const migrationStatus = (store: TierStore) => store.read((tx) => store.migrationStatus(tx));

function syntheticTiers(n: number): Tier[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `tier_${i}`, name: `Tier ${i}`, description: null, customer_facing: true, display_order: i, status: 'active' as const, protected: false,
    billing_provider: 'stripe' as const, billing_keys: [`t${i}_m`, `t${i}_y`], fallback_price: null, limits: { users: i, orders: null }, permissions: ['a', 'b'],
  }));
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`migrations and state on ${backend.name}`, () => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await backend.create();
    });
    afterEach(async () => {
      await db.drop();
    });

    it('creates every table with only named constraints, and a second run does nothing', async () => {
      const conn = await openStoreAt(db.url);
      try {
        expect(await migrationStatus(conn)).toEqual({ executed: [], pending: MIGRATIONS.map((m) => m.name) });
        expect(await migrate(conn)).toEqual(MIGRATIONS.map((m) => m.name));
        expect(await migrate(conn)).toEqual([]);
        expect((await migrationStatus(conn)).pending).toEqual([]);
      } finally {
        await conn.close();
      }
      const tables = ['subscription_tier', 'permission', 'subscription_tier_permission', 'tier_limit', 'tier_billing_key', 'reconcile_run'];
      let names: string[];
      if (backend.name === 'postgres') {
        const rows = await db.sql<{ conname: string }>(`SELECT conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = ANY($1) AND c.contype IN ('p','u','f','c')`, [tables]);
        names = rows.map((r) => r.conname);
        // PostgreSQL invents names like subscription_tier_pkey for unnamed constraints: none may exist.
        expect(names.filter((n) => !/^(pk|uq|fk|ck)_/.test(n))).toEqual([]);
      } else {
        const rows = await db.sql<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name IN (${tables.map(() => '?').join(',')})`, tables);
        const ddl = rows.map((r) => r.sql).join('\n');
        names = [...ddl.matchAll(/CONSTRAINT (\w+)/g)].map((m) => m[1] as string);
        // Every PRIMARY KEY / UNIQUE / FOREIGN KEY / CHECK clause is preceded by its CONSTRAINT name.
        const clauses = ddl.match(/(PRIMARY KEY|UNIQUE|FOREIGN KEY|CHECK) \(/g) ?? [];
        expect(clauses.length).toBe(names.length);
      }
      for (const expected of ['pk_subscription_tier', 'uq_subscription_tier_platform_key', 'ck_subscription_tier_platform', 'fk_subscription_tier_permission_tier', 'uq_tier_billing_key_provider_key', 'pk_reconcile_run']) {
        expect(names).toContain(expected);
      }
    });

    it('reads an uninitialised database as empty, and the applied catalog back as the same model', async () => {
      expect((await stateOf(db.url)).initialised).toBe(false);
      const loaded = loadReference();
      const conn = await openStoreAt(db.url);
      try {
        const empty = await conn.read((tx) => conn.snapshot(tx));
        const plan = buildPlan({ desired: loaded, actual: empty.catalog, stripe: { verified: false, keys: {} }, toolVersion: 'test' });
        await applyPlan(conn, plan, APPLY);
      } finally {
        await conn.close();
      }
      const state = await stateOf(db.url);
      expect(state.catalog).toEqual(loaded.catalog);
      expect(catalogFingerprint(state.catalog)).toBe(catalogFingerprint(loaded.catalog));
    });

    it('reads state in the same number of queries for 5 tiers and for 400', async () => {
      const counts: number[] = [];
      for (const n of [5, 400]) {
        const target = await backend.create();
        try {
          const conn = await openStoreAt(target.url);
          const desired = { catalog: normaliseCatalog({ a: 'A', b: 'B' }, syntheticTiers(n)), renamedFrom: {} };
          await applyPlan(conn, buildPlan({ desired, actual: normaliseCatalog({}, []), stripe: { verified: false, keys: {} }, toolVersion: 't' }), APPLY);
          await conn.close();
          let statements = 0;
          const counted = await openStoreAt(target.url, { onStatement: () => void statements++ });
          statements = 0;
          const state = await counted.read((tx) => counted.snapshot(tx));
          await counted.close();
          expect(Object.keys(state.catalog.tiers)).toHaveLength(n);
          counts.push(statements);
        } finally {
          await target.drop();
        }
      }
      expect(counts[0]).toBe(counts[1]);
    });

    it.runIf(backend.name === 'sqlite')('a later migration can alter a constrained column (table rebuild) and keeps every named constraint', async () => {
      const loaded = loadReference();
      const conn = await openStoreAt(db.url);
      try {
        await applyPlan(conn, buildPlan({ desired: loaded, actual: normaliseCatalog({}, []), stripe: { verified: false, keys: {} }, toolVersion: 't' }), APPLY);
      } finally {
        await conn.close();
      }
      const widen: Migration = {
        name: '9999-test-widen-billing-key',
        up: (ctx) => rebuildSqliteTable(ctx, ctx.table('tier_billing_key'), (sql) => sql.replace('"key" VARCHAR(200)', '"key" VARCHAR(255)')),
        down: async () => undefined,
      };
      const widening = await createSequelizeTierStore(await open(db.url), builtinStorage(), { migrations: [...MIGRATIONS, widen] });
      try {
        expect(await migrate(widening)).toEqual(['9999-test-widen-billing-key']);
      } finally {
        await widening.close();
      }
      const [row] = await db.sql<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE name = 'tier_billing_key'`);
      expect(row?.sql).toContain('VARCHAR(255)');
      for (const name of ['pk_tier_billing_key', 'uq_tier_billing_key_provider_key', 'fk_tier_billing_key_tier']) expect(row?.sql).toContain(`CONSTRAINT ${name}`);
      expect((await stateOf(db.url)).catalog).toEqual(loaded.catalog);
      const [key] = await db.sql<{ tier_id: number; provider: string; key: string }>('SELECT tier_id, provider, "key" FROM tier_billing_key LIMIT 1');
      await expect(db.sql('INSERT INTO tier_billing_key (tier_id, provider, "key") VALUES (?, ?, ?)', [key?.tier_id === 1 ? 2 : 1, key?.provider, key?.key])).rejects.toThrow(/UNIQUE/);
    });
  });
}
