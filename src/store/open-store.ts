import { TierctlError } from '../errors.js';
import { openDatabase, type OpenOptions } from '../state/database.js';
import type { DatabaseTarget } from '../state/database-url.js';
import { createSequelizeTierStore, type SequelizeStoreOptions } from './sequelize-tier-store.js';
import { TABLE_PREFIX_PATTERN, builtinStorage, type StorageDescription } from './storage-description.js';
import type { TierStore } from './tier-store.js';

/** Opens the database and puts the store in front of it; null for a read-only open of a missing SQLite file. */
export async function openTierStore(target: DatabaseTarget, description: StorageDescription, options: OpenOptions & SequelizeStoreOptions = {}): Promise<TierStore | null> {
  const db = await openDatabase(target, options);
  if (!db) return null;
  try {
    return await createSequelizeTierStore(db, description, options);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

/**
 * The prefix for tierctl's tables: --table-prefix, else $TIERCTL_TABLE_PREFIX, else none
 * (the 0.1.0 names). Every command and the runtime must use the same one.
 */
export function tablePrefix(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const prefix = flag ?? env['TIERCTL_TABLE_PREFIX'] ?? '';
  if (!TABLE_PREFIX_PATTERN.test(prefix)) {
    throw new TierctlError(`the table prefix "${prefix}" is not usable`, {
      hint: 'use lowercase letters, digits and _, starting with a letter and ending with _ (for example tierctl_), at most 32 characters',
    });
  }
  return prefix;
}

export { builtinStorage };
