import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, TierctlError } from '../../src/index.js';
import { fingerprintOf } from '../../src/plan/fingerprint.js';
import { storedLimitValue } from '../../src/store/limit-value.js';
import { builtinStorage } from '../../src/store/storage-description.js';
import { rowToTier } from '../../src/store/tier-rows.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

/**
 * Issue 15 item 5: a value in tierctl's tables that is not what its column means (a limit
 * of 'abc', a display_order of 'x', a boolean of 'yes', a status outside the CHECK) is an
 * error naming the table, the tier, the column and the value in every reader; never NaN,
 * never "unlimited", never "No drift". SQLite only: its loose typing stores such values
 * in INTEGER columns (and a plain sqlite3 connection can skip CHECK constraints), which
 * PostgreSQL's types refuse at write time.
 */
const sqlite = BACKENDS.find((b) => b.name === 'sqlite')!;

describe('readers refuse garbage values in tierctl tables (SQLite)', () => {
  let db: TestDatabase;
  let cwd: string;
  const run = (args: string[]) => runMain([...args, '--database', db.url], { cwd });
  const readers = () => [run(['plan', '--skip-stripe']), run(['drift']), run(['import', '--dir', 'imported'])];
  const tierId = async (key: string) => Number((await db.sql<{ id: number }>(`SELECT id FROM subscription_tier WHERE "key" = '${key}'`))[0]?.id);

  beforeAll(async () => {
    db = await sqlite.create();
    cwd = workdirWithTiers();
    expect((await run(['apply', '--auto-approve', '--skip-stripe'])).code).toBe(0);
  });
  afterAll(async () => {
    await db.drop();
    rmSync(cwd, { recursive: true, force: true });
  });

  /** SQL on a plain sqlite3 connection that skips CHECK constraints (ck_tier_limit_value refuses 'abc'), as a careless hand would. */
  async function uncheckedSql(sql: string): Promise<void> {
    const sqlite3 = (await import('sqlite3')).default;
    await new Promise<void>((resolve, reject) => {
      const raw = new sqlite3.Database(db.url.slice('sqlite:'.length));
      raw.exec(`PRAGMA ignore_check_constraints = 1; ${sql};`, (err) => raw.close(() => (err ? reject(err) : resolve())));
    });
  }

  /** Puts a bad value in, checks every reader names it, puts the good value back. */
  async function expectRefused(setSql: string, resetSql: string, mentions: string[]) {
    await uncheckedSql(setSql);
    try {
      for (const r of await Promise.all(readers())) {
        for (const m of mentions) expect(r.stderr).toContain(m);
        expect(r.stderr).toContain('hint:');
        expect(r.code).toBe(1);
      }
      const opening = openCatalog({ database: db.url });
      await expect(opening).rejects.toThrow(TierctlError);
      for (const m of mentions) await expect(opening).rejects.toThrow(m);
    } finally {
      await db.sql(resetSql);
    }
  }

  it("a limit stored as 'abc' is an error naming tier_limit, the tier, the column and the value", async () => {
    const id = await tierId('hobbyist');
    await expectRefused(`UPDATE tier_limit SET value = 'abc' WHERE tier_id = ${id} AND limit_key = 'users'`, `UPDATE tier_limit SET value = 1 WHERE tier_id = ${id} AND limit_key = 'users'`, ['tier_limit', 'tier "hobbyist"', 'limit "users"', 'column value', '"abc"']);
  });

  it('a fractional limit (12.5) is refused too, not rounded', async () => {
    const id = await tierId('hobbyist');
    await expectRefused(`UPDATE tier_limit SET value = 12.5 WHERE tier_id = ${id} AND limit_key = 'users'`, `UPDATE tier_limit SET value = 1 WHERE tier_id = ${id} AND limit_key = 'users'`, ['tier_limit', 'tier "hobbyist"', '12.5']);
  });

  it("display_order 'x' and customer_facing 'yes' are refused", async () => {
    await expectRefused(`UPDATE subscription_tier SET display_order = 'x' WHERE "key" = 'maker'`, `UPDATE subscription_tier SET display_order = 30 WHERE "key" = 'maker'`, ['subscription_tier', 'tier "maker"', 'display_order', '"x"']);
    await expectRefused(`UPDATE subscription_tier SET customer_facing = 'yes' WHERE "key" = 'maker'`, `UPDATE subscription_tier SET customer_facing = 1 WHERE "key" = 'maker'`, ['subscription_tier', 'tier "maker"', 'customer_facing', '"yes"']);
  });
});

describe('rowToTier and the limit reader (the pure halves of the store\'s snapshot) refuse what a CHECK would have stopped', () => {
  const d = builtinStorage();
  const none = { permissions: [], limits: {}, billingKeys: [] };
  const tier = (over: Record<string, unknown>) => ({ id: 1, key: 'pro', name: 'Pro', description: null, customer_facing: 1, display_order: 10, status: 'active', protected: 0, billing_provider: 'stripe', fallback_price: null, ...over });
  it('a status or a provider outside the allowed values (a table whose CHECK was dropped)', () => {
    expect(() => rowToTier(d, tier({ status: 'paused' }), none)).toThrow(/subscription_tier: tier "pro": column status holds "paused"/);
    expect(() => rowToTier(d, tier({ billing_provider: 'paypal' }), none)).toThrow(/column billing_provider holds "paypal"/);
    expect(() => rowToTier(d, tier({ protected: 2 }), none)).toThrow(/column protected holds 2/);
    const where = { table: 'tier_limit', limit: 'users', tier: '"pro"', column: 'value' };
    expect(() => storedLimitValue(Number.NaN, where)).toThrow(/tier_limit holds NaN for limit "users" \(tier "pro"\), .* \(column value\)/);
    expect(() => storedLimitValue('12abc', where)).toThrow(/tier_limit holds "12abc" for limit "users"/);
    expect(storedLimitValue('9007199254740991', where)).toBe(9007199254740991);
  });
});

describe('fingerprints never treat NaN as null', () => {
  it('refuses to fingerprint NaN or Infinity', () => {
    expect(() => fingerprintOf({ limits: { users: Number.NaN } })).toThrow(/cannot fingerprint/);
    expect(() => fingerprintOf({ limits: { users: Number.POSITIVE_INFINITY } })).toThrow(/cannot fingerprint/);
    expect(fingerprintOf({ limits: { users: null } })).toMatch(/^sha256:/);
  });
});
