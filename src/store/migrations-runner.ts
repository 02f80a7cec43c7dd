import type { Transaction } from 'sequelize';
import type { UmzugStorage } from 'umzug';
import type { Migration, MigrationContext } from '../../migrations/migration-context.js';
import { TierctlError } from '../errors.js';
import type { Database } from '../state/database.js';
import type { StoreModels } from './define-models.js';
import type { MigrationStatus } from './tier-store.js';

/**
 * tierctl's migrations over umzug, in the caller's write transaction: the schema change
 * and its record commit together, all pending ones or none. With nothing pending it
 * issues no DDL at all (not even CREATE TABLE IF NOT EXISTS), so a role with only
 * SELECT/INSERT/UPDATE/DELETE on tierctl's tables can apply.
 */
export interface MigrationsRunnerInput {
  db: Database;
  tx: Transaction;
  models: StoreModels;
  /** Table prefix (`table()` in every migration). */
  prefix: string;
  /** The migration records' table name (with its prefix). */
  migrationTable: string;
  migrations: readonly Migration[];
  /** false when an app's own tables hold the tiers (catalog.yaml storage:): only the bookkeeping tables are made. */
  tierTables?: boolean;
}

/** Reads which migrations ran, given the tables that exist (no DDL). */
export async function readMigrationStatus(models: StoreModels, tx: Transaction, tables: Set<string>, migrationTable: string, migrations: readonly Migration[]): Promise<MigrationStatus> {
  const all = migrations.map((m) => m.name);
  if (!tables.has(migrationTable)) return { executed: [], pending: all };
  const rows = (await models.migration.findAll({ attributes: ['name'], order: [['name', 'ASC']], raw: true, transaction: tx })) as unknown as { name: string }[];
  const executed = rows.map((r) => r.name);
  return { executed, pending: all.filter((n) => !executed.includes(n)) };
}

/**
 * Thrown when a pending migration needs SQLite's foreign keys off (it rebuilds a referenced
 * table) and the transaction was opened with them on: the store rolls back and runs the
 * whole write again in a transaction opened with them off (sequelize-tier-store.ts).
 */
export class ForeignKeysOnError extends Error {
  constructor(readonly migration: string) {
    super(`migration ${migration} needs SQLite foreign keys off for its transaction`);
  }
}

export async function runPendingMigrations(input: MigrationsRunnerInput, status: MigrationStatus, tableExists: boolean): Promise<string[]> {
  if (status.pending.length === 0) return [];
  const { db, tx, models, migrationTable, prefix } = input;
  const needsOff = (input.tierTables ?? true) ? input.migrations.find((m) => m.sqliteForeignKeysOff && status.pending.includes(m.name)) : undefined;
  if (needsOff && (await db.engine.foreignKeysBlockRebuild(db.sequelize, tx))) throw new ForeignKeysOnError(needsOff.name);
  const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      const privilege = db.engine.permissionDenied(err);
      if (!privilege) throw err;
      throw new TierctlError(`${what} needs ${privilege}, which the database role on ${db.display} lacks; nothing was applied`, {
        hint: `run \`tierctl migrate\` once as a role that may create tables (e.g. GRANT CREATE ON SCHEMA … TO that role), then apply again; pending: ${status.pending.join(', ')}`,
        cause: err,
      });
    }
  };
  if (!tableExists) {
    await guard(`creating tierctl's migration table ${migrationTable}`, () =>
      db.exec(`CREATE TABLE ${migrationTable} (name VARCHAR(255) NOT NULL, applied_at VARCHAR(32) NOT NULL, CONSTRAINT pk_${migrationTable} PRIMARY KEY (name))`, { transaction: tx }),
    );
  }
  const storage: UmzugStorage<MigrationContext> = {
    async logMigration({ name }) {
      await models.migration.create({ name, applied_at: new Date().toISOString() }, { transaction: tx });
    },
    async unlogMigration({ name }) {
      await models.migration.destroy({ where: { name }, transaction: tx });
    },
    async executed() {
      return status.executed;
    },
  };
  const context: MigrationContext = {
    dialect: db.dialect,
    transaction: tx,
    run: async (sql) => {
      await db.exec(sql, { transaction: tx });
    },
    select: (sql) => db.query(sql, { transaction: tx }),
    table: (name) => `${prefix}${name}`,
    tierTables: input.tierTables ?? true,
  };
  // Loaded only when a migration is pending: umzug's entry point pulls in its own CLI
  // (~180 modules), which every other tierctl start (validate, plan, a migrated apply) skips.
  const { Umzug } = await import('umzug');
  const umzug = new Umzug<MigrationContext>({
    migrations: input.migrations.map((m) => ({ name: m.name, up: ({ context: c }) => guard(`migration ${m.name}`, () => m.up(c)), down: ({ context: c }) => m.down(c) })),
    context,
    storage,
    logger: undefined,
  });
  try {
    const applied = await umzug.up();
    return applied.map((m) => m.name);
  } catch (err) {
    // umzug wraps a migration's error in its own MigrationError; surface ours (and the driver's) as thrown.
    throw (err as { cause?: unknown }).cause ?? err;
  }
}
