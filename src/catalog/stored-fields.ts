import type { ColumnSource, StorageDescription, TierField } from '../store/storage-description.js';
import type { Catalog, Tier } from './model.js';

/**
 * "Fields a description does not store are not tracked" (DESIGN.md, Storage). What a
 * description holds, and the canonical form of a tier under it: untracked fields take
 * their documented defaults on both sides of the diff, so the plan compares only what
 * the storage can hold. The loader refuses a tier file that needs an untracked field
 * (storage-rules.ts), so projecting never loses anything a file asked for.
 */
export interface StoredFields {
  /** Scalar tier fields with a column (plain or through a map). */
  fields: Set<TierField>;
  billingKeys: 'rows' | 'columns' | 'none';
  /** Providers with a billing-key column (billingKeys: 'columns'). */
  keyColumns: Set<'stripe' | 'whop'>;
  limits: 'rows' | 'columns';
  /** Limit name -> its column (limits: 'columns'). */
  limitColumns: Map<string, string>;
  permissions: 'join' | 'json' | 'none';
  /** Columns filled from the tier file's `columns:`. */
  perTierColumns: string[];
  /**
   * Columns holding IDs Stripe resolves from the tier's lookup keys ({stripe: price|product}).
   * With any, the tier file's billing: is read (it is their source) even where no column
   * stores it; plan/resolve-stripe-ids.ts resolves the IDs, then drops what is not stored.
   */
  stripeColumns: string[];
}

export function storedFields(d: StorageDescription): StoredFields {
  const fields = new Set<TierField>(['key']);
  const keyColumns = new Set<'stripe' | 'whop'>();
  const limitColumns = new Map<string, string>();
  const perTierColumns: string[] = [];
  const stripeColumns: string[] = [];
  for (const [column, source] of Object.entries(d.tier.columns) as [string, ColumnSource][]) {
    if (source.kind === 'field' || source.kind === 'map') fields.add(source.field);
    else if (source.kind === 'billing-key') keyColumns.add(source.provider);
    else if (source.kind === 'limit') limitColumns.set(source.limit, column);
    else if (source.kind === 'tier-column') perTierColumns.push(column);
    else if (source.kind === 'stripe') stripeColumns.push(column);
  }
  return {
    fields,
    billingKeys: d.billingKeys.kind,
    keyColumns,
    limits: d.limits.kind,
    limitColumns,
    permissions: d.permissions.kind,
    perTierColumns: perTierColumns.sort(),
    stripeColumns: stripeColumns.sort(),
  };
}

/**
 * The values an untracked field takes: the tier file's defaults (tierFromFile). The store
 * reads a field its storage holds no column for as the same value (store/tier-rows.ts).
 */
export const FIELD_DEFAULTS: { [F in Exclude<TierField, 'key' | 'name'>]: Tier[F] } = {
  description: null,
  customer_facing: true,
  display_order: 0,
  status: 'active',
  protected: false,
  billing_provider: 'exempt',
  fallback_price: null,
};

/** A tier as the storage can hold it (see the module comment). Pure. */
export function projectTier(t: Tier, s: StoredFields): Tier {
  const has = (f: TierField) => s.fields.has(f);
  const out: Tier = {
    key: t.key,
    ...(t.platform !== undefined ? { platform: t.platform } : {}),
    name: t.name,
    description: has('description') ? t.description : FIELD_DEFAULTS.description,
    customer_facing: has('customer_facing') ? t.customer_facing : FIELD_DEFAULTS.customer_facing,
    display_order: has('display_order') ? t.display_order : FIELD_DEFAULTS.display_order,
    status: has('status') ? t.status : FIELD_DEFAULTS.status,
    protected: has('protected') ? t.protected : FIELD_DEFAULTS.protected,
    // Billing feeds the resolved Stripe columns: kept here, dropped after resolution where unstored (resolve-stripe-ids.ts).
    billing_provider: has('billing_provider') || s.stripeColumns.length ? t.billing_provider : FIELD_DEFAULTS.billing_provider,
    billing_keys: s.billingKeys === 'none' && !s.stripeColumns.length ? [] : [...t.billing_keys],
    fallback_price: has('fallback_price') ? t.fallback_price : FIELD_DEFAULTS.fallback_price,
    limits: s.limits === 'rows' ? { ...t.limits } : Object.fromEntries([...s.limitColumns.keys()].sort().map((n) => [n, t.limits[n] ?? null])),
    permissions: s.permissions === 'none' ? [] : [...t.permissions],
  };
  if (s.perTierColumns.length) out.columns = Object.fromEntries(s.perTierColumns.map((c) => [c, t.columns?.[c] ?? null]));
  return out;
}

/** The catalog under a description: tiers projected, and the permission vocabulary only where a table holds it. */
export function projectCatalog(c: Catalog, s: StoredFields): Catalog {
  const tiers: Record<string, Tier> = {};
  for (const [k, t] of Object.entries(c.tiers)) tiers[k] = projectTier(t, s);
  return { permissions: s.permissions === 'join' ? c.permissions : {}, tiers };
}
