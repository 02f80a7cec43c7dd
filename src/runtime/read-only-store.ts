import { TierctlError } from '../errors.js';
import { openDatabase, type Database } from '../state/database.js';
import { resolveDatabase } from '../state/database-url.js';
import { readState, type DatabaseState } from '../state/read-state.js';
import { withReadTransaction } from '../state/read-transaction.js';

/** The runtime's only way into the database: a read-only connection and one read. */
export interface ReadOnlyStore {
  readonly display: string;
  /** Exposed for tests that prove writes are refused; the public API never hands it out. */
  readonly db: Database;
  read(): Promise<DatabaseState>;
  close(): Promise<void>;
}

/**
 * SQLite is opened without create and with `PRAGMA query_only` (a missing file is an error,
 * never created; see state/database.ts for why not OPEN_READONLY);
 * PostgreSQL reads run in REPEATABLE READ READ ONLY transactions that always roll
 * back. No code path here runs migrations, takes the apply lock or writes a row.
 */
export async function openReadOnlyStore(database: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<ReadOnlyStore> {
  const target = resolveDatabase(database, env, cwd);
  const db = await openDatabase(target, { readOnly: true });
  if (!db) {
    throw new TierctlError(`no tierctl database at ${target.display}`, { hint: 'apply the tiers first (tierctl apply), or pass the right database URL' });
  }
  return {
    display: target.display,
    db,
    read: () => withReadTransaction(db, (tx) => readState(db, tx)),
    close: () => db.close(),
  };
}
