import type { Catalog, Tier } from '../catalog/model.js';
import { CatalogLookupError, type BillingProvider, type PlatformOption, type RuntimeTier, type TierFilter } from './public-types.js';
import { toDict } from '../dict.js';
import { tierRef } from '../catalog/tier-ref.js';

// The public shapes live in public-types.ts (self-contained declarations); re-exported
// here for the modules that build them.
export { CatalogLookupError, type BillingProvider, type CatalogNames, type PlatformOption, type RuntimeLimits, type RuntimeTier, type TierFilter } from './public-types.js';

/** Compile-time proof that the public types match the internal model derived from the schemas. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const publicTypesMatchModel: [Same<BillingProvider, Tier['billing_provider']>, Same<RuntimeTier['status'], Tier['status']>] = [true, true];
void publicTypesMatchModel;

/**
 * The in-memory answer to every runtime question, built once per read. Pure: it
 * takes the catalog readState returned, so it is unit-tested without a database.
 */
export interface CatalogIndex {
  tier(key: string, options?: PlatformOption): RuntimeTier | undefined;
  tierById(id: number): RuntimeTier | undefined;
  tiers(filter?: TierFilter): RuntimeTier[];
  can(tierKey: string, permission: string, options?: PlatformOption): boolean;
  limit(tierKey: string, name: string, options?: PlatformOption): number | null;
}

const REFRESH_HINT = 'check the spelling; if it was added by a recent apply, call refresh()';

export function buildCatalogIndex(catalog: Catalog, tierIds: Readonly<Record<string, number>>): CatalogIndex {
  const byKey = new Map<string, RuntimeTier>();
  const byId = new Map<number, RuntimeTier>();
  for (const t of Object.values(catalog.tiers)) {
    const ref = tierRef(t);
    const id = Object.hasOwn(tierIds, ref) ? tierIds[ref] : undefined;
    const tier = toRuntimeTier(t, id ?? null);
    byKey.set(tier.key, tier);
    if (id !== undefined) byId.set(id, tier);
  }
  const ordered = [...byKey.values()].sort((a, b) => a.displayOrder - b.displayOrder || a.key.localeCompare(b.key));
  const permissions = new Set(Object.keys(catalog.permissions));
  // The database keeps no list of declared limits (catalog.yaml's limit descriptions
  // stay in the files), so a name is "known" when at least one tier sets it.
  const limitNames = new Set(ordered.flatMap((t) => Object.keys(t.limits)));
  const permissionSets = new Map(ordered.map((t) => [t.key, new Set(t.permissions)]));

  /**
   * A name as plans write it (`essential`, `essential@loyalty`), or a key with `{ platform }`:
   * that platform's tier of the key, else the global tier of the key (a global tier serves
   * every platform, as seed 004's app reads platform tiers, then global ones).
   */
  const find = (name: string, options: PlatformOption | undefined): RuntimeTier | undefined => {
    const platform = options?.platform ?? null;
    if (platform === null || name.includes('@')) return byKey.get(name);
    return byKey.get(tierRef({ key: name, platform })) ?? byKey.get(name);
  };
  const mustTier = (key: string, options: PlatformOption | undefined): RuntimeTier => {
    const t = find(key, options);
    if (!t) throw new CatalogLookupError(`unknown tier "${key}"${options?.platform && !key.includes('@') ? ` (neither on platform ${options.platform} nor global)` : ''}`, REFRESH_HINT);
    return t;
  };
  /** A platform's view: its own tiers, and the global ones it does not override with the same key. */
  const seenFrom = (platform: string | null | undefined) => {
    if (platform === undefined) return () => true;
    if (platform === null) return (t: RuntimeTier) => t.platform === null;
    return (t: RuntimeTier) => t.platform === platform || (t.platform === null && !byKey.has(tierRef({ key: t.key, platform })));
  };

  return {
    tier: (key, options) => find(key, options),
    tierById: (id) => byId.get(id),
    tiers: (filter = {}) => {
      const visible = seenFrom(filter.platform);
      return ordered.filter((t) => visible(t) && (filter.customerFacing === undefined || t.customerFacing === filter.customerFacing) && (filter.status === undefined || t.status === filter.status));
    },
    can(tierKey, permission, options) {
      const t = mustTier(tierKey, options);
      if (!permissions.has(permission)) throw new CatalogLookupError(`unknown permission "${permission}"`, `declare it under permissions: in catalog.yaml, or ${REFRESH_HINT}`);
      return permissionSets.get(t.key)?.has(permission) ?? false;
    },
    limit(tierKey, name, options) {
      const t = mustTier(tierKey, options);
      // Throwing rather than returning undefined: `count >= undefined` is false, so a
      // missing value would silently read as "unlimited" in the caller's check.
      if (!limitNames.has(name)) throw new CatalogLookupError(`no tier sets limit "${name}"`, `declare it in catalog.yaml and set it in the tier files, or ${REFRESH_HINT}`);
      if (!Object.hasOwn(t.limits, name)) throw new CatalogLookupError(`tier "${t.key}" does not set limit "${name}"`, `set it in ${t.key}.yaml (null = unlimited)`);
      return t.limits[name] ?? null;
    },
  };
}

function toRuntimeTier(t: Tier, id: number | null): RuntimeTier {
  return Object.freeze({
    id,
    key: tierRef(t),
    platform: t.platform ?? null,
    name: t.name,
    description: t.description,
    customerFacing: t.customer_facing,
    displayOrder: t.display_order,
    status: t.status,
    protected: t.protected,
    billingProvider: t.billing_provider,
    billingKeys: Object.freeze([...t.billing_keys]),
    fallbackPrice: t.fallback_price,
    limits: Object.freeze(toDict(t.limits)),
    permissions: Object.freeze([...t.permissions]),
  });
}
