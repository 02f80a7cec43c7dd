import type { Transaction } from 'sequelize';
import type { Database } from './database.js';

/**
 * Runs reads in one snapshot (REPEATABLE READ READ ONLY on PostgreSQL, a deferred
 * transaction on SQLite) and always rolls back: `plan` never writes.
 */
export async function withReadTransaction<T>(db: Database, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  const { Transaction } = await import('sequelize');
  const tx = await db.sequelize.transaction(
    db.dialect === 'sqlite' ? { type: Transaction.TYPES.DEFERRED } : { isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ },
  );
  try {
    if (db.dialect === 'postgres') await db.exec('SET TRANSACTION READ ONLY', { transaction: tx });
    return await fn(tx);
  } finally {
    await tx.rollback().catch(() => undefined);
  }
}
