import type { Transaction } from 'sequelize';
import type { Database } from './database.js';
import { storageFailure } from './storage-errors.js';

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
  } catch (err) {
    // A role without SELECT, a file that cannot be opened: the user's to fix, not a bug.
    throw storageFailure(db, err, false) ?? err;
  } finally {
    await tx.rollback().catch(() => undefined);
  }
}
