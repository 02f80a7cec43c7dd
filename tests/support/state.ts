import { openDatabase, type Database } from '../../src/state/database.js';
import { resolveDatabase } from '../../src/state/database-url.js';
import { readState, type DatabaseState } from '../../src/state/read-state.js';
import { withReadTransaction } from '../../src/state/read-transaction.js';

/** Opens a test database through tierctl's own port (for library-level integration tests). */
export async function open(url: string, onStatement?: (sql: string) => void): Promise<Database> {
  const db = await openDatabase(resolveDatabase(url, {}), onStatement ? { onStatement } : {});
  if (!db) throw new Error('database did not open');
  return db;
}

export async function stateOf(url: string): Promise<DatabaseState> {
  const db = await open(url);
  try {
    return await withReadTransaction(db, (tx) => readState(db, tx));
  } finally {
    await db.close();
  }
}
