import type { Migration, MigrationContext } from './migration-context.js';
import { rebuildSqliteTable } from './sqlite-rebuild.js';

/**
 * Limits as 64-bit integers: byte quotas and monthly API calls pass 2^31 - 1. The check
 * constraint gains an upper bound of 2^53 - 1 (the largest whole number JavaScript holds
 * exactly, so no reader can round a limit). PostgreSQL alters the column in place; SQLite's
 * INTEGER is already 64-bit, but its CHECK can only change by a table rebuild, which keeps
 * every named constraint (nothing references tier_limit, so the rebuild is allowed).
 */
const MAX = '9007199254740991';
const OLD_CHECK = 'CHECK (value IS NULL OR value >= 0)';
const NEW_CHECK = `CHECK (value IS NULL OR (value >= 0 AND value <= ${MAX}))`;

export const migration: Migration = {
  name: '0002-limits-64-bit',
  async up(ctx) {
    if (!ctx.tierTables) return; // an app's own tables (catalog.yaml storage:) are the app's to migrate
    await change(ctx, { type: 'BIGINT', check: NEW_CHECK }, { type: 'INTEGER', check: OLD_CHECK });
  },
  async down(ctx) {
    if (!ctx.tierTables) return;
    await change(ctx, { type: 'INTEGER', check: OLD_CHECK }, { type: 'BIGINT', check: NEW_CHECK });
  },
};

async function change(ctx: MigrationContext, to: { type: string; check: string }, from: { type: string; check: string }): Promise<void> {
  const table = ctx.table('tier_limit');
  const constraint = `ck_${table}_value`;
  if (ctx.dialect === 'postgres') {
    await ctx.run(`ALTER TABLE ${table} DROP CONSTRAINT ${constraint}`);
    await ctx.run(`ALTER TABLE ${table} ALTER COLUMN value TYPE ${to.type}`);
    await ctx.run(`ALTER TABLE ${table} ADD CONSTRAINT ${constraint} ${to.check}`);
    return;
  }
  await rebuildSqliteTable(ctx, table, (sql) => replaceOnce(replaceOnce(sql, `value ${from.type} NULL`, `value ${to.type} NULL`), `CONSTRAINT ${constraint} ${from.check}`, `CONSTRAINT ${constraint} ${to.check}`));
}

/** A rebuild that silently changed nothing would record the migration as done: refuse instead. */
function replaceOnce(sql: string, from: string, to: string): string {
  if (!sql.includes(from)) throw new Error(`migration 0002-limits-64-bit: expected "${from}" in the table definition`);
  return sql.replace(from, to);
}
