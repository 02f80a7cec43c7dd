import type { Sequelize, Transaction } from 'sequelize';
import { originalError, type Dialect } from './dialect.js';

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
  async beginLockedWrite(sequelize) {
    const { Transaction } = await import('sequelize');
    return sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE });
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
  connectionHint: 'check the path in --database / $DATABASE_URL and that the file is readable and writable',
};
