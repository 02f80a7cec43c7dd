import type { Sequelize, Transaction } from 'sequelize';
import type { DatabaseTarget } from '../../state/database-url.js';

/** How to open a database (state/database.ts hands these on). */
export interface ConnectOptions {
  /** Sequelize's `logging` (the statement counter), or false. */
  logging: false | ((sql: string) => void);
  /** Read-only commands: SQLite opens without creating and sets `query_only`. */
  readOnly: boolean;
  /** How long SQLite waits for another process's lock before SQLITE_BUSY. */
  busyTimeoutMs: number;
  /** Test hook: the module to load as the SQLite driver. */
  sqliteModule?: string | undefined;
  /** Test hook: SQLite's page cache in pages (`PRAGMA cache_size`), so a small transaction outgrows it. */
  sqliteCachePages?: number | undefined;
}

/**
 * Everything that differs between the databases tierctl supports, in one object per
 * database (Kysely's `Dialect`): column types for migrations, how a read snapshot and a
 * locked write transaction begin, and how errors are classified. Code elsewhere asks
 * its dialect instead of branching on the database's name. Raw SQL lives only here (and
 * in migrations/): locks, pragmas, listing tables.
 */
export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /** Column types tierctl's migrations use where the databases disagree. */
  readonly columnTypes: { id: string; timestamp: string; boolean: string; json: string; bigint: string };
  /** Begins a consistent read-only snapshot (never writes). */
  beginRead(sequelize: Sequelize): Promise<Transaction>;
  /**
   * Begins a write transaction and takes the writer lock, waiting up to `timeoutMs`.
   * A lock timeout rejects with an error `isLockTimeout` recognises.
   */
  beginLockedWrite(sequelize: Sequelize, timeoutMs: number, options?: { foreignKeysOff?: boolean }): Promise<Transaction>;
  /**
   * Rows whose foreign key finds no parent row, database-wide (SQLite: `PRAGMA foreign_key_check`),
   * for a write transaction opened with foreign keys off; PostgreSQL never turns them off (0).
   */
  brokenForeignKeys(sequelize: Sequelize, tx: Transaction): Promise<number>;
  /**
   * Whether a migration that rebuilds a referenced table (create, copy, drop, rename) must
   * first see this transaction reopened with foreign keys off: SQLite's `PRAGMA foreign_keys`
   * is on; PostgreSQL alters tables in place and never needs it.
   */
  foreignKeysBlockRebuild(sequelize: Sequelize, tx: Transaction): Promise<boolean>;
  /** Another writer held the lock past the timeout. */
  isLockTimeout(err: unknown): boolean;
  /** The connection is gone: a ROLLBACK cannot be sent, the server has rolled back already. */
  isConnectionLost(err: unknown): boolean;
  /** The role lacks a privilege (e.g. CREATE on the schema); the text names which. */
  permissionDenied(err: unknown): string | undefined;
  /** Names of the tables in the schema tierctl works in, in one query. */
  listTables(sequelize: Sequelize, tx: Transaction | null): Promise<Set<string>>;
  /**
   * Column types `describeTable` leaves incomplete, by column name (PostgreSQL: NUMERIC
   * without its precision and scale, which the live-table check needs to refuse a value
   * the column cannot hold). Empty where describeTable is complete.
   */
  preciseColumnTypes(sequelize: Sequelize, table: string): Promise<Record<string, string>>;
  /**
   * A Sequelize instance for the target: the driver loaded, and the per-connection settings
   * Sequelize has no option for (SQLite: the busy timeout, which is the lock timeout, and
   * `query_only` for read-only commands). Not yet connected.
   */
  connect(target: DatabaseTarget, options: ConnectOptions): Promise<Sequelize>;
  /**
   * The local file the target names, which tierctl may create (never its directory) and
   * remove again when it created it and left it empty; null when there is none (PostgreSQL,
   * an in-memory SQLite database).
   */
  localFile(target: DatabaseTarget): string | null;
  /** Deletes a database file `localFile` named, with any companion files (SQLite's journal). */
  removeLocalFile(file: string): void;
  /** The lock-timeout message: who can hold this database's writer lock, and what to do. */
  lockTimeoutMessage(display: string, ms: number): { message: string; hint: string };
  /** What to check when the database cannot be opened. */
  readonly connectionHint: string;
}

/** The driver error under Sequelize's wrapper. */
export function originalError(err: unknown): { code: string; message: string } {
  const original = (err as { original?: unknown; parent?: unknown })?.original ?? (err as { parent?: unknown })?.parent ?? err;
  const code = String((original as { code?: unknown })?.code ?? '');
  const message = String((original as { message?: unknown })?.message ?? original);
  return { code, message };
}
