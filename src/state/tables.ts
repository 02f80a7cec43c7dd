import type { Transaction } from 'sequelize';
import type { Database } from './database.js';

export const TABLES = {
  tier: 'subscription_tier',
  permission: 'permission',
  tierPermission: 'subscription_tier_permission',
  limit: 'tier_limit',
  billingKey: 'tier_billing_key',
  run: 'reconcile_run',
} as const;

/** Names of the tables that exist, in one query. */
export async function existingTables(db: Database, tx?: Transaction): Promise<Set<string>> {
  const sql = db.dialect === 'sqlite'
    ? "SELECT name FROM sqlite_master WHERE type = 'table'"
    : 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()';
  const rows = await db.query<{ name: string }>(sql, { transaction: tx ?? null });
  return new Set(rows.map((r) => r.name));
}
