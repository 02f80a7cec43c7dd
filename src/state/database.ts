import { existsSync } from 'node:fs';
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
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Read-only: a missing SQLite file is not created, and `open` returns null instead. */
  readOnly?: boolean;
  /** Called with every SQL statement (used to count statements in the benchmark). */
  onStatement?: (sql: string) => void;
  /** How long SQLite waits for a lock held by another process before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<Database | null> {
  if (target.dialect === 'sqlite' && options.readOnly && target.storage !== ':memory:' && !existsSync(target.storage)) return null;
  const { Sequelize } = await import('sequelize');
  const logging = options.onStatement ? (sql: string) => options.onStatement?.(sql) : false;
  let sequelize: Sequelize;
  if (target.dialect === 'sqlite') {
    const sqlite3 = (await import('sqlite3')).default;
    sequelize = new Sequelize({
      dialect: 'sqlite',
      storage: target.storage,
      logging,
      // Read-only commands open read-write too (never create), with query_only set: after an
      // apply was killed mid-transaction, the first reader must roll back SQLite's hot journal,
      // which an OPEN_READONLY handle cannot do (every read failed with SQLITE_READONLY).
      // A file the OS will not let us write still opens, read-only.
      dialectOptions: { mode: options.readOnly ? sqlite3.OPEN_READWRITE : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE },
      // tierctl handles SQLITE_BUSY itself (lock timeout, exit 4); Sequelize's own retry would hide it.
      retry: { max: 1 },
    });
    dialectFor('sqlite').configure(sequelize, { busyTimeoutMs: options.busyTimeoutMs ?? 5000, readOnly: options.readOnly ?? false });
  } else {
    sequelize = new Sequelize(target.url, {
      dialect: 'postgres',
      logging,
      retry: { max: 1 },
      pool: { max: 2, min: 0, idle: 1000 },
      dialectOptions: { connectionTimeoutMillis: 10000, application_name: 'tierctl' },
    });
  }
  const db: Database = {
    dialect: target.dialect,
    engine: dialectFor(target.dialect),
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
      await sequelize.close();
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

/** A clear, secret-free error for a database that cannot be reached or opened. */
export function connectionError(target: DatabaseTarget, err: unknown): TierctlError {
  const original = (err as { original?: unknown }).original ?? err;
  const detail = redact(errorMessage(original));
  return new TierctlError(`cannot open database ${target.display}: ${detail}`, { hint: dialectFor(target.dialect).connectionHint });
}
