import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/index.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';
import { loadReference } from '../support/sources.js';
import { stateOf } from '../support/state.js';

/**
 * tierctl's tables next to an app's: a table with one of tierctl's names that tierctl did not
 * create fails plan clearly (it used to fail apply after plan said fine, or crash plan), and
 * a prefix keeps tierctl's tables (and their constraint names) apart.
 */
const BATCHTRACK_TIERS = `CREATE TABLE subscription_tier (
  id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL, "key" VARCHAR(32) NOT NULL, user_limit INTEGER NOT NULL DEFAULT 1, stripe_lookup_key VARCHAR(128) NULL
)`;
const APP_PERMISSION = 'CREATE TABLE permission (id INTEGER PRIMARY KEY, name VARCHAR(128) NOT NULL, description TEXT NULL)';

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`tierctl's tables beside an app's on ${backend.name}`, () => {
    let db: TestDatabase;
    let cwd: string;
    const run = (args: string[], env: Record<string, string> = {}) => runMain([...args, '--database', db.url], { cwd, env });
    const tables = async () =>
      (backend.name === 'sqlite'
        ? await db.sql<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        : await db.sql<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")
      ).map((r) => r.name);

    beforeEach(async () => {
      db = await backend.create();
      cwd = workdirWithTiers();
    });
    afterEach(async () => {
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it('an app that already has subscription_tier (BatchTrack): plan fails clearly, naming the table and the prefix option; nothing is written', async () => {
      await db.sql(BATCHTRACK_TIERS);
      await db.sql(APP_PERMISSION);
      await db.sql(`INSERT INTO subscription_tier (id, name, "key") VALUES (1, 'Free', 'free')`);
      const plan = await run(['plan', '--skip-stripe']);
      expect(plan.code).toBe(1);
      expect(plan.stderr).toContain('already has tables named "subscription_tier", "permission" that tierctl did not create');
      expect(plan.stderr).toContain('--table-prefix tierctl_');
      expect(plan.stderr).not.toMatch(/internal problem|\n\s+at /);
      const apply = await run(['apply', '--auto-approve', '--skip-stripe']);
      expect(apply.code).toBe(1);
      expect(apply.stderr).toContain('that tierctl did not create');
      expect(await tables()).toEqual(['permission', 'subscription_tier']);
    });

    it('an app table named permission alone is refused at plan time, not half-way through apply', async () => {
      await db.sql(APP_PERMISSION);
      const plan = await run(['plan', '--skip-stripe', '--detailed-exitcode']);
      expect(plan.code).toBe(1);
      expect(plan.stderr).toContain('already has a table named "permission" that tierctl did not create');
    });

    it('with --table-prefix (or $TIERCTL_TABLE_PREFIX) every command works beside the app tables, which stay untouched', async () => {
      await db.sql(BATCHTRACK_TIERS);
      await db.sql(APP_PERMISSION);
      await db.sql(`INSERT INTO subscription_tier (id, name, "key") VALUES (1, 'Free', 'free')`);
      const applied = await run(['apply', '--auto-approve', '--skip-stripe', '--table-prefix', 'tierctl_']);
      expect(applied.stderr).not.toMatch(/internal problem/);
      expect(applied.code).toBe(0);
      expect(await tables()).toEqual([
        'permission',
        'subscription_tier',
        'tierctl_permission',
        'tierctl_reconcile_run',
        'tierctl_subscription_tier',
        'tierctl_subscription_tier_permission',
        'tierctl_tier_billing_key',
        'tierctl_tier_limit',
        'tierctl_tierctl_migration',
      ]);
      expect(await db.sql('SELECT id, name, "key" FROM subscription_tier')).toEqual([{ id: 1, name: 'Free', key: 'free' }]);
      expect(await db.sql('SELECT * FROM permission')).toEqual([]);
      expect((await stateOf(db.url, 'tierctl_')).catalog).toEqual(loadReference().catalog);

      const env = { TIERCTL_TABLE_PREFIX: 'tierctl_' };
      expect((await run(['plan', '--skip-stripe', '--detailed-exitcode'], env)).code).toBe(0);
      expect((await run(['drift'], env)).stdout).toContain('No drift');
      expect((await run(['history', '--format', 'json'], env)).stdout).toContain('"status": "applied"');
      expect((await run(['migrate', '--status'], env)).stdout).toMatch(/^applied {2}0001-initial-tables/m);
      const catalog = await openCatalog({ database: db.url, tablePrefix: 'tierctl_' });
      try {
        expect(catalog.tiers().map((t) => t.key).sort()).toEqual(Object.keys(loadReference().catalog.tiers).sort());
      } finally {
        await catalog.close();
      }
      // Without the prefix the app's tables are still not mistaken for tierctl's.
      expect((await run(['plan', '--skip-stripe'])).stderr).toContain('that tierctl did not create');
    });

    it('prefixes constraint names too, so they cannot collide with the app schema', async () => {
      expect((await run(['migrate', '--table-prefix', 'tc_'])).code).toBe(0);
      const names =
        backend.name === 'postgres'
          ? (await db.sql<{ conname: string }>(`SELECT conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname LIKE 'tc\\_%'`)).map((r) => r.conname)
          : [...(await db.sql<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name LIKE 'tc\\_%' ESCAPE '\\'")).map((r) => r.sql).join('\n').matchAll(/CONSTRAINT (\w+)/g)].map((m) => m[1] as string);
      expect(names).toContain('pk_tc_subscription_tier');
      expect(names).toContain('uq_tc_permission_name');
      expect(names).toContain('pk_tc_tierctl_migration');
      expect(names.filter((n) => !/^(pk|uq|fk|ck)_tc_/.test(n))).toEqual([]);
    });

    it('refuses a prefix that is not a plain identifier', async () => {
      const r = await run(['plan', '--skip-stripe', '--table-prefix', 'x; DROP TABLE y']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('the table prefix "x; DROP TABLE y" is not usable');
    });
  });
}
