import type { Sequelize, Transaction } from 'sequelize';
import { originalError, type ConnectOptions, type Dialect } from './dialect.js';
import { connectSqlite, removeSqliteFile, sqliteFile } from './sqlite-connect.js';

/**
 * Transactions (by id) whose connection must have foreign keys off: SQLite reads
 * `PRAGMA foreign_keys` only outside a transaction, so it is set on the connection the
 * transaction gets, before its BEGIN (see configure below and migrations/sqlite-rebuild.ts).
 */
const foreignKeysOff = new Set<string>();

/**
 * SQLite: one writer at a time by the database's own lock. A write transaction starts with
 * BEGIN IMMEDIATE, which waits up to the connection's busy timeout (set per connection in
 * state/database.ts to the lock timeout) and then fails with SQLITE_BUSY.
 */
export const sqliteDialect: Dialect = {
  name: 'sqlite',
  columnTypes: { id: 'INTEGER', timestamp: 'DATETIME', boolean: 'BOOLEAN', json: 'TEXT', bigint: 'BIGINT' },
  async beginRead(sequelize) {
    const { Transaction } = await import('sequelize');
    return sequelize.transaction({ type: Transaction.TYPES.DEFERRED });
  },
  async beginLockedWrite(sequelize, _timeoutMs, options = {}) {
    const { Transaction } = await import('sequelize');
    if (!options.foreignKeysOff) return sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE });
    // sequelize.transaction() without a callback, split so the id is known before the connection is taken.
    const tx = new Transaction(sequelize, { type: Transaction.TYPES.IMMEDIATE });
    const id = (tx as unknown as { id: string }).id;
    foreignKeysOff.add(id);
    try {
      await (tx as unknown as { prepareEnvironment(useCls: boolean): Promise<void> }).prepareEnvironment(false);
    } finally {
      foreignKeysOff.delete(id);
    }
    return tx;
  },
  async foreignKeysBlockRebuild(sequelize, tx) {
    const { QueryTypes } = await import('sequelize');
    const [row] = await sequelize.query<{ foreign_keys: number }>('PRAGMA foreign_keys', { type: QueryTypes.SELECT, transaction: tx, raw: true });
    return Number(row?.foreign_keys) !== 0;
  },
  async brokenForeignKeys(sequelize, tx) {
    const { QueryTypes } = await import('sequelize');
    return (await sequelize.query('PRAGMA foreign_key_check', { type: QueryTypes.SELECT, transaction: tx, raw: true })).length;
  },
  isLockTimeout(err) {
    const { code, message } = originalError(err);
    return /SQLITE_BUSY|database is locked/.test(`${code} ${message} ${(err as { message?: string })?.message ?? ''}`);
  },
  isConnectionLost() {
    return false;
  },
  permissionDenied(err) {
    const { code, message } = originalError(err);
    return /SQLITE_READONLY|SQLITE_PERM|SQLITE_AUTH/.test(`${code} ${message}`) ? 'write access to the database file' : undefined;
  },
  async listTables(sequelize: Sequelize, tx: Transaction | null) {
    const { QueryTypes } = await import('sequelize');
    const rows = await sequelize.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'", { type: QueryTypes.SELECT, transaction: tx, raw: true });
    return new Set(rows.map((r) => r.name));
  },
  // The write lock is the file's, and any client can hold it (a sqlite3 shell in a
  // transaction, the app itself): the message cannot claim it is another tierctl run.
  lockTimeoutMessage: (display, ms) => ({
    message: `another process holds the write lock on ${display} (another tierctl run, or any program writing to that file); gave up after ${ms} ms`,
    hint: 'wait for the other apply to finish (or whatever else writes to the file: an open sqlite3 shell, a long write in the application), then plan again; or raise --lock-timeout',
  }),
  async preciseColumnTypes() {
    return {};
  },
  connect: (target, options) => connectSqlite(target, options, (sequelize) => configure(sequelize, options)),
  localFile: sqliteFile,
  removeLocalFile: removeSqliteFile,
  connectionHint: 'check the path in --database / $DATABASE_URL and that the file is readable and writable',
};

/**
 * node-sqlite3 has a busy timeout, but Sequelize opens a fresh connection per transaction
 * without a hook to set it; wrap getConnection so every connection gets it (and, once per
 * connection, query_only for read-only commands, and the test hook's cache size).
 */
function configure(sequelize: Sequelize, { busyTimeoutMs, readOnly, sqliteCachePages }: Pick<ConnectOptions, 'busyTimeoutMs' | 'readOnly' | 'sqliteCachePages'>): void {
  type Connection = { configure(k: string, v: number): void; run(sql: string, cb: (err: Error | null) => void): void; serialize(): void; parallelize(): void };
  const manager = sequelize.connectionManager as unknown as { getConnection(o?: unknown): Promise<Connection> };
  const original = manager.getConnection.bind(manager);
  const configured = new WeakSet<Connection>();
  manager.getConnection = async (o?: unknown) => {
    const connection = await original(o);
    connection.configure('busyTimeout', busyTimeoutMs);
    const uuid = (o as { uuid?: string } | undefined)?.uuid;
    if (uuid !== undefined && foreignKeysOff.has(uuid)) {
      // Serialized, so Sequelize's own fire-and-forget PRAGMA FOREIGN_KEYS=ON runs first and this wins.
      connection.serialize();
      await new Promise<void>((resolve, reject) => connection.run('PRAGMA foreign_keys = OFF', (err) => (err ? reject(err) : resolve())));
      connection.parallelize();
    }
    if ((readOnly || sqliteCachePages !== undefined) && !configured.has(connection)) {
      configured.add(connection);
      const pragmas = [...(readOnly ? ['PRAGMA query_only = 1'] : []), ...(sqliteCachePages !== undefined ? [`PRAGMA cache_size = ${sqliteCachePages}`] : [])];
      for (const pragma of pragmas) await new Promise<void>((resolve, reject) => connection.run(pragma, (err) => (err ? reject(err) : resolve())));
    }
    return connection;
  };
}
