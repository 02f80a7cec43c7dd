import type { TierState } from './tier-state-schema.js';
import { dict } from '../dict.js';
import { tierRef } from './tier-ref.js';

/**
 * The one model both sides of a diff share: `load-catalog.ts` builds it from files,
 * the store (`store/sequelize-tier-store.ts`) from the database. Collections are sorted and defaults filled
 * in, so two equal catalogs serialise to the same bytes. The type comes from the
 * `tierStateSchema` (tier-state-schema.ts), which the plan file's schema embeds, so the
 * plan file and the code cannot disagree.
 */
export type Tier = TierState;

export interface Catalog {
  /** Permission name -> description, keys sorted. */
  permissions: Record<string, string>;
  /** Tier ref (`key`, or `key@platform` for a platform tier: tier-ref.ts) -> tier, refs sorted. */
  tiers: Record<string, Tier>;
}

/** The scalar columns of a tier, in display order. */
export const SCALAR_FIELDS = [
  'name',
  'description',
  'customer_facing',
  'display_order',
  'status',
  'protected',
  'billing_provider',
  'fallback_price',
] as const satisfies readonly (keyof Tier)[];
export type ScalarField = (typeof SCALAR_FIELDS)[number];

export function emptyCatalog(): Catalog {
  return { permissions: dict(), tiers: dict() };
}

export function sortRecord<T>(record: Record<string, T>): Record<string, T> {
  const out = dict<T>();
  for (const k of Object.keys(record).sort()) out[k] = record[k] as T;
  return out;
}

/** Builds a catalog with every collection sorted: the canonical form fingerprints rely on. */
export function normaliseCatalog(permissions: Record<string, string>, tiers: Tier[]): Catalog {
  const byKey = dict<Tier>();
  for (const t of tiers) {
    byKey[tierRef(t)] = {
      ...t,
      billing_keys: [...t.billing_keys].sort(),
      permissions: [...t.permissions].sort(),
      limits: sortRecord(t.limits),
    };
  }
  return { permissions: sortRecord(permissions), tiers: sortRecord(byKey) };
}
