import { rmSync } from 'node:fs';
import type { Sequelize } from 'sequelize';
import { TierctlError, errorMessage } from '../../errors.js';
import { redact } from '../../secrets.js';
import type { DatabaseTarget } from '../../state/database-url.js';
import type { ConnectOptions } from './dialect.js';

type SqliteTarget = Extract<DatabaseTarget, { dialect: 'sqlite' }>;

/** The file a SQLite target names (null for `sqlite::memory:`). */
export function sqliteFile(target: DatabaseTarget): string | null {
  return target.dialect === 'sqlite' && target.storage !== ':memory:' ? target.storage : null;
}

/** A database file tierctl created and left empty goes, with its rollback journal. */
export function removeSqliteFile(file: string): void {
  for (const suffix of ['', '-journal']) rmSync(`${file}${suffix}`, { force: true });
}

/** Sequelize over a SQLite file, with the driver loaded (or refused) here and per-connection settings hooked in. */
export async function connectSqlite(target: DatabaseTarget, options: ConnectOptions, configure: (sequelize: Sequelize) => void): Promise<Sequelize> {
  if (target.dialect !== 'sqlite') throw new Error(`a ${target.dialect} target reached the SQLite dialect`);
  const t: SqliteTarget = target;
  const { Sequelize } = await import('sequelize');
  const sqlite3 = await loadSqlite3(options.sqliteModule);
  const sequelize = new Sequelize({
    dialect: 'sqlite',
    // The driver loaded (or refused) above, so Sequelize never reports a missing one its own way.
    dialectModule: sqlite3,
    storage: t.storage,
    logging: options.logging,
    // Read-only commands open read-write too (never create), with query_only set: after an
    // apply was killed mid-transaction, the first reader must roll back SQLite's hot journal,
    // which an OPEN_READONLY handle cannot do (every read failed with SQLITE_READONLY).
    // A file the OS will not let us write still opens, read-only.
    dialectOptions: { mode: options.readOnly ? sqlite3.OPEN_READWRITE : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE },
    // tierctl handles SQLITE_BUSY itself (lock timeout, exit 4); Sequelize's own retry would hide it.
    retry: { max: 1 },
  });
  configure(sequelize);
  return sequelize;
}

/**
 * The sqlite3 driver is a native addon: `npm install --ignore-scripts`, pnpm without build
 * approval, or a Node upgrade leave it without its compiled binding, and the import fails.
 */
async function loadSqlite3(specifier = 'sqlite3'): Promise<typeof import('sqlite3')> {
  try {
    const module = (await import(specifier)) as { default?: typeof import('sqlite3') } & typeof import('sqlite3');
    return module.default ?? module;
  } catch (err) {
    const detail = redact(errorMessage(err).split('\n')[0] ?? '');
    throw new TierctlError(`the SQLite driver (the sqlite3 package's native binding) could not be loaded: ${detail}`, {
      hint: 'run `npm rebuild sqlite3` in the project (installs with --ignore-scripts, or pnpm without approving its build script, skip compiling it), or use PostgreSQL with --database postgres://…',
      cause: err,
    });
  }
}
