import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/plan-schema.js';
import { openCatalog } from '../../src/index.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { runMain } from '../support/run-main.js';

/**
 * Issue 15 item 6: names that exist on Object.prototype. A tier keyed `constructor` passed
 * validate and crashed plan ("filter is not a function"); rows keyed `__proto__` vanished from
 * plan, drift, import and openCatalog. `constructor` goes through the files end to end;
 * `__proto__`, `toString` and `hasOwnProperty` (which the name patterns refuse in files)
 * arrive as rows written with plain SQL.
 */
const CATALOG = `permissions:
  constructor: Build things
  reports.view: View reports
limits:
  constructor: { description: Constructions }
  users: { description: Seats }
`;
const TIER = `key: constructor
name: Constructor
billing: { provider: exempt }
limits: { constructor: 5, users: 2 }
permissions: [constructor, reports.view]
`;
const BASIC = `key: basic
name: Basic
billing: { provider: exempt }
limits: { users: 1 }
permissions: [reports.view]
`;
const HOSTILE = ['__proto__', 'toString', 'hasOwnProperty'];

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`prototype names on ${backend.name}`, () => {
    let db: TestDatabase;
    let cwd: string;
    const run = (args: string[]) => runMain([...args, '--database', db.url], { cwd });
    beforeEach(async () => {
      db = await backend.create();
      cwd = mkdtempSync(path.join(tmpdir(), 'tierctl-proto-'));
      mkdirSync(path.join(cwd, 'tiers'));
      writeFileSync(path.join(cwd, 'tiers', 'catalog.yaml'), CATALOG);
      writeFileSync(path.join(cwd, 'tiers', 'constructor.yaml'), TIER);
      writeFileSync(path.join(cwd, 'tiers', 'basic.yaml'), BASIC);
    });
    afterEach(async () => {
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it('constructor as tier key, permission and limit: validate, apply, plan 0 changes, drift, import, openCatalog', async () => {
      expect((await runMain(['validate'], { cwd })).code).toBe(0);
      const applied = await run(['apply', '--auto-approve', '--skip-stripe']);
      expect(applied.code, applied.stderr).toBe(0);
      const again = await run(['plan', '--skip-stripe', '--detailed-exitcode']);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(again.stdout).toContain('No changes.');
      const drift = await run(['drift']);
      expect(drift.code, drift.stdout + drift.stderr).toBe(0);

      const imported = await run(['import', '--dir', 'imported']);
      expect(imported.code, imported.stderr).toBe(0);
      const roundTrip = await runMain(['plan', '--skip-stripe', '--detailed-exitcode', '--dir', 'imported', '--database', db.url], { cwd });
      expect(roundTrip.code, roundTrip.stdout + roundTrip.stderr).toBe(0);

      const catalog = await openCatalog({ database: db.url });
      try {
        expect(catalog.tier('constructor')?.name).toBe('Constructor');
        expect(catalog.can('constructor', 'constructor')).toBe(true);
        expect(catalog.can('basic', 'constructor')).toBe(false);
        expect(catalog.limit('constructor', 'constructor')).toBe(5);
        expect(catalog.tier('toString')).toBeUndefined();
        expect(catalog.tier('__proto__')).toBeUndefined();
        expect(() => catalog.limit('basic', 'toString')).toThrow(/no tier sets limit "toString"/);
      } finally {
        await catalog.close();
      }
    });

    it('__proto__, toString and hasOwnProperty rows are seen by plan, drift and openCatalog, and refused by import', async () => {
      expect((await run(['apply', '--auto-approve', '--skip-stripe'])).code).toBe(0);
      const [row] = await db.sql<{ id: number }>(`SELECT id FROM subscription_tier WHERE "key" = 'constructor'`);
      for (const name of HOSTILE) {
        await db.sql(`INSERT INTO subscription_tier ("key", name, billing_provider, created_at, updated_at) VALUES ($1, $2, 'exempt', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, [name, `Row ${name}`]);
        await db.sql('INSERT INTO permission (name, description) VALUES ($1, $2)', [name, `Perm ${name}`]);
        await db.sql('INSERT INTO tier_limit (tier_id, limit_key, value) VALUES ($1, $2, 7)', [Number(row?.id), name]);
      }

      const r = await run(['plan', '--skip-stripe', '--format', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const plan = JSON.parse(r.stdout) as Plan;
      const deletes = (kind: string) => plan.changes.filter((c) => c.kind === kind && c.action === 'delete').map((c) => (c.kind === 'tier' ? c.tier : c.kind === 'permission' ? c.permission : '')).sort();
      expect(deletes('tier')).toEqual([...HOSTILE].sort());
      expect(deletes('permission')).toEqual([...HOSTILE].sort());
      const update = plan.changes.find((c) => c.kind === 'tier' && c.action === 'update' && c.tier === 'constructor');
      const fields = (update as { fields?: { limits?: { removed: Record<string, unknown> } } } | undefined)?.fields;
      expect(Object.keys(fields?.limits?.removed ?? {}).sort()).toEqual([...HOSTILE].sort());
      expect(Object.keys(plan.base_objects)).toEqual(expect.arrayContaining(HOSTILE.map((n) => `tier:${n}`)));

      const drift = await run(['drift', '--format', 'json']);
      expect(drift.code, drift.stderr).toBe(2);
      const changes = (JSON.parse(drift.stdout) as { changes: { kind: string; tier?: string }[] }).changes;
      const driftedTiers = changes.filter((c) => c.kind === 'tier').map((c) => c.tier);
      for (const name of HOSTILE) expect(driftedTiers).toContain(name);

      const imported = await run(['import', '--dir', 'imported']);
      expect(imported.code).toBe(1);
      expect(imported.stderr).toMatch(/the database holds a tier keyed "(__proto__|toString|hasOwnProperty)"/);

      const catalog = await openCatalog({ database: db.url });
      try {
        for (const name of HOSTILE) {
          expect(catalog.tier(name)?.name).toBe(`Row ${name}`);
          expect(catalog.can(name, name)).toBe(false);
          expect(catalog.limit('constructor', name)).toBe(7);
        }
        expect(catalog.tiers()).toHaveLength(5);
        expect(catalog.can('constructor', 'constructor')).toBe(true);
      } finally {
        await catalog.close();
      }
    });
  });
}
