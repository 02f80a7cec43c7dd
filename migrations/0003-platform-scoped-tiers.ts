import type { Migration } from './migration-context.js';
import { rebuildSqliteTable } from './sqlite-rebuild.js';

/** Its name, for the store: tierctl's own table has the platform column once this ran. */
export const PLATFORM_MIGRATION = '0003-platform-scoped-tiers';

/**
 * Platform-scoped tiers (DESIGN.md, "Platforms"): `subscription_tier.platform` holds the
 * platform code, NULL for a global tier. The key becomes unique per platform
 * (`uq_…_platform_key` on (platform, key)), and, because SQL UNIQUE treats NULLs as
 * distinct, a partial unique index keeps global keys unique among global tiers
 * (`uq_…_global_key` on key WHERE platform IS NULL) in the database itself.
 *
 * PostgreSQL alters the table in place. SQLite can only drop the old UNIQUE (key) by a
 * table rebuild, and subscription_tier is referenced (tierctl's child tables, and the
 * app's subscribers table): the rebuild runs with foreign keys off (the runner opens the
 * transaction so, see migrations-runner.ts) and checks every foreign key before it ends.
 */
export const migration: Migration = {
  name: PLATFORM_MIGRATION,
  sqliteForeignKeysOff: true,
  async up(ctx) {
    if (!ctx.tierTables) return; // an app's own tables (catalog.yaml storage:) are the app's to migrate
    const table = ctx.table('subscription_tier');
    if (ctx.dialect === 'postgres') {
      await ctx.run(`ALTER TABLE ${table} ADD COLUMN platform VARCHAR(32) NULL`);
      await ctx.run(`ALTER TABLE ${table} DROP CONSTRAINT uq_${table}_key`);
      await ctx.run(`ALTER TABLE ${table} ADD CONSTRAINT uq_${table}_platform_key UNIQUE (platform, "key")`);
      await ctx.run(`ALTER TABLE ${table} ADD CONSTRAINT ck_${table}_platform CHECK (platform IS NULL OR platform <> '')`);
    } else {
      await rebuildSqliteTable(ctx, table, (sql) =>
        replaceOnce(
          replaceOnce(replaceOnce(sql, '"key" VARCHAR(32) NOT NULL,', '"key" VARCHAR(32) NOT NULL,\n      platform VARCHAR(32) NULL,'), `CONSTRAINT uq_${table}_key UNIQUE ("key")`, `CONSTRAINT uq_${table}_platform_key UNIQUE (platform, "key")`),
          `CONSTRAINT ck_${table}_status CHECK`,
          `CONSTRAINT ck_${table}_platform CHECK (platform IS NULL OR platform <> ''),\n      CONSTRAINT ck_${table}_status CHECK`,
        ),
      { referenced: true });
    }
    await ctx.run(`CREATE UNIQUE INDEX uq_${table}_global_key ON ${table} ("key") WHERE platform IS NULL`);
  },
  async down(ctx) {
    if (!ctx.tierTables) return;
    const table = ctx.table('subscription_tier');
    const scoped = (await ctx.select(`SELECT COUNT(*) AS n FROM ${table} WHERE platform IS NOT NULL`)) as { n: number | string }[];
    if (Number(scoped[0]?.n ?? 0) > 0) throw new Error(`migration ${PLATFORM_MIGRATION} down: ${table} holds platform tiers; delete them first`);
    await ctx.run(`DROP INDEX uq_${table}_global_key`);
    if (ctx.dialect === 'postgres') {
      await ctx.run(`ALTER TABLE ${table} DROP CONSTRAINT ck_${table}_platform`);
      await ctx.run(`ALTER TABLE ${table} DROP CONSTRAINT uq_${table}_platform_key`);
      await ctx.run(`ALTER TABLE ${table} ADD CONSTRAINT uq_${table}_key UNIQUE ("key")`);
      await ctx.run(`ALTER TABLE ${table} DROP COLUMN platform`);
      return;
    }
    await rebuildSqliteTable(ctx, table, (sql) =>
      replaceOnce(
        replaceOnce(replaceOnce(sql, '\n      platform VARCHAR(32) NULL,', ''), `CONSTRAINT uq_${table}_platform_key UNIQUE (platform, "key")`, `CONSTRAINT uq_${table}_key UNIQUE ("key")`),
        `CONSTRAINT ck_${table}_platform CHECK (platform IS NULL OR platform <> ''),\n      `,
        '',
      ),
    { referenced: true, dropColumns: ['platform'] });
  },
};

/** A rebuild that silently changed nothing would record the migration as done: refuse instead. */
function replaceOnce(sql: string, from: string, to: string): string {
  if (!sql.includes(from)) throw new Error(`migration ${PLATFORM_MIGRATION}: expected "${from}" in the table definition`);
  return sql.replace(from, to);
}

