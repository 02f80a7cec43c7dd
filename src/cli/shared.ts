import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import type { LoadedCatalog } from '../catalog/load-catalog.js';
import { loadCatalogDir } from '../catalog/read-catalog-dir.js';
import { InvalidCatalogError, TierctlError } from '../errors.js';
import { releaseGarbage } from '../release-garbage.js';
import type { OpenOptions } from '../state/database.js';
import { resolveDatabase } from '../state/database-url.js';
import { openAppStore } from '../store/open-app-store.js';
import { builtinStorage, openTierStore, tablePrefix } from '../store/open-store.js';
import type { TierStore } from '../store/tier-store.js';
import type { Io } from './io.js';
import type { Values } from './command-spec.js';

export async function loadDesired(dir: string, io: Io): Promise<LoadedCatalog> {
  const result = await loadCatalogDir(dir, io.cwd);
  if (!result.ok) throw new InvalidCatalogError(result.diagnostics);
  releaseGarbage(result.loaded.catalog); // the YAML parse trees of every tier file (release-garbage.ts)
  return result.loaded;
}

export function choice<T extends string>(value: unknown, allowed: readonly T[], flag: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new TierctlError(`--${flag} must be one of: ${allowed.join(', ')}`);
}

export function positiveInt(value: unknown, flag: string, example = 5000): number {
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (Number.isInteger(n) && n < 0) throw new TierctlError(`--${flag} cannot be negative (got ${String(value)})`, { hint: `give a whole number, 0 or more, e.g. --${flag} ${example}` });
  if (!Number.isSafeInteger(n)) throw new TierctlError(`--${flag} must be a whole number, 0 or more (got "${String(value)}")`, { hint: `for example --${flag} ${example}` });
  return n;
}

let statementCount: number | undefined;

/**
 * Opens the store over the database named by --database / $DATABASE_URL / the embedded
 * default, for tierctl's own tables (with --table-prefix / $TIERCTL_TABLE_PREFIX).
 * `subscribers` comes from catalog.yaml when the command loaded it.
 */
export async function openStore(
  values: Values,
  io: Io,
  options: OpenOptions & { subscribers?: LoadedCatalog['subscribers']; app?: Pick<LoadedCatalog, 'storage' | 'catalog' | 'sources' | 'catalogSource'> | null } = {},
): Promise<TierStore | null> {
  const target = resolveDatabase(values['database'] as string | undefined, io.env, io.cwd);
  const count = io.env['TIERCTL_SQL_COUNT'] === '1';
  // One total per process, however many stores a command opens (an interactive apply opens two).
  if (count && statementCount === undefined) {
    statementCount = 0;
    process.once('exit', () => process.stderr.write(`tierctl: sql statements: ${statementCount ?? 0}\n`));
  }
  const { subscribers, app, ...open } = options;
  // Test hook (like TIERCTL_TEST_FAIL_AT_STATEMENT): a driver module that fails to load.
  const sqliteModule = io.env['TIERCTL_TEST_SQLITE3_MODULE'];
  // Test hook: a small SQLite page cache, so a small transaction spills into the file before COMMIT.
  const cachePages = io.env['TIERCTL_TEST_SQLITE_CACHE_PAGES'];
  const sqliteCachePages = cachePages === undefined ? undefined : Number(cachePages);
  if (sqliteCachePages !== undefined && !(Number.isInteger(sqliteCachePages) && sqliteCachePages > 0)) {
    throw new TierctlError(`TIERCTL_TEST_SQLITE_CACHE_PAGES must be a positive whole number of pages, not "${cachePages}"`);
  }
  const openOptions = { ...open, ...(sqliteModule ? { sqliteModule } : {}), ...(sqliteCachePages ? { sqliteCachePages } : {}), ...(count ? { onStatement: () => void (statementCount = (statementCount ?? 0) + 1) } : {}) };
  // catalog.yaml storage: the app's own tables, checked against the live tables first.
  return app?.storage
    ? await openAppStore(target, app, openOptions)
    : await openTierStore(target, builtinStorage({ prefix: tablePrefix(values['table-prefix'] as string | undefined, io.env), subscribers: subscribers ?? null }), openOptions);
}

/** Runs `fn`, then closes the store (a SQLite file it created and left empty goes too, see OpenOptions.removeIfLeftEmpty). */
export async function withStore<T>(store: TierStore | null, fn: (store: TierStore | null) => Promise<T>): Promise<T> {
  try {
    return await fn(store);
  } finally {
    await store?.close().catch(() => undefined);
  }
}

/**
 * Who ran the apply, for the audit row: the CI actor, else the local user from the
 * environment, else the operating system's account name ($USER is unset under cron,
 * systemd and `env -i`).
 */
export function actor(env: NodeJS.ProcessEnv): string | null {
  const named = env['GITHUB_ACTOR'] || env['USER'] || env['USERNAME'] || env['LOGNAME'];
  if (named) return named;
  try {
    return userInfo().username || null;
  } catch {
    // No passwd entry for this uid (some containers): nobody to name.
    return null;
  }
}

export function gitSha(env: NodeJS.ProcessEnv, cwd: string): string | null {
  if (env['GITHUB_SHA']) return env['GITHUB_SHA'];
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
