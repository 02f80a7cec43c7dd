import { existsSync, rmSync, statSync } from 'node:fs';
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
  /** How long SQLite waits for a lock held by another process before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<Database | null> {
  if (target.dialect === 'sqlite' && options.readOnly && target.storage !== ':memory:' && !existsSync(target.storage)) return null;
  const createdFile = target.dialect === 'sqlite' && target.storage !== ':memory:' && !options.readOnly && !existsSync(target.storage);
  // SQLite (through Sequelize) would create every missing directory on the way: a typo in
  // the URL then silently makes a new tree and an empty catalog. The file, yes; directories, never.
  if (createdFile && target.dialect === 'sqlite') checkParentDirectory(target.storage, target.display);
  const { Sequelize } = await import('sequelize');
  const logging = options.onStatement ? (sql: string) => options.onStatement?.(sql) : false;
  let sequelize: Sequelize;
  if (target.dialect === 'sqlite') {
    const sqlite3 = await loadSqlite3(options.sqliteModule);
    sequelize = new Sequelize({
      dialect: 'sqlite',
      // The driver loaded (or refused) above, so Sequelize never reports a missing one its own way.
      dialectModule: sqlite3,
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
    const c = target.connection;
    // The object form, not the URL: Sequelize's URL parser leaves `%20` in the database
    // name and has no idea of an empty host with a socket directory in ?host=.
    sequelize = new Sequelize(c.database, c.username as string, c.password, {
      dialect: 'postgres',
      host: c.host,
      ...(c.port !== undefined ? { port: c.port } : {}),
      logging,
      retry: { max: 1 },
      pool: { max: 2, min: 0, idle: 1000 },
      dialectOptions: { ...driverParams(c.params), connectionTimeoutMillis: 10000, application_name: c.params['application_name'] ?? 'tierctl' },
    });
    await endHalfOpenConnections(sequelize);
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
      let remove = false;
      if (createdFile && options.removeIfLeftEmpty && target.dialect === 'sqlite') {
        const rows = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM sqlite_master').catch(() => [{ n: 1 }]);
        remove = Number(rows[0]?.n ?? 1) === 0;
      }
      await sequelize.close();
      if (remove && target.dialect === 'sqlite') for (const suffix of ['', '-journal']) rmSync(`${target.storage}${suffix}`, { force: true });
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

/**
 * URL query parameters as pg driver options (what Sequelize did with a URL): libpq's
 * sslmode becomes pg's `ssl`, everything else (options, statement_timeout, …) passes as is.
 */
function driverParams(params: Record<string, string>): Record<string, unknown> {
  const { sslmode, ssl, ...rest } = params;
  const out: Record<string, unknown> = { ...rest };
  if (ssl !== undefined) out['ssl'] = ssl === 'true' || ssl === '1';
  if (sslmode !== undefined) out['ssl'] = sslmode === 'disable' ? false : sslmode === 'no-verify' ? { rejectUnauthorized: false } : true;
  return out;
}

/**
 * The sqlite3 driver is a native addon: `npm install --ignore-scripts`, pnpm without build
 * approval, or a Node upgrade leave it without its compiled binding, and the import fails.
 */
async function loadSqlite3(specifier = 'sqlite3'): Promise<typeof import('sqlite3')> {
  try {
    const module = (await import(specifier)) as { default?: typeof import('sqlite3') } & typeof import('sqlite3');
    return module.default ?? module;
  } catch (err) {
    const detail = redact(errorMessage(err).split('\n')[0] ?? '');
    throw new TierctlError(`the SQLite driver (the sqlite3 package's native binding) could not be loaded: ${detail}`, {
      hint: 'run `npm rebuild sqlite3` in the project (installs with --ignore-scripts, or pnpm without approving its build script, skip compiling it), or use PostgreSQL with --database postgres://…',
      cause: err,
    });
  }
}

/** The directory a new SQLite file goes into must exist (and be a directory). */
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

/**
 * Sequelize's PostgreSQL connect() opens a pg Client, then runs its session setup (SET …)
 * on it; when that first query fails (e.g. `options=-c statement_timeout=1`), connect()
 * rejects without ending the client, which is in no pool, so nothing ever closes its socket
 * and the process never exits. Every client is tagged with the connect() call that made
 * it (AsyncLocalStorage), and a failed call ends its own clients.
 */
async function endHalfOpenConnections(sequelize: Sequelize): Promise<void> {
  type Client = { end(): Promise<void> };
  type ClientClass = new (...args: unknown[]) => Client;
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const manager = sequelize.connectionManager as unknown as { lib: { Client: ClientClass }; connect(config: unknown): Promise<Client> };
  const made = new AsyncLocalStorage<Client[]>();
  const Base = manager.lib.Client;
  const Tracked = class extends Base {
    constructor(...args: unknown[]) {
      super(...args);
      made.getStore()?.push(this);
    }
  };
  // The pg module stays the prototype, so lib.types and the rest are unchanged.
  manager.lib = Object.assign(Object.create(manager.lib) as typeof manager.lib, { Client: Tracked as ClientClass });
  const connect = manager.connect.bind(manager);
  manager.connect = (config: unknown) => {
    const mine: Client[] = [];
    return made.run(mine, async () => {
      try {
        return await connect(config);
      } catch (err) {
        for (const client of mine) void client.end().catch(() => undefined);
        throw err;
      }
    });
  };
}
