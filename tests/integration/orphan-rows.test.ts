import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { appliedReference } from '../support/applied-base.js';
import { workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';
import { loadReference } from '../support/sources.js';
import { stateOf } from '../support/state.js';

const NO_STACK = /\n\s+at /;

/**
 * Issue 15 item 11: child rows whose tier (or permission) row is gone, left by a write
 * outside tierctl with foreign keys off (SQLite's default for other clients; disabled
 * triggers on PostgreSQL). They were invisible to plan and drift, then made the next
 * apply fail with "Validation error" when a tier took back its billing key.
 */
for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`orphan child rows on ${backend.name}`, () => {
    const base = appliedReference(backend);
    let db: TestDatabase;
    let cwd: string;
    const run = (args: string[]) => runMain([...args, '--database', db.url], { cwd });

    /** Deletes a parent row the way a careless client does: without cascades or checks. */
    async function deleteWithoutForeignKeys(table: string, where: string) {
      if (backend.name === 'sqlite') {
        await db.sql(`DELETE FROM ${table} WHERE ${where}`); // a plain sqlite3 connection has foreign_keys off
        return;
      }
      await db.sql(`ALTER TABLE ${table} DISABLE TRIGGER ALL`);
      await db.sql(`DELETE FROM ${table} WHERE ${where}`);
      await db.sql(`ALTER TABLE ${table} ENABLE TRIGGER ALL`);
    }

    beforeEach(async () => {
      // The reference catalog applied (once per file, copied per test: appliedReference).
      db = await base.clone();
      cwd = workdirWithTiers();
      await deleteWithoutForeignKeys('subscription_tier', `"key" = 'maker'`);
      await deleteWithoutForeignKeys('permission', `name = 'recipes.manage'`);
      expect((await db.sql(`SELECT * FROM tier_billing_key WHERE "key" = 'prod_MakerWhop01'`)).length).toBe(1);
    });
    afterEach(async () => {
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it('drift reports them', async () => {
      const r = await run(['drift']);
      expect(r.stdout).toContain('orphan row in tier_billing_key: whop billing key prod_MakerWhop01');
      expect(r.stdout).toMatch(/orphan row in tier_limit: limit users of tier id \d+ \(its tier is gone\)/);
      expect(r.stdout).toMatch(/orphan row in subscription_tier_permission: grant of permission id \d+ to tier id \d+ \(its permission is gone\)/);
      expect(r.code).toBe(2);
    });

    it('plan removes them (text and JSON), and apply then succeeds and leaves none', async () => {
      const text = await run(['plan', '--skip-stripe']);
      expect(text.stdout).toContain('orphan row in tier_billing_key: whop billing key prod_MakerWhop01');
      expect(text.stdout).toMatch(/orphan rows? to remove/);
      const json = await run(['plan', '--skip-stripe', '--format', 'json']);
      const plan = JSON.parse(json.stdout) as { changes: { kind: string; action: string; table?: string; missing?: string }[] };
      const orphans = plan.changes.filter((c) => c.kind === 'orphan');
      expect(orphans.map((c) => c.table)).toContain('tier_billing_key');
      expect(orphans.map((c) => c.table)).toContain('tier_limit');
      expect(orphans.filter((c) => c.table === 'subscription_tier_permission').map((c) => c.missing).sort()).toContain('permission');
      expect(plan.changes[0]?.kind).toBe('orphan');
      const markdown = await run(['plan', '--skip-stripe', '--format', 'markdown']);
      expect(markdown.stdout).toContain('orphan row in tier_billing_key');

      const applied = await run(['apply', '--auto-approve', '--skip-stripe']);
      expect(applied.stderr).not.toMatch(NO_STACK);
      expect(applied.stderr).not.toContain('Validation error');
      expect(applied.code).toBe(0);
      expect((await stateOf(db.url)).catalog).toEqual(loadReference().catalog);
      const leftovers = await db.sql(
        'SELECT tier_id FROM tier_billing_key WHERE tier_id NOT IN (SELECT id FROM subscription_tier) UNION ALL SELECT tier_id FROM tier_limit WHERE tier_id NOT IN (SELECT id FROM subscription_tier) UNION ALL SELECT tier_id FROM subscription_tier_permission WHERE tier_id NOT IN (SELECT id FROM subscription_tier) OR permission_id NOT IN (SELECT id FROM permission)',
      );
      expect(leftovers).toEqual([]);
      expect((await run(['plan', '--skip-stripe', '--detailed-exitcode'])).code).toBe(0);
      expect((await run(['drift'])).code).toBe(0);
    });
  });
}
