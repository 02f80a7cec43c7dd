import type { Transaction } from 'sequelize';
import { dialectFor } from '../src/store/dialects/index.js';

/** What every migration receives: raw SQL in the migration's transaction, and the dialect. */
export interface MigrationContext {
  dialect: 'sqlite' | 'postgres';
  transaction: Transaction;
  run(sql: string): Promise<void>;
  select(sql: string): Promise<unknown[]>;
  /** A tierctl table's name with the configured prefix (`table('tier_limit')`); also prefixes constraint names. */
  table(name: string): string;
  /**
   * false when an app's own tables hold the tiers (catalog.yaml storage:): a migration then
   * creates or changes only tierctl's bookkeeping tables (reconcile_run), never tier tables.
   */
  tierTables: boolean;
}

export interface Migration {
  name: string;
  /**
   * SQLite: the migration rebuilds a table other tables reference, which SQLite allows only
   * with foreign keys off (https://www.sqlite.org/lang_altertable.html#otheralter), and
   * `PRAGMA foreign_keys` cannot change inside a transaction: the store then opens the
   * write transaction with them off and runs `PRAGMA foreign_key_check` before COMMIT.
   */
  sqliteForeignKeysOff?: boolean;
  up(ctx: MigrationContext): Promise<void>;
  down(ctx: MigrationContext): Promise<void>;
}

/** Column types that differ between the two dialects; everything else is standard SQL. */
export function types(dialect: MigrationContext['dialect']) {
  return dialectFor(dialect).columnTypes;
}
