import type { MigrationContext } from './migration-context.js';

/**
 * SQLite cannot ALTER a column; it rebuilds the table (create new, copy, drop, rename:
 * https://www.sqlite.org/lang_altertable.html#otheralter). The rebuild starts from the
 * table's own CREATE statement, so every named constraint (pk_, uq_, fk_, ck_) survives
 * it; this is why tierctl's migrations name all of them. `transform` edits the CREATE
 * statement (e.g. widens a column). Only for tables no other table references: a
 * parent table would need foreign keys off, which SQLite forbids inside a transaction.
 */
export async function rebuildSqliteTable(ctx: MigrationContext, table: string, transform: (createSql: string) => string): Promise<void> {
  if (ctx.dialect !== 'sqlite') throw new Error('rebuildSqliteTable is for SQLite only');
  const rows = (await ctx.select(`SELECT type, name, sql FROM sqlite_master WHERE tbl_name = '${table}' AND sql IS NOT NULL`)) as { type: string; name: string; sql: string }[];
  const create = rows.find((r) => r.type === 'table');
  if (!create) throw new Error(`table ${table} not found`);
  const indexes = rows.filter((r) => r.type === 'index');
  const columns = ((await ctx.select(`PRAGMA table_info(${table})`)) as { name: string }[]).map((c) => `"${c.name}"`).join(', ');
  const temp = `${table}__rebuild`;
  const newSql = transform(create.sql).replace(new RegExp(`^CREATE TABLE "?${table}"?`), `CREATE TABLE ${temp}`);
  await ctx.run(newSql);
  await ctx.run(`INSERT INTO ${temp} (${columns}) SELECT ${columns} FROM ${table}`);
  await ctx.run(`DROP TABLE ${table}`);
  await ctx.run(`ALTER TABLE ${temp} RENAME TO ${table}`);
  for (const index of indexes) await ctx.run(index.sql);
}
