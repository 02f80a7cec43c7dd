import { describe, expect, it } from 'vitest';
import { billingKeysOf, featureExpectations } from '../../src/billing/verifier.js';
import { normaliseCatalog, type Tier } from '../../src/catalog/model.js';
import type { StripeKeyFacts, StripeReport } from '../../src/plan/plan-schema.js';
import { resolveStripeIds, type StripeIdColumns } from '../../src/plan/resolve-stripe-ids.js';

/**
 * A global tier and a platform tier may share a key (Orion: essential and essential@loyalty).
 * Stripe verification and the resolved ID columns must treat them as two tiers: by ref.
 */

const tier = (key: string, platform: string | undefined, extra: Partial<Tier> = {}): Tier => ({
  key, ...(platform ? { platform } : {}), name: key, description: null, customer_facing: true, display_order: 0, status: 'active', protected: false,
  billing_provider: 'stripe', billing_keys: [], fallback_price: null, limits: {}, permissions: [], ...extra,
});
const GLOBAL = tier('essential', undefined, { billing_keys: ['essential_monthly'], permissions: ['api_access'], columns: { stripe_price_monthly_id: 'price_global_old', stripe_product_id: 'prod_global' } });
const LOYALTY = tier('essential', 'loyalty', { billing_keys: ['loyalty_essential_monthly'], permissions: ['loyalty_points'], columns: { stripe_price_monthly_id: 'price_loyalty', stripe_product_id: 'prod_loyalty' } });
const catalog = normaliseCatalog({}, [GLOBAL, LOYALTY]);
const fact = (tierRef: string, price: string, product: string): StripeKeyFacts => ({ tier: tierRef, price, product, product_name: null, unit_amount: 100, currency: 'eur', interval: 'month', livemode: false });
const SPEC: StripeIdColumns = {
  table: 'subscription_tiers',
  columns: [
    { column: 'stripe_price_monthly_id', object: 'price', interval: 'month', notNull: false },
    { column: 'stripe_product_id', object: 'product', notNull: false },
  ],
  keepsProvider: false,
  keepsKeys: false,
};
const columnsOf = (c: { tiers: Record<string, Tier> }) => Object.fromEntries(Object.entries(c.tiers).map(([ref, t]) => [ref, t.columns]));

describe('tiers sharing a key across platforms, in Stripe verification and resolved IDs', () => {
  it('billing keys and feature expectations name the tier by ref', () => {
    expect(billingKeysOf(catalog, 'stripe')).toEqual([
      { tier: 'essential', key: 'essential_monthly' },
      { tier: 'essential@loyalty', key: 'loyalty_essential_monthly' },
    ]);
    expect(featureExpectations(catalog, { api_access: 'feat_api', loyalty_points: 'feat_points' }).tiers).toEqual({
      essential: { api_access: 'feat_api' },
      'essential@loyalty': { loyalty_points: 'feat_points' },
    });
  });

  it('each tier gets the IDs of its own lookup keys', () => {
    const stripe: StripeReport = { verified: true, keys: { essential_monthly: fact('essential', 'price_global_new', 'prod_global'), loyalty_essential_monthly: fact('essential@loyalty', 'price_loyalty', 'prod_loyalty') } };
    const r = resolveStripeIds({ catalog, renamedFrom: {} }, catalog, stripe, SPEC);
    expect(r.problems).toEqual([]);
    expect(columnsOf(r.catalog)).toEqual({
      essential: { stripe_price_monthly_id: 'price_global_new', stripe_product_id: 'prod_global' },
      'essential@loyalty': { stripe_price_monthly_id: 'price_loyalty', stripe_product_id: 'prod_loyalty' },
    });
  });

  it('without Stripe each tier keeps its own row\'s IDs', () => {
    const stripe: StripeReport = { verified: false, reason: '--skip-stripe was given', keys: {} };
    const desired = normaliseCatalog({}, [{ ...GLOBAL, columns: {} }, { ...LOYALTY, columns: {} }]);
    const r = resolveStripeIds({ catalog: desired, renamedFrom: {} }, catalog, stripe, SPEC);
    expect(columnsOf(r.catalog)).toEqual(columnsOf(catalog));
  });
});
