import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { ROOT, REFERENCE_TIERS, workdirWithTiers } from '../support/cli.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { runMain } from '../support/run-main.js';

/**
 * docs/tables.md is a contract for apps in other languages: its SQL must run as written on
 * both databases against tables tierctl applied, and answer what the tier files say.
 */
const DOC = readFileSync(path.join(ROOT, 'docs/tables.md'), 'utf8');
const blocks = [...DOC.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] as string).trim().replace(/;\s*$/, ''));

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`docs/tables.md queries (${backend.name})`, () => {
    let db: TestDatabase | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });

    it('the foreign key, the organization query and the pricing-page query run as written', async () => {
      expect(blocks).toHaveLength(4);
      const [alter, orgQuery, pricing] = blocks as [string, string, string, string];
      db = await backend.create();
      await db.sql('CREATE TABLE organization (id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL)');
      const applied = await runMain(['apply', '--auto-approve', '--skip-stripe', '--dir', REFERENCE_TIERS], { env: { DATABASE_URL: db.url } });
      expect(applied.code, applied.stderr).toBe(0);
      await db.sql(alter);
      await db.sql(`INSERT INTO organization (id, name, subscription_tier_id) SELECT 1, 'Solo Soap', id FROM subscription_tier WHERE "key" = 'hobbyist'`);
      await db.sql(`INSERT INTO organization (id, name, subscription_tier_id) SELECT 2, 'Big Shop', id FROM subscription_tier WHERE "key" = 'professional'`);

      const bind = (sql: string) => (backend.name === 'postgres' ? sql.replace('?', '$1') : sql);
      const [hobbyist] = await db.sql<Record<string, unknown>>(bind(orgQuery), [1]);
      expect(hobbyist).toMatchObject({ key: 'hobbyist', status: 'active' });
      expect(Number(hobbyist?.['users_limit'])).toBe(1);
      expect(Boolean(hobbyist?.['users_limit_unset'])).toBe(false);
      expect(Boolean(hobbyist?.['can_create_batches'])).toBe(true);

      const pricingRows = await db.sql<{ key: string }>(pricing);
      expect(pricingRows.map((r) => r.key)).toContain('hobbyist');
      expect(pricingRows.map((r) => r.key)).not.toContain('exempt');
    });

    it('the pricing page of a platform lists its own tiers and the global ones it does not override', async () => {
      const platformPricing = blocks[3] as string;
      db = await backend.create();
      const cwd = workdirWithTiers();
      try {
        appendFileSync(path.join(cwd, 'tiers', 'catalog.yaml'), 'platforms:\n  loyalty: { name: Loyalty }\n');
        writeFileSync(path.join(cwd, 'tiers', 'essential@loyalty.yaml'), 'key: essential\nplatform: loyalty\nname: Essential Loyalty\ndisplay_order: 20\nbilling: { provider: exempt }\nlimits: { users: 3 }\n');
        const applied = await runMain(['apply', '--auto-approve', '--skip-stripe'], { cwd, env: { DATABASE_URL: db.url } });
        expect(applied.code, applied.stderr).toBe(0);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
      const sql = backend.name === 'postgres' ? platformPricing.replaceAll('?1', '$1') : platformPricing;
      const rows = await db.sql<{ key: string; platform: string | null; name: string }>(sql, ['loyalty']);
      const essential = rows.filter((r) => r.key === 'essential');
      expect(essential).toEqual([expect.objectContaining({ platform: 'loyalty', name: 'Essential Loyalty' })]);
      expect(rows.map((r) => r.key)).toContain('hobbyist');
      // Another platform sees the global tier.
      const oms = await db.sql<{ key: string; platform: string | null }>(sql, ['oms']);
      expect(oms.filter((r) => r.key === 'essential')).toEqual([expect.objectContaining({ platform: null })]);
    });
  });
}
