import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CatalogLookupError, openCatalog, type TierCatalog } from '../../src/index.js';
import { openReadOnlyStore } from '../../src/runtime/read-only-store.js';
import type { Tier } from '../../src/catalog/model.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { appliedReference } from '../support/applied-base.js';
import { workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';
import { loadReference } from '../support/sources.js';

const reference = loadReference().catalog;
const referenceTiers = Object.values(reference.tiers);

/** The runtime's camelCase view of a tier as the files describe it (id left out: only the database knows it). */
function expectedView(t: Tier) {
  return {
    key: t.key,
    platform: null,
    name: t.name,
    description: t.description,
    customerFacing: t.customer_facing,
    displayOrder: t.display_order,
    status: t.status,
    protected: t.protected,
    billingProvider: t.billing_provider,
    billingKeys: t.billing_keys,
    fallbackPrice: t.fallback_price,
    limits: t.limits,
    permissions: t.permissions,
  };
}

// A tier that grants some but not all permissions, and one that sets a limit to null
// and one that leaves a limit out: picked from the files, so edits to tiers/ keep this honest.
const allPermissions = Object.keys(reference.permissions);
const partial = referenceTiers.find((t) => t.permissions.length > 0 && t.permissions.length < allPermissions.length)!;
const withUnlimited = referenceTiers.find((t) => Object.values(t.limits).some((v) => v === null))!;
const allLimitNames = [...new Set(referenceTiers.flatMap((t) => Object.keys(t.limits)))];
const withMissingLimit = referenceTiers.find((t) => allLimitNames.some((n) => !(n in t.limits)))!;

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`runtime API (openCatalog) on ${backend.name}`, () => {
    const base = appliedReference(backend);
    let db: TestDatabase;
    let cwd: string;
    let catalog: TierCatalog | undefined;
    const apply = () => runMain(['apply', '--auto-approve', '--skip-stripe', '--database', db.url], { cwd });

    beforeEach(async () => {
      // The reference catalog applied (once per file, copied per test: appliedReference).
      db = await base.clone();
      cwd = workdirWithTiers();
    });
    afterEach(async () => {
      await catalog?.close();
      catalog = undefined;
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it('reads back every tier the files describe, with the row ids the database gave them', async () => {
      catalog = await openCatalog({ database: db.url });
      const rows = await db.sql<{ id: number; key: string }>('SELECT id, "key" FROM subscription_tier');
      expect(catalog.tiers().map((t) => t.key).sort()).toEqual(Object.keys(reference.tiers).sort());
      for (const t of referenceTiers) {
        const got = catalog.tier(t.key)!;
        const { id, ...view } = got;
        expect({ ...view, permissions: [...view.permissions].sort(), billingKeys: [...view.billingKeys].sort() }).toEqual(expectedView(t));
        expect(id).toBe(Number(rows.find((r) => r.key === t.key)?.id));
        expect(catalog.tierById(id as number)).toBe(got);
      }
      expect(catalog.tier('no_such_tier')).toBeUndefined();
    });

    it('filters and orders tiers as the files say', async () => {
      catalog = await openCatalog({ database: db.url });
      const byOrder = (a: Tier, b: Tier) => a.display_order - b.display_order || a.key.localeCompare(b.key);
      expect(catalog.tiers().map((t) => t.key)).toEqual([...referenceTiers].sort(byOrder).map((t) => t.key));
      const facing = referenceTiers.filter((t) => t.customer_facing && t.status === 'active').sort(byOrder).map((t) => t.key);
      expect(facing.length).toBeGreaterThan(0);
      expect(catalog.tiers({ customerFacing: true, status: 'active' }).map((t) => t.key)).toEqual(facing);
      expect(catalog.tiers({ customerFacing: false }).map((t) => t.key)).toEqual(referenceTiers.filter((t) => !t.customer_facing).sort(byOrder).map((t) => t.key));
    });

    it('answers can() and limit() from the files, null meaning unlimited, and refuses names it does not know', async () => {
      catalog = await openCatalog({ database: db.url });
      for (const p of allPermissions) expect(catalog.can(partial.key, p)).toBe(partial.permissions.includes(p));
      for (const t of referenceTiers) for (const [name, value] of Object.entries(t.limits)) expect(catalog.limit(t.key, name)).toBe(value);
      const unlimited = Object.entries(withUnlimited.limits).find(([, v]) => v === null)![0];
      expect(catalog.limit(withUnlimited.key, unlimited)).toBeNull();

      const missing = allLimitNames.find((n) => !(n in withMissingLimit.limits))!;
      expect(() => catalog!.limit(withMissingLimit.key, missing)).toThrow(`tier "${withMissingLimit.key}" does not set limit "${missing}"`);
      expect(() => catalog!.limit(partial.key, 'no_such_limit')).toThrow(CatalogLookupError);
      expect(() => catalog!.can(partial.key, 'no.such.permission')).toThrow('unknown permission "no.such.permission"');
      expect(() => catalog!.can('no_such_tier', allPermissions[0]!)).toThrow('unknown tier "no_such_tier"');
    });

    it('keeps answering from its cache until refresh() picks up a new apply', async () => {
      catalog = await openCatalog({ database: db.url });
      const target = partial;
      const [limitName, before] = Object.entries(target.limits).find(([, v]) => typeof v === 'number')!;
      const file = path.join(cwd, 'tiers', `${target.key}.yaml`);
      const text = readFileSync(file, 'utf8');
      const next = text.replace(new RegExp(`\\b${limitName}: ${before}\\b`), `${limitName}: ${Number(before) + 7}`).replace(/^name: .*$/m, 'name: Renamed For Runtime');
      expect(next).not.toBe(text);
      writeFileSync(file, next);
      expect((await apply()).code).toBe(0);

      expect(catalog.limit(target.key, limitName)).toBe(before);
      expect(catalog.tier(target.key)?.name).toBe(target.name);
      await catalog.refresh();
      expect(catalog.limit(target.key, limitName)).toBe(Number(before) + 7);
      expect(catalog.tier(target.key)?.name).toBe('Renamed For Runtime');
    });

    it('exposes no write method, and its connection refuses writes', async () => {
      catalog = await openCatalog({ database: db.url });
      expect(Object.keys(catalog).sort()).toEqual(['can', 'close', 'limit', 'refresh', 'tier', 'tierById', 'tiers']);
      const store = await openReadOnlyStore(db.url);
      try {
        const write = `UPDATE subscription_tier SET name = 'hacked'`;
        if (backend.name === 'sqlite') {
          await expect(store.db.exec(write)).rejects.toThrow(/SQLITE_READONLY|readonly/);
        } else {
          const tx = await store.db.engine.beginRead(store.db.sequelize);
          try {
            await expect(store.db.exec(write, { transaction: tx })).rejects.toThrow(/read-only transaction/);
          } finally {
            await tx.rollback().catch(() => undefined);
          }
        }
        await store.read();
      } finally {
        await store.close();
      }
      const names = await db.sql<{ name: string }>('SELECT name FROM subscription_tier');
      expect(names.map((r) => r.name)).not.toContain('hacked');
    });

    it('refresh() fails after close(), while the last snapshot stays readable', async () => {
      const c = await openCatalog({ database: db.url });
      await c.close();
      expect(c.tier(partial.key)?.key).toBe(partial.key);
      await expect(c.refresh()).rejects.toThrow('the catalog was closed');
    });
  });
}

describe('openCatalog on a database tierctl never applied to', () => {
  it('refuses a missing SQLite file without creating it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tierctl-runtime-'));
    const file = path.join(dir, 'absent.sqlite');
    await expect(openCatalog({ database: `sqlite:${file}` })).rejects.toThrow('no tierctl database at');
    expect(existsSync(file)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('the published package entry', () => {
  it('exports the runtime API by the package name (package.json exports -> dist)', async () => {
    const pkg = (await import('tierctl')) as Record<string, unknown>;
    expect(typeof pkg['openCatalog']).toBe('function');
    expect(typeof pkg['CatalogLookupError']).toBe('function');
  });
});
