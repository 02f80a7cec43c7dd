import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { editTierFile, workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

/**
 * `apply --auto-approve` without a plan file plans from the state it reads under its lock
 * and writes in the same transaction (one read). What the plan reads must not spoil the
 * transaction the writes need.
 */
for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`apply plans and writes under one lock on ${backend.name}`, () => {
    let db: TestDatabase;
    let cwd: string;
    const apply = (...extra: string[]) => runMain(['apply', '--auto-approve', '--skip-stripe', '--database', db.url, ...extra], { cwd });

    beforeEach(async () => {
      db = await backend.create();
      cwd = workdirWithTiers();
    });
    afterEach(async () => {
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it('updates a tier although the subscribers table named in catalog.yaml does not exist yet (its failed count does not abort the write transaction)', async () => {
      expect((await apply()).code).toBe(0);
      editTierFile(cwd, 'essential.yaml', 'name: Essential', 'name: Essential Plus');
      const r = await apply();
      expect(r.stderr).not.toMatch(/internal problem|transaction is aborted/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Apply complete: 1 change applied');
      const [row] = await db.sql<{ name: string }>(`SELECT name FROM subscription_tier WHERE "key" = 'essential'`);
      expect(row?.name).toBe('Essential Plus');
    });

    it('a delete still needs the subscribers counted: with the table missing it fails clearly and writes nothing', async () => {
      expect((await apply()).code).toBe(0);
      rmSync(`${cwd}/tiers/maker.yaml`);
      const r = await apply('--allow-destroy');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('cannot count subscribers in organization.subscription_tier_id');
      expect(await db.sql(`SELECT "key" FROM subscription_tier WHERE "key" = 'maker'`)).toHaveLength(1);
    });
  });
}
