import type { Catalog, Tier } from '../catalog/model.js';
import { CatalogLookupError, type BillingProvider, type RuntimeTier, type TierFilter } from './public-types.js';
import { toDict } from '../dict.js';

// The public shapes live in public-types.ts (self-contained declarations); re-exported
// here for the modules that build them.
export { CatalogLookupError, type BillingProvider, type CatalogNames, type RuntimeLimits, type RuntimeTier, type TierFilter } from './public-types.js';

/** Compile-time proof that the public types match the internal model derived from the schemas. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const publicTypesMatchModel: [Same<BillingProvider, Tier['billing_provider']>, Same<RuntimeTier['status'], Tier['status']>] = [true, true];
void publicTypesMatchModel;

/**
 * The in-memory answer to every runtime question, built once per read. Pure: it
 * takes the catalog readState returned, so it is unit-tested without a database.
 */
export interface CatalogIndex {
  tier(key: string): RuntimeTier | undefined;
  tierById(id: number): RuntimeTier | undefined;
  tiers(filter?: TierFilter): RuntimeTier[];
  can(tierKey: string, permission: string): boolean;
  limit(tierKey: string, name: string): number | null;
}

const REFRESH_HINT = 'check the spelling; if it was added by a recent apply, call refresh()';

export function buildCatalogIndex(catalog: Catalog, tierIds: Readonly<Record<string, number>>): CatalogIndex {
  const byKey = new Map<string, RuntimeTier>();
  const byId = new Map<number, RuntimeTier>();
  for (const t of Object.values(catalog.tiers)) {
    const id = Object.hasOwn(tierIds, t.key) ? tierIds[t.key] : undefined;
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

  const mustTier = (key: string): RuntimeTier => {
    const t = byKey.get(key);
    if (!t) throw new CatalogLookupError(`unknown tier "${key}"`, REFRESH_HINT);
    return t;
  };

  return {
    tier: (key) => byKey.get(key),
    tierById: (id) => byId.get(id),
    tiers: (filter = {}) =>
      ordered.filter((t) => (filter.customerFacing === undefined || t.customerFacing === filter.customerFacing) && (filter.status === undefined || t.status === filter.status)),
    can(tierKey, permission) {
      const t = mustTier(tierKey);
      if (!permissions.has(permission)) throw new CatalogLookupError(`unknown permission "${permission}"`, `declare it under permissions: in catalog.yaml, or ${REFRESH_HINT}`);
      return permissionSets.get(t.key)?.has(permission) ?? false;
    },
    limit(tierKey, name) {
      const t = mustTier(tierKey);
      // Throwing rather than returning undefined: `count >= undefined` is false, so a
      // missing value would silently read as "unlimited" in the caller's check.
      if (!limitNames.has(name)) throw new CatalogLookupError(`no tier sets limit "${name}"`, `declare it in catalog.yaml and set it in the tier files, or ${REFRESH_HINT}`);
      if (!Object.hasOwn(t.limits, name)) throw new CatalogLookupError(`tier "${tierKey}" does not set limit "${name}"`, `set it in ${tierKey}.yaml (null = unlimited)`);
      return t.limits[name] ?? null;
    },
  };
}

function toRuntimeTier(t: Tier, id: number | null): RuntimeTier {
  return Object.freeze({
    id,
    key: t.key,
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
