import { openDatabase, type Database } from '../../src/state/database.js';
import { resolveDatabase } from '../../src/state/database-url.js';
import { createSequelizeTierStore } from '../../src/store/sequelize-tier-store.js';
import { builtinStorage } from '../../src/store/storage-description.js';
import type { StoreSnapshot, TierStore } from '../../src/store/tier-store.js';

/** Opens a test database through tierctl's own port (for library-level integration tests). */
export async function open(url: string, onStatement?: (sql: string) => void, busyTimeoutMs?: number): Promise<Database> {
  const db = await openDatabase(resolveDatabase(url, {}), { ...(onStatement ? { onStatement } : {}), ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }) });
  if (!db) throw new Error('database did not open');
  return db;
}

/** The store over tierctl's own tables (optionally with a table prefix), for library-level tests. */
export async function openStoreAt(url: string, options: { prefix?: string; onStatement?: (sql: string) => void; subscribers?: { table: string; column: string }; busyTimeoutMs?: number } = {}): Promise<TierStore> {
  const db = await open(url, options.onStatement, options.busyTimeoutMs);
  return createSequelizeTierStore(db, builtinStorage({ ...(options.prefix ? { prefix: options.prefix } : {}), subscribers: options.subscribers ?? null }));
}

export async function stateOf(url: string, prefix?: string): Promise<StoreSnapshot> {
  const store = await openStoreAt(url, prefix ? { prefix } : {});
  try {
    return await store.read((tx) => store.snapshot(tx));
  } finally {
    await store.close();
  }
}
