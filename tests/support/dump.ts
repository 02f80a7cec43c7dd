import type { TestDatabase } from './databases.js';

const TABLES: Record<string, string> = {
  subscription_tier: 'id',
  permission: 'id',
  subscription_tier_permission: 'tier_id, permission_id',
  tier_limit: 'tier_id, limit_key',
  tier_billing_key: 'tier_id, provider, "key"',
  reconcile_run: 'id',
};

/** Every row of tierctl's tables, ordered: equal dumps mean an untouched database. */
export async function dumpTables(db: TestDatabase): Promise<string> {
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(TABLES)) {
    try {
      out[table] = await db.sql(`SELECT * FROM ${table} ORDER BY ${order}`);
    } catch {
      out[table] = ['<missing>'];
    }
  }
  return JSON.stringify(out);
}
