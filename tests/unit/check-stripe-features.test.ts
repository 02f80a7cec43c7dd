import { describe, expect, it } from 'vitest';
import { checkStripeFeatures, type ListedFeature } from '../../src/billing/check-stripe-features.js';
import { checkStripePrices, type ListedPrice } from '../../src/billing/check-stripe-prices.js';
import { featureExpectations, type FeatureExpectations } from '../../src/billing/verifier.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { formatDiagnostic } from '../../src/catalog/diagnostic.js';
import type { StripeKeyFacts } from '../../src/plan/plan-schema.js';
import { src, tierYaml } from '../support/sources.js';

const fact = (tier: string, product: string): StripeKeyFacts => ({ tier, price: `price_${product}`, product, product_name: product, unit_amount: 900, currency: 'eur', interval: 'month', livemode: false });
const feature = (lookup_key: string, active = true): ListedFeature => ({ lookup_key, name: lookup_key, active });
const KEYS = [
  { tier: 'pro', key: 'pro_monthly' },
  { tier: 'pro', key: 'pro_annual' },
];
const EXPECTED: FeatureExpectations = {
  tiers: { pro: { api_access: 'feat_api', exports: 'feat_export' } },
  owners: { feat_api: 'api_access', feat_export: 'exports', feat_sso: 'sso' },
};
const oneProduct = { pro_monthly: fact('pro', 'prod_a'), pro_annual: fact('pro', 'prod_a') };
const problems = (facts: Record<string, StripeKeyFacts>, features: Record<string, ListedFeature[]>, expected = EXPECTED) =>
  checkStripeFeatures(KEYS, facts, new Map(Object.entries(features)), expected).map((p) => ({ key: p.key, permission: p.permission, message: p.message }));

describe('checkStripeFeatures', () => {
  it('passes a product with exactly the declared features, checked once for two keys on it', () => {
    expect(problems(oneProduct, { prod_a: [feature('feat_export'), feature('feat_api')] })).toEqual([]);
  });

  it('reports a missing feature at its permission, an archived one at its permission, and extras at the permissions list', () => {
    const r = problems(oneProduct, { prod_a: [feature('feat_export', false), feature('feat_sso'), feature('feat_other', false)] });
    expect(r).toEqual([
      { key: 'pro_monthly', permission: 'api_access', message: 'permission "api_access" is Stripe feature "feat_api", but product prod_a (lookup key "pro_monthly") does not have it' },
      { key: 'pro_monthly', permission: 'exports', message: 'permission "exports" is Stripe feature "feat_export", which is archived in Stripe (attached to product prod_a (lookup key "pro_monthly"))' },
      { key: 'pro_monthly', permission: null, message: 'product prod_a (lookup key "pro_monthly") has Stripe feature "feat_other" (archived), which tier "pro" does not grant (no permission in catalog.yaml declares it)' },
      { key: 'pro_monthly', permission: null, message: 'product prod_a (lookup key "pro_monthly") has Stripe feature "feat_sso", which tier "pro" does not grant (it is permission "sso")' },
    ]);
  });

  it('reports two products of one tier whose features differ at the second key', () => {
    const facts = { pro_monthly: fact('pro', 'prod_a'), pro_annual: fact('pro', 'prod_b') };
    const r = problems(facts, { prod_a: [feature('feat_api'), feature('feat_export')], prod_b: [feature('feat_api')] });
    expect(r.map((p) => `${p.key}/${String(p.permission)}`)).toEqual(['pro_annual/exports', 'pro_annual/undefined']);
    expect(r[1]!.message).toBe('lookup keys "pro_monthly" and "pro_annual" of tier "pro" sell products with different Stripe features (prod_a: feat_api, feat_export; prod_b: feat_api)');
    // Same features on both products: no feature problem (one product per tier is checked elsewhere).
    expect(problems(facts, { prod_a: [feature('feat_api'), feature('feat_export')], prod_b: [feature('feat_export'), feature('feat_api')] })).toEqual([]);
  });

  it('skips tiers without expectations and products that were not listed (deleted, unresolved)', () => {
    expect(problems(oneProduct, { prod_a: [feature('feat_sso')] }, { tiers: {}, owners: {} })).toEqual([]);
    expect(problems(oneProduct, {})).toEqual([]);
  });
});

describe('featureExpectations', () => {
  it('maps each Stripe tier to the features of the permissions it grants, and is empty when no permission declares one', () => {
    const catalog = `permissions:
  batches.create: { description: Create batches, stripe_feature: feat_batches }
  inventory.view: View inventory
limits:
  users: { description: Seats }
`;
    const r = loadCatalog(src('tiers/catalog.yaml', catalog), [src('tiers/pro.yaml', tierYaml('pro').replace('[inventory.view]', '[batches.create, inventory.view]')), src('tiers/staff.yaml', 'key: staff\nname: Staff\nbilling: { provider: exempt }\npermissions: [batches.create]\n')]);
    if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
    expect(r.loaded.catalog.permissions).toEqual({ 'batches.create': 'Create batches', 'inventory.view': 'View inventory' });
    expect(r.loaded.stripeFeatures).toEqual({ 'batches.create': 'feat_batches' });
    expect(featureExpectations(r.loaded.catalog, r.loaded.stripeFeatures)).toEqual({ tiers: { pro: { 'batches.create': 'feat_batches' } }, owners: { feat_batches: 'batches.create' } });
    expect(featureExpectations(r.loaded.catalog, {})).toEqual({ tiers: {}, owners: {} });
  });
});

describe('the permission object form in catalog.yaml', () => {
  const load = (permissions: string) => loadCatalog(src('tiers/catalog.yaml', `permissions:\n${permissions}limits:\n  users: { description: Seats }\n`), [src('tiers/pro.yaml', tierYaml('pro'))]);
  const messages = (permissions: string) => {
    const r = load(permissions);
    return r.ok ? [] : r.diagnostics.map(formatDiagnostic);
  };
  it('points at an unknown field, a missing description and a bad feature key inside the object', () => {
    expect(messages('  inventory.view: { description: View, stripe_featur: feat_x }\n')).toEqual(['tiers/catalog.yaml:2:40: unknown field "stripe_featur" in permissions.inventory.view (did you mean "stripe_feature"?)']);
    expect(messages('  inventory.view: { stripe_feature: feat_x }\n')).toEqual(['tiers/catalog.yaml:2:19: missing required field "description" in permissions.inventory.view']);
    expect(messages('  inventory.view: { description: View, stripe_feature: "has space" }\n')[0]).toContain('is not a Stripe feature lookup key');
    expect(messages('  inventory.view: 42\n')).toEqual(['tiers/catalog.yaml:2:19: permissions.inventory.view must be a description, or { description, stripe_feature }']);
  });
  it('refuses one Stripe feature for two permissions, at the second', () => {
    expect(messages('  inventory.view: { description: View, stripe_feature: feat_x }\n  inventory.edit: { description: Edit, stripe_feature: feat_x }\n')).toEqual([
      'tiers/catalog.yaml:3:56: stripe_feature "feat_x" already represents permission "inventory.view" (tiers/catalog.yaml:2:56) (a Stripe feature represents one permission; give each its own feature)',
    ]);
  });
});

describe('checkStripePrices: one-time prices', () => {
  it('flags a lookup key that names a one-time (non-recurring) price', () => {
    const p: ListedPrice = { id: 'price_once', lookup_key: 'pro_monthly', active: true, livemode: false, currency: 'eur', unit_amount: 900, interval: null, product: { id: 'prod_a', name: 'Pro', active: true, deleted: false } };
    const r = checkStripePrices([{ tier: 'pro', key: 'pro_monthly' }], [p], 'test');
    expect(r.problems.map((x) => x.message)).toEqual(['lookup key "pro_monthly" names a one-time price (price_once); a tier needs a recurring price']);
    expect(checkStripePrices([{ tier: 'pro', key: 'pro_monthly' }], [{ ...p, interval: 'month' }], 'test').problems).toEqual([]);
  });
});
