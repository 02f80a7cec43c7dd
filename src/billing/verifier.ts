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
  tier: string;
  key: string;
}

export interface PriceVerifier {
  /** Resolves every key; never writes to the provider. */
  verify(keys: readonly BillingKeyRef[]): Promise<Omit<VerificationResult, 'notes'>>;
}

export function billingKeysOf(catalog: Catalog, provider: 'stripe' | 'whop'): BillingKeyRef[] {
  const out: BillingKeyRef[] = [];
  for (const t of Object.values(catalog.tiers)) {
    if (t.billing_provider === provider) for (const key of t.billing_keys) out.push({ tier: t.key, key });
  }
  return out;
}
