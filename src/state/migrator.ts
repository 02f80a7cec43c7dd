import type { Transaction } from 'sequelize';
import { Umzug, type UmzugStorage } from 'umzug';
import { MIGRATIONS } from '../../migrations/index.js';
import type { Migration, MigrationContext } from '../../migrations/migration-context.js';
import type { Database } from './database.js';
import { withExclusiveTransaction } from './exclusive-transaction.js';
import { existingTables } from './tables.js';

export const MIGRATION_TABLE = 'tierctl_migration';

export interface MigrationStatus {
  executed: string[];
  pending: string[];
}

/**
 * Umzug's storage contract over tierctl's own table (named primary key, like every
 * other constraint), bound to the migration transaction so the record and the schema
 * change commit together.
 */
function storage(db: Database, tx: Transaction): UmzugStorage<MigrationContext> {
  return {
    async logMigration({ name }) {
      await db.exec(`INSERT INTO ${MIGRATION_TABLE} (name, applied_at) VALUES (:name, :at)`, { transaction: tx, replacements: { name, at: new Date().toISOString() } });
    },
    async unlogMigration({ name }) {
      await db.exec(`DELETE FROM ${MIGRATION_TABLE} WHERE name = :name`, { transaction: tx, replacements: { name } });
    },
    async executed() {
      const rows = await db.query<{ name: string }>(`SELECT name FROM ${MIGRATION_TABLE} ORDER BY name`, { transaction: tx });
      return rows.map((r) => r.name);
    },
  };
}

function umzugFor(db: Database, tx: Transaction, migrations: readonly Migration[]): Umzug<MigrationContext> {
  const context: MigrationContext = {
    dialect: db.dialect,
    transaction: tx,
    run: async (sql) => {
      await db.exec(sql, { transaction: tx });
    },
    select: (sql) => db.query(sql, { transaction: tx }),
  };
  return new Umzug<MigrationContext>({
    migrations: migrations.map((m) => ({ name: m.name, up: ({ context: c }) => m.up(c), down: ({ context: c }) => m.down(c) })),
    context,
    storage: storage(db, tx),
    logger: undefined,
  });
}

/** Applies every pending migration in one locked transaction: all of them, or none. */
export async function migrate(db: Database, lockTimeoutMs: number, tx?: Transaction, migrations: readonly Migration[] = MIGRATIONS): Promise<string[]> {
  const run = async (t: Transaction) => {
    await db.sequelize.query(
      `CREATE TABLE IF NOT EXISTS ${MIGRATION_TABLE} (name VARCHAR(255) NOT NULL, applied_at VARCHAR(32) NOT NULL, CONSTRAINT pk_${MIGRATION_TABLE} PRIMARY KEY (name))`,
      { transaction: t },
    );
    const applied = await umzugFor(db, t, migrations).up();
    return applied.map((m) => m.name);
  };
  return tx ? run(tx) : withExclusiveTransaction(db, lockTimeoutMs, run);
}

/** Read-only: which migrations ran and which are pending (all, on a fresh database). */
export async function migrationStatus(db: Database | null): Promise<MigrationStatus> {
  const all = MIGRATIONS.map((m) => m.name);
  if (!db || !(await existingTables(db)).has(MIGRATION_TABLE)) return { executed: [], pending: all };
  const rows = await db.query<{ name: string }>(`SELECT name FROM ${MIGRATION_TABLE} ORDER BY name`);
  const executed = rows.map((r) => r.name);
  return { executed, pending: all.filter((n) => !executed.includes(n)) };
}
