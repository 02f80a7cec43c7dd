import { TierctlError } from '../errors.js';
import { describedTables, type StorageDescription } from './storage-description.js';

/** The migration that creates tierctl's tables: its record is what makes a table tierctl's. */
const CREATING_MIGRATION = '0001-initial-tables';

/**
 * Tables that carry one of tierctl's names but that tierctl did not create: they exist,
 * and no migration record says tierctl made them (an app's own `permission` or
 * `subscription_tier` table). Pure; `executed` is null when the migration table is absent.
 * For an app's storage, only the bookkeeping tables are tierctl's.
 */
export function foreignTables(d: StorageDescription, tables: Set<string>, executed: string[] | null): string[] {
  if (executed?.includes(CREATING_MIGRATION)) return [];
  const { tier, bookkeeping } = describedTables(d);
  const ours = d.origin === 'builtin' ? [...tier, ...bookkeeping] : bookkeeping.filter((t) => !t.endsWith('tierctl_migration'));
  return ours.filter((t) => tables.has(t));
}

export function foreignTableError(display: string, foreign: string[], d: StorageDescription): TierctlError {
  const list = foreign.map((t) => `"${t}"`).join(', ');
  const prefix = d.bookkeeping.prefix;
  return new TierctlError(`${display} already has ${foreign.length === 1 ? 'a table' : 'tables'} named ${list} that tierctl did not create, so tierctl's own tables would collide with the app's`, {
    hint: prefix
      ? `choose another table prefix than "${prefix}" (--table-prefix / $TIERCTL_TABLE_PREFIX)`
      : "keep tierctl's tables apart with a prefix: --table-prefix tierctl_ (or TIERCTL_TABLE_PREFIX=tierctl_; openCatalog takes { tablePrefix }), the same for every command",
  });
}
