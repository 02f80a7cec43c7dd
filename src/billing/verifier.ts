import type { Catalog } from '../catalog/model.js';
import type { StripeKeyFacts } from '../plan/plan-schema.js';

/**
 * The seam in front of billing providers. The planner only sees the result: facts to
 * show and problems to report at the key's line. Adding a provider means adding a
 * verifier here, not touching the planner.
 */
export interface KeyProblem {
  tier: string;
  /** The billing key as written in the tier file. */
  key: string;
  message: string;
  hint?: string;
  /**
   * Where the problem is reported instead of the key's line: a permission the tier grants,
   * or null for the tier's `permissions:` list (Stripe feature parity).
   */
  permission?: string | null;
}

/**
 * Stripe feature parity (catalog.yaml `stripe_feature`): what each Stripe-billed tier's
 * product must carry. Empty `owners` means no permission declares a feature: no check.
 */
export interface FeatureExpectations {
  /** Tier ref (`key`, `key@platform`) -> permission -> feature lookup key, for the permissions it grants that declare one. */
  tiers: Record<string, Record<string, string>>;
  /** Feature lookup key -> the permission that declares it. */
  owners: Record<string, string>;
}

export function featureExpectations(catalog: Catalog, stripeFeatures: Readonly<Record<string, string>>): FeatureExpectations {
  const owners: Record<string, string> = {};
  for (const [permission, feature] of Object.entries(stripeFeatures)) owners[feature] = permission;
  const tiers: Record<string, Record<string, string>> = {};
  if (Object.keys(owners).length === 0) return { tiers, owners };
  for (const [ref, t] of Object.entries(catalog.tiers)) {
    if (t.billing_provider !== 'stripe') continue;
    const want: Record<string, string> = {};
    for (const p of t.permissions) if (stripeFeatures[p] !== undefined) want[p] = stripeFeatures[p];
    tiers[ref] = want;
  }
  return { tiers, owners };
}

export interface VerificationResult {
  verified: boolean;
  /** Why keys were not verified (no API key, --skip-stripe); shown loudly. */
  reason?: string;
  facts: Record<string, StripeKeyFacts>;
  problems: KeyProblem[];
  /** Non-fatal notes, e.g. providers without a verifier. */
  notes: { tier: string; message: string }[];
}

export interface BillingKeyRef {
  /** The tier's ref (`key`, or `key@platform`), as plans and tier-file positions name it. */
  tier: string;
  key: string;
}

export interface PriceVerifier {
  /** Resolves every key; never writes to the provider. */
  verify(keys: readonly BillingKeyRef[], features?: FeatureExpectations): Promise<Omit<VerificationResult, 'notes'>>;
}

export function billingKeysOf(catalog: Catalog, provider: 'stripe' | 'whop'): BillingKeyRef[] {
  const out: BillingKeyRef[] = [];
  for (const [ref, t] of Object.entries(catalog.tiers)) {
    if (t.billing_provider === provider) for (const key of t.billing_keys) out.push({ tier: ref, key });
  }
  return out;
}
