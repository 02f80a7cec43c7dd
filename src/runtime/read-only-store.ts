import { readStorageOnly } from '../catalog/read-storage.js';
import { permissionDescriptions } from '../catalog/load-catalog.js';
import { TierctlError } from '../errors.js';
import { openAppStore } from '../store/open-app-store.js';
import { openDatabase, type Database } from '../state/database.js';
import { resolveDatabase } from '../state/database-url.js';
import { tablePrefix } from '../store/open-store.js';
import { createSequelizeTierStore } from '../store/sequelize-tier-store.js';
import { builtinStorage } from '../store/storage-description.js';
import type { StoreSnapshot } from '../store/tier-store.js';

/** The runtime's only way into the database: a read-only connection and one read. */
export interface ReadOnlyStore {
  readonly display: string;
  /** Exposed for tests that prove writes are refused; the public API never hands it out. */
  readonly db: Database;
  read(): Promise<StoreSnapshot>;
  close(): Promise<void>;
}

/**
 * SQLite is opened without create and with `PRAGMA query_only` (a missing file is an error,
 * never created; see state/database.ts for why not OPEN_READONLY);
 * PostgreSQL reads run in REPEATABLE READ READ ONLY transactions that always roll
 * back. No code path here runs migrations, takes the apply lock or writes a row.
 * `prefix`: tierctl's table prefix, as the CLI was given it (default $TIERCTL_TABLE_PREFIX, else none).
 */
export async function openReadOnlyStore(database: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), prefix?: string, tiersDir?: string): Promise<ReadOnlyStore> {
  const target = resolveDatabase(database, env, cwd);
  // With the tier directory's catalog.yaml storage:, the app's own tables are read through it.
  const app = tiersDir === undefined ? null : readStorageOnly(tiersDir, cwd);
  if (app?.storage) {
    const store = await openAppStore(target, app, { readOnly: true });
    return {
      display: target.display,
      get db(): Database {
        throw new TierctlError('the app-table store does not expose its connection');
      },
      // A storage without a vocabulary table (JSON permissions) still answers can() for every
      // permission catalog.yaml declares.
      read: async () => {
        const snapshot = await store.read((tx) => store.snapshot(tx));
        return { ...snapshot, catalog: { ...snapshot.catalog, permissions: { ...permissionDescriptions(app.catalogFile.permissions), ...snapshot.catalog.permissions } } };
      },
      close: () => store.close(),
    };
  }
  const description = builtinStorage({ prefix: tablePrefix(prefix, env) });
  const db = await openDatabase(target, { readOnly: true });
  if (!db) {
    throw new TierctlError(`no tierctl database at ${target.display}`, { hint: 'apply the tiers first (tierctl apply), or pass the right database URL' });
  }
  const store = await createSequelizeTierStore(db, description);
  return {
    display: target.display,
    db,
    read: () => store.read((tx) => store.snapshot(tx)),
    close: () => store.close(),
  };
}
