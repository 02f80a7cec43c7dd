import { TierctlError } from '../errors.js';
import { buildCatalogIndex, type CatalogIndex } from './catalog-index.js';
import type { CatalogNames, PlatformOption, RuntimeTier, TierFilter } from './public-types.js';
import { openReadOnlyStore } from './read-only-store.js';

export interface OpenCatalogOptions {
  /** `sqlite:path/to.db` or `postgres://…`; defaults to $DATABASE_URL, else sqlite:tierctl.sqlite (as the CLI). */
  database?: string;
  /** The prefix of tierctl's tables, as given to the CLI (--table-prefix); defaults to $TIERCTL_TABLE_PREFIX, else none. */
  tablePrefix?: string;
  /**
   * The tier directory (e.g. 'tiers'), when its catalog.yaml has a storage: section: the
   * app's own tier tables are then read through that description (relative to the working directory).
   */
  tiersDir?: string;
}

/**
 * The tiers as the application reads them at runtime. Every lookup is synchronous and
 * answered from memory; `refresh()` re-reads the database after an apply.
 * `N` narrows the names (see `tierctl generate types`); by default any string is accepted
 * and an unknown name is reported at runtime only.
 */
export interface TierCatalog<N extends CatalogNames = CatalogNames> {
  /**
   * The tier with this name (`essential`, or `essential@loyalty` for a platform tier), or undefined.
   * With `{ platform }`, a key names that platform's tier, else the global one (see PlatformOption).
   */
  tier(key: N['tier'], options?: PlatformOption): RuntimeTier<N> | undefined;
  /** The tier with this row id (what the application's subscriber column holds), or undefined. */
  tierById(id: number): RuntimeTier<N> | undefined;
  /** Tiers in display order, optionally filtered (e.g. a pricing page: `{ customerFacing: true, status: 'active' }`). */
  tiers(filter?: TierFilter): RuntimeTier<N>[];
  /** Whether the tier grants the permission. Throws CatalogLookupError for an unknown tier or permission. */
  can(tierKey: N['tier'], permission: N['permission'], options?: PlatformOption): boolean;
  /**
   * The tier's limit: a number, or null for unlimited. Throws CatalogLookupError for an
   * unknown tier, a limit no tier sets, or a limit this tier leaves out, so a missing
   * value can never pass for "unlimited".
   */
  limit(tierKey: N['tier'], name: N['limit'], options?: PlatformOption): number | null;
  /** Re-reads the database in one read-only snapshot; lookups switch to it atomically. */
  refresh(): Promise<void>;
  /** Releases the connection. Lookups keep answering from the last snapshot; refresh() then throws. */
  close(): Promise<void>;
}

/**
 * Opens the catalog. Generic only at compile time: `openCatalog<Names>()` (what the module
 * written by `tierctl generate types` calls) checks every name against `Names`; the runtime
 * checks stay the same either way, because the database may be newer than the generated file.
 */
export async function openCatalog<N extends CatalogNames = CatalogNames>(options: OpenCatalogOptions = {}): Promise<TierCatalog<N>> {
  const store = await openReadOnlyStore(options.database, process.env, process.cwd(), options.tablePrefix, options.tiersDir);
  let index: CatalogIndex;
  let closed = false;
  const load = async (): Promise<CatalogIndex> => {
    const state = await store.read();
    if (!state.initialised) {
      throw new TierctlError(`${store.display} holds no tierctl tables`, { hint: 'apply the tiers first: tierctl apply' });
    }
    return buildCatalogIndex(state.catalog, state.tierIds);
  };
  try {
    index = await load();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  // The index answers in plain strings; the names type is a compile-time promise about them.
  const typed = (t: RuntimeTier | undefined) => t as RuntimeTier<N> | undefined;
  return {
    tier: (key, options) => typed(index.tier(key, options)),
    tierById: (id) => typed(index.tierById(id)),
    tiers: (filter) => index.tiers(filter) as RuntimeTier<N>[],
    can: (tierKey, permission, options) => index.can(tierKey, permission, options),
    limit: (tierKey, name, options) => index.limit(tierKey, name, options),
    async refresh() {
      if (closed) throw new TierctlError('the catalog was closed', { hint: 'open a new one with openCatalog()' });
      index = await load();
    },
    async close() {
      if (closed) return;
      closed = true;
      await store.close();
    },
  };
}
