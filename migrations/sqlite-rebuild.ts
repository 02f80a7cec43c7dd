import type { MigrationContext } from './migration-context.js';

/**
 * SQLite cannot ALTER a column; it rebuilds the table (create new, copy, drop, rename:
 * https://www.sqlite.org/lang_altertable.html#otheralter). The rebuild starts from the
 * table's own CREATE statement, so every named constraint (pk_, uq_, fk_, ck_) survives
 * it; this is why tierctl's migrations name all of them. `transform` edits the CREATE
 * statement (e.g. widens a column).
 *
 * A table other tables reference (`referenced`) needs foreign keys off: with them on, the
 * DROP would run an implicit DELETE that cascades into (or is refused by) every child table.
 * The migration declares `sqliteForeignKeysOff` so its transaction starts with them off;
 * this refuses to run otherwise, and checks every foreign key of the database afterwards.
 * Children keep pointing at the table by name: the new table is renamed into the old name
 * (never the old one away, which would make SQLite rewrite the children's references).
 */
export async function rebuildSqliteTable(ctx: MigrationContext, table: string, transform: (createSql: string) => string, options: { referenced?: boolean; dropColumns?: string[] } = {}): Promise<void> {
  if (ctx.dialect !== 'sqlite') throw new Error('rebuildSqliteTable is for SQLite only');
  if (options.referenced) {
    const [fk] = (await ctx.select('PRAGMA foreign_keys')) as { foreign_keys: number }[];
    if (Number(fk?.foreign_keys) !== 0) throw new Error(`rebuilding ${table}, which other tables reference, needs foreign keys off (the migration must declare sqliteForeignKeysOff)`);
  }
  // Rows that already lacked their parent (written with foreign keys off) are not the rebuild's doing.
  const brokenBefore = options.referenced ? await brokenReferences(ctx, table) : 0;
  const rows = (await ctx.select(`SELECT type, name, sql FROM sqlite_master WHERE tbl_name = '${table}' AND sql IS NOT NULL`)) as { type: string; name: string; sql: string }[];
  const create = rows.find((r) => r.type === 'table');
  if (!create) throw new Error(`table ${table} not found`);
  const indexes = rows.filter((r) => r.type === 'index');
  const drop = new Set(options.dropColumns ?? []);
  const columns = ((await ctx.select(`PRAGMA table_info(${table})`)) as { name: string }[]).filter((c) => !drop.has(c.name)).map((c) => `"${c.name}"`).join(', ');
  const temp = `${table}__rebuild`;
  const newSql = transform(create.sql).replace(new RegExp(`^CREATE TABLE "?${table}"?`), `CREATE TABLE ${temp}`);
  await ctx.run(newSql);
  await ctx.run(`INSERT INTO ${temp} (${columns}) SELECT ${columns} FROM ${table}`);
  await ctx.run(`DROP TABLE ${table}`);
  await ctx.run(`ALTER TABLE ${temp} RENAME TO ${table}`);
  for (const index of indexes) await ctx.run(index.sql);
  if (options.referenced) {
    const after = await brokenReferences(ctx, table);
    if (after > brokenBefore) throw new Error(`rebuilding ${table} left ${after - brokenBefore} row${after - brokenBefore === 1 ? '' : 's'} of other tables without their ${table} row; rolled back`);
  }
}

/** Rows of any table whose foreign key into `table` finds no row (`PRAGMA foreign_key_check`). */
async function brokenReferences(ctx: MigrationContext, table: string): Promise<number> {
  const rows = (await ctx.select('PRAGMA foreign_key_check')) as { parent: string }[];
  return rows.filter((r) => r.parent === table).length;
}
