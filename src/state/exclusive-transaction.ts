import type { Transaction } from 'sequelize';
import { StaleError } from '../errors.js';
import type { Database } from './database.js';
import { isConnectionLost, storageFailure } from './storage-errors.js';

/** 'tierctl' in ASCII: the PostgreSQL advisory lock key every tierctl writer takes. */
export const ADVISORY_LOCK_KEY = '32762613062464620';
const POLL_MS = 100;

/**
 * Runs `fn` in one transaction that no other tierctl writer can interleave with:
 * PostgreSQL takes a transaction-scoped advisory lock (released by commit, rollback
 * or a dropped connection, so a killed process leaves no lock behind); SQLite starts
 * with BEGIN IMMEDIATE, waiting up to the busy timeout for the write lock.
 * If `fn` throws, everything it did is rolled back.
 */
export async function withExclusiveTransaction<T>(
  db: Database,
  lockTimeoutMs: number,
  fn: (tx: Transaction) => Promise<T>,
  /** Test-only: runs once COMMIT has been sent, before its outcome is awaited. */
  onCommitSent?: () => void | Promise<void>,
): Promise<T> {
  const { Transaction } = await import('sequelize');
  let tx: Transaction;
  try {
    tx = await db.sequelize.transaction(db.dialect === 'sqlite' ? { type: Transaction.TYPES.IMMEDIATE } : {});
  } catch (err) {
    if (isBusy(err)) throw lockTimeout(db, lockTimeoutMs);
    throw storageFailure(db, err, false) ?? err;
  }
  let committing = false;
  try {
    if (db.dialect === 'postgres') await takeAdvisoryLock(db, tx, lockTimeoutMs);
    const result = await fn(tx);
    committing = true;
    const commit = tx.commit();
    if (onCommitSent) {
      commit.catch(() => undefined); // awaited just below; this only keeps it from counting as unhandled meanwhile
      await onCommitSent();
    }
    await commit;
    return result;
  } catch (err) {
    // On a dead connection the server has rolled back already; trying again only makes
    // Sequelize print its own warning past tierctl's output (and its redaction).
    if (!committing && !isConnectionLost(db, err)) await tx.rollback().catch(() => undefined);
    if (isBusy(err)) throw lockTimeout(db, lockTimeoutMs);
    throw storageFailure(db, err, committing) ?? err;
  }
}

async function takeAdvisoryLock(db: Database, tx: Transaction, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await db.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${ADVISORY_LOCK_KEY}) AS locked`, { transaction: tx });
    if (row?.locked) return;
    if (Date.now() >= deadline) throw lockTimeout(db, timeoutMs);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function isBusy(err: unknown): boolean {
  const text = `${(err as { message?: string })?.message ?? ''} ${(err as { original?: { code?: string } })?.original?.code ?? ''}`;
  return /SQLITE_BUSY|database is locked/.test(text);
}

function lockTimeout(db: Database, ms: number): StaleError {
  return new StaleError(
    `another tierctl run holds the lock on ${db.display}; gave up after ${ms} ms`,
    'wait for the other apply to finish, then plan again (or raise --lock-timeout)',
  );
}
