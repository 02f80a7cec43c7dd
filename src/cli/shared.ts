import { execFileSync } from 'node:child_process';
import type { LoadedCatalog } from '../catalog/load-catalog.js';
import { loadCatalogDir } from '../catalog/read-catalog-dir.js';
import { InvalidCatalogError, TierctlError } from '../errors.js';
import { openDatabase, type Database, type OpenOptions } from '../state/database.js';
import { resolveDatabase } from '../state/database-url.js';
import type { Io } from './io.js';
import type { Values } from './command-spec.js';

export async function loadDesired(dir: string, io: Io): Promise<LoadedCatalog> {
  const result = await loadCatalogDir(dir, io.cwd);
  if (!result.ok) throw new InvalidCatalogError(result.diagnostics);
  return result.loaded;
}

export function choice<T extends string>(value: unknown, allowed: readonly T[], flag: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new TierctlError(`--${flag} must be one of: ${allowed.join(', ')}`);
}

export function positiveInt(value: unknown, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new TierctlError(`--${flag} must be a whole number`, { hint: `for example --${flag} 5000` });
  return n;
}

let statementCount: number | undefined;

/** Opens the database named by --database / $DATABASE_URL / the embedded default. */
export async function connect(values: Values, io: Io, options: OpenOptions = {}): Promise<Database | null> {
  const target = resolveDatabase(values['database'] as string | undefined, io.env, io.cwd);
  const count = io.env['TIERCTL_SQL_COUNT'] === '1';
  // One total per process, however many connections a command opens (apply opens two).
  if (count && statementCount === undefined) {
    statementCount = 0;
    process.once('exit', () => process.stderr.write(`tierctl: sql statements: ${statementCount ?? 0}\n`));
  }
  // Test hook (like TIERCTL_TEST_FAIL_AT_STATEMENT): a driver module that fails to load.
  const sqliteModule = io.env['TIERCTL_TEST_SQLITE3_MODULE'];
  return openDatabase(target, { ...options, ...(sqliteModule ? { sqliteModule } : {}), ...(count ? { onStatement: () => void (statementCount = (statementCount ?? 0) + 1) } : {}) });
}

/** Runs `fn`, then closes the database; a SQLite file this run created and left empty is removed. */
export async function withDatabase<T>(db: Database | null, fn: (db: Database | null) => Promise<T>): Promise<T> {
  try {
    return await fn(db);
  } finally {
    await db?.close({ removeIfCreatedEmpty: true }).catch(() => undefined);
  }
}

/** Who ran the apply, for the audit row: the CI actor, else the local user. */
export function actor(env: NodeJS.ProcessEnv): string | null {
  return env['GITHUB_ACTOR'] || env['USER'] || env['USERNAME'] || null;
}

export function gitSha(env: NodeJS.ProcessEnv, cwd: string): string | null {
  if (env['GITHUB_SHA']) return env['GITHUB_SHA'];
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
