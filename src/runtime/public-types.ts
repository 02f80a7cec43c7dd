import { TierctlError } from '../errors.js';

/**
 * The types the package entry (src/index.ts) publishes, kept free of internal imports:
 * the published .d.ts files must compile in a consumer with `skipLibCheck: false`
 * using only tierctl's runtime dependencies (the internal model's types come from
 * json-schema-to-ts, a devDependency). catalog-index.ts checks at compile time that
 * these stay equal to the internal model (one source: the JSON Schemas).
 */

/** How a tier is billed. */
export type BillingProvider = 'stripe' | 'whop' | 'exempt';

/**
 * The names a catalog knows. Plain strings by default; the module `tierctl generate types`
 * writes narrows each to a union of literals, so a misspelled name is a compile error.
 * A tier is named as plans name it: `key`, or `key@platform` once a tier is platform-scoped.
 */
export interface CatalogNames {
  tier: string;
  permission: string;
  limit: string;
}

/** Limit values by name; with generated names a tier may leave a limit out, so each is optional. */
export type RuntimeLimits<N extends CatalogNames = CatalogNames> = string extends N['limit'] ? Readonly<Record<string, number | null>> : Readonly<Partial<Record<N['limit'], number | null>>>;

/** A tier as the application sees it: camelCase, frozen, with the row id its own tables reference. */
export interface RuntimeTier<N extends CatalogNames = CatalogNames> {
  /**
   * `subscription_tier.id`: what the application's subscriber column (e.g. organization.subscription_tier_id) holds.
   * null for an app table whose key is its primary key (catalog.yaml storage: id: null): subscribers hold the key.
   */
  readonly id: number | null;
  /** The tier's name as plans write it: its key, or `key@platform` for a platform tier (`essential@loyalty`). */
  readonly key: N['tier'];
  /** The platform code of a platform tier; null for a global tier (available on every platform). */
  readonly platform: string | null;
  readonly name: string;
  readonly description: string | null;
  readonly customerFacing: boolean;
  readonly displayOrder: number;
  readonly status: 'active' | 'retired';
  readonly protected: boolean;
  readonly billingProvider: BillingProvider;
  /** Stripe lookup keys, or the one Whop product key. */
  readonly billingKeys: readonly string[];
  /** Display only; Stripe is the source of truth for prices. */
  readonly fallbackPrice: string | null;
  /** Limit name -> value; null = unlimited. */
  readonly limits: RuntimeLimits<N>;
  readonly permissions: readonly N['permission'][];
}

export interface TierFilter {
  customerFacing?: boolean;
  status?: 'active' | 'retired';
  /**
   * A platform's view (its pricing page): its own tiers, and the global tiers it does not
   * override with a tier of the same key. null: global tiers only. Absent: every tier.
   */
  platform?: string | null;
}

/**
 * Looks a key up on a platform: that platform's tier of the key, else the global tier of the
 * key (a global tier serves every platform). Without it, a key names the global tier; a name
 * written `key@platform` names that platform's tier exactly, with no fallback.
 */
export interface PlatformOption {
  platform?: string | null;
}

/** A lookup the catalog cannot answer (unknown tier, permission or limit): a bug in the caller or a stale cache. */
export class CatalogLookupError extends TierctlError {
  constructor(message: string, hint: string) {
    super(message, { hint });
    this.name = 'CatalogLookupError';
  }
}
