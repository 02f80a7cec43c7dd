import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { QueryOptions, Sequelize, Transaction } from 'sequelize';
import { TierctlError, errorMessage } from '../errors.js';
import { redact } from '../secrets.js';
import type { DatabaseTarget } from './database-url.js';
import { dialectFor, type Dialect } from '../store/dialects/index.js';

/**
 * The small port in front of the SQL database: raw queries in a transaction, and
 * the two kinds of transaction tierctl needs (a read snapshot, an exclusive write).
 * Sequelize and its drivers are imported here, lazily, so commands that never touch
 * a database (validate, --help) never load them.
 */
export interface Database {
  readonly dialect: 'sqlite' | 'postgres';
  /** This database's differences (types, locks, error classes): ask it instead of branching on `dialect`. */
  readonly engine: Dialect;
  readonly display: string;
  readonly sequelize: Sequelize;
  query<T = Record<string, unknown>>(sql: string, options?: { transaction?: Transaction | null; replacements?: Record<string, unknown> | unknown[] }): Promise<T[]>;
  /**
   * Runs a statement that returns no rows (INSERT, UPDATE, DELETE, DDL). `bind` ($1, $2…)
   * hands values to the driver instead of escaping them into the SQL text: for
   * multi-megabyte values (the audit row's JSON) that saves several copies of them.
   */
  exec(sql: string, options?: { transaction?: Transaction | null; replacements?: Record<string, unknown> | unknown[]; bind?: unknown[] }): Promise<void>;
  /** Quotes an identifier for this dialect. */
  quote(identifier: string): string;
  /** Closes the handle (see OpenOptions.removeIfLeftEmpty). */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Read-only: a missing SQLite file is not created, and `open` returns null instead. */
  readOnly?: boolean;
  /** Called with every SQL statement (used to count statements in the benchmark). */
  onStatement?: (sql: string) => void;
  /**
   * SQLite: when this handle created the file and it still holds no table at close, delete
   * it, so an apply that failed before writing anything leaves no file it created.
   */
  removeIfLeftEmpty?: boolean;
  /** Test hook: the module to load as the SQLite driver (simulates a missing native binding). */
  sqliteModule?: string | undefined;
  /** Test hook: SQLite's page cache in pages (a transaction past it spills into the file before COMMIT). */
  sqliteCachePages?: number | undefined;
  /** How long SQLite waits for a lock held by another process before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<Database | null> {
  const engine = dialectFor(target.dialect);
  const file = engine.localFile(target);
  if (file !== null && options.readOnly && !existsSync(file)) return null;
  const createdFile = file !== null && !options.readOnly && !existsSync(file);
  // SQLite (through Sequelize) would create every missing directory on the way: a typo in
  // the URL then silently makes a new tree and an empty catalog. The file, yes; directories, never.
  if (createdFile) checkParentDirectory(file, target.display);
  const logging = options.onStatement ? (sql: string) => options.onStatement?.(sql) : false;
  const sequelize = await engine.connect(target, { logging, readOnly: options.readOnly ?? false, busyTimeoutMs: options.busyTimeoutMs ?? 5000, sqliteModule: options.sqliteModule, sqliteCachePages: options.sqliteCachePages });
  const db: Database = {
    dialect: engine.name,
    engine,
    display: target.display,
    sequelize,
    async query<T>(sql: string, opts: { transaction?: Transaction | null; replacements?: Record<string, unknown> | unknown[] } = {}) {
      const { QueryTypes } = await import('sequelize');
      const queryOptions: QueryOptions & { type: typeof QueryTypes.SELECT } = { type: QueryTypes.SELECT, transaction: opts.transaction ?? null, raw: true };
      if (opts.replacements) queryOptions.replacements = opts.replacements;
      return (await sequelize.query(sql, queryOptions)) as T[];
    },
    async exec(sql: string, opts: { transaction?: Transaction | null; replacements?: Record<string, unknown> | unknown[]; bind?: unknown[] } = {}) {
      const queryOptions: QueryOptions = { transaction: opts.transaction ?? null, raw: true };
      if (opts.replacements) queryOptions.replacements = opts.replacements;
      if (opts.bind) queryOptions.bind = opts.bind;
      await sequelize.query(sql, queryOptions);
    },
    quote(identifier: string) {
      return identifier.split('.').map((part) => `"${part.replace(/"/g, '""')}"`).join('.');
    },
    async close() {
      let remove = false;
      if (createdFile && options.removeIfLeftEmpty) {
        const tables = await engine.listTables(sequelize, null).catch(() => null);
        remove = tables !== null && tables.size === 0;
      }
      await sequelize.close();
      if (remove && file !== null) engine.removeLocalFile(file);
    },
  };
  try {
    await sequelize.authenticate({ logging: false });
  } catch (err) {
    // Not awaited: closing a SQLite handle that never opened (SQLITE_CANTOPEN) never
    // calls back, and awaiting it let the event loop drain and the process exit 0.
    void sequelize.close().catch(() => undefined);
    throw connectionError(target, err);
  }
  return db;
}

/** The directory a new database file goes into must exist (and be a directory). */
function checkParentDirectory(file: string, display: string): void {
  const dir = path.dirname(file);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    throw new TierctlError(`cannot create database ${display}: directory ${dir} does not exist`, {
      hint: 'create the directory first (tierctl creates the database file, never directories), or fix --database / $DATABASE_URL',
    });
  }
  if (!isDirectory) {
    throw new TierctlError(`cannot create database ${display}: ${dir} is not a directory`, { hint: 'fix the path in --database / $DATABASE_URL' });
  }
}

/** A clear, secret-free error for a database that cannot be reached or opened. */
export function connectionError(target: DatabaseTarget, err: unknown): TierctlError {
  const original = (err as { original?: unknown }).original ?? err;
  const detail = redact(errorMessage(original));
  return new TierctlError(`cannot open database ${target.display}: ${detail}`, { hint: dialectFor(target.dialect).connectionHint });
}
