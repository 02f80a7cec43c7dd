import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_LOOKUP_KEYS_PER_REQUEST } from '../../src/billing/stripe-price-verifier.js';
import { billingKeysOf } from '../../src/billing/verifier.js';
import type { Catalog } from '../../src/catalog/model.js';
import { workdirWithTiers } from '../support/cli.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe-server.js';
import { runMain } from '../support/run-main.js';
import { seedCatalog, type SeededKey } from '../support/stripe-catalog-seed.js';
import { loadReference } from '../support/sources.js';

/**
 * Stripe feature parity through the real SDK against the Stripe-compatible fake: catalog.yaml
 * maps permissions to Stripe Entitlements features, and `tierctl plan` checks that each
 * Stripe-billed tier's product carries exactly the features of the permissions it grants.
 */
const KEY = 'sk_test_featureParity000000000000Ab12';
const reference = loadReference().catalog;
/** Permission -> Stripe feature lookup key, as catalog.yaml declares it in this test. */
const FEATURES: Record<string, string> = { api_access: 'orion_api_access', 'recipes.manage': 'batchtrack_recipes', analytics_dashboard: 'orion_analytics' };
const stripeTiers = [...new Set(billingKeysOf(reference, 'stripe').map((k) => k.tier))];

let fake: FakeStripe;
let seeded: SeededKey[];
let cwd: string;

/** Attaches to each Stripe tier's product the features of the permissions it grants (a healthy account). */
function seedFeatures(catalog: Catalog): void {
  for (const [permission, lookupKey] of Object.entries(FEATURES)) {
    fake.features.set(`feat_${lookupKey}`, { id: `feat_${lookupKey}`, lookup_key: lookupKey, name: permission, active: true, livemode: false });
  }
  for (const tier of stripeTiers) {
    const ids = catalog.tiers[tier]!.permissions.filter((p) => FEATURES[p]).map((p) => `feat_${FEATURES[p]}`);
    fake.productFeatures.set(`prod_test_${tier}`, ids);
  }
}

/** catalog.yaml with the object form for the mapped permissions, next to the plain form for the rest. */
function declareFeatures(): void {
  const file = path.join(cwd, 'tiers', 'catalog.yaml');
  let text = readFileSync(file, 'utf8');
  for (const [permission, lookupKey] of Object.entries(FEATURES)) {
    const line = new RegExp(`^  ${permission.replace('.', '\\.')}: (.+)$`, 'm');
    if (!line.test(text)) throw new Error(`${permission} not in catalog.yaml`);
    text = text.replace(line, `  ${permission}: { description: $1, stripe_feature: ${lookupKey} }`);
  }
  writeFileSync(file, text);
}

/** file:line:col of a word in a tier file's flow list (`permissions: [...]` or `lookup_keys: [...]`), or of the `permissions` key itself. */
function positionIn(file: string, listKey: 'permissions' | 'lookup_keys', word?: string): string {
  const lines = readFileSync(path.join(cwd, 'tiers', file), 'utf8').split('\n');
  const i = lines.findIndex((l) => new RegExp(`^\\s*${listKey}:`).test(l));
  if (i < 0) throw new Error(`${listKey} not in ${file}`);
  if (word === undefined) return `tiers/${file}:${i + 1}:${lines[i]!.search(/\S/) + 1}`;
  const col = lines[i]!.search(new RegExp(`(?<=[\\[ ,])${word.replace('.', '\\.')}(?=[\\],])`));
  if (col < 0) throw new Error(`${word} not in ${file}:${i + 1}`);
  return `tiers/${file}:${i + 1}:${col + 1}`;
}

const plan = (env: Record<string, string> = {}) => runMain(['plan', '--database', `sqlite:${path.join(cwd, 'state.sqlite')}`], { cwd, env: { STRIPE_API_KEY: KEY, STRIPE_API_BASE: fake.url, ...env } });
const featureCalls = () => fake.requests.filter((r) => /^\/v1\/products\/[^/]+\/features$/.test(r.path));

beforeEach(async () => {
  fake = await startFakeStripe({ latencyMs: 20 });
  fake.addKey(KEY);
  seeded = seedCatalog(fake, reference);
  seedFeatures(reference);
  cwd = workdirWithTiers();
  declareFeatures();
});
afterEach(async () => {
  await fake.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe('GET /v1/products/:id/features on the fake, through the real SDK', () => {
  it('lists product_feature objects with their entitlement_feature, auto-paged, and 404s an unknown product', async () => {
    const stripe = new Stripe(KEY, { host: '127.0.0.1', port: fake.port, protocol: 'http', maxNetworkRetries: 0 });
    const many = Array.from({ length: 5 }, (_, i) => ({ id: `feat_x${i}`, lookup_key: `x${i}`, name: `X ${i}`, active: i !== 3, livemode: false, metadata: { n: String(i) } }));
    for (const f of many) fake.features.set(f.id, f);
    fake.productFeatures.set('prod_test_business', many.map((f) => f.id));
    const all = await stripe.products.listFeatures('prod_test_business', { limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(all.map((pf) => pf.entitlement_feature)).toEqual(many.map((f) => ({ ...f, object: 'entitlements.feature' })));
    expect(all.every((pf) => pf.object === 'product_feature' && pf.livemode === false && pf.id.startsWith('prodft_'))).toBe(true);
    expect(featureCalls()).toHaveLength(3); // 2 + 2 + 1
    await expect(stripe.products.listFeatures('prod_nope').autoPagingToArray({ limit: 10 })).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });
});

describe('tierctl plan: Stripe feature parity', () => {
  it('passes a healthy account with one read-only features call per distinct product, at most 4 in flight', async () => {
    const r = await plan();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('lookup keys verified');
    const priceCalls = fake.requests.filter((q) => q.path === '/v1/prices');
    expect(priceCalls).toHaveLength(Math.ceil(seeded.length / MAX_LOOKUP_KEYS_PER_REQUEST));
    expect(featureCalls().map((q) => q.path).sort()).toEqual(stripeTiers.map((t) => `/v1/products/prod_test_${t}/features`).sort());
    expect(stripeTiers.length).toBeGreaterThan(4);
    expect(fake.maxInFlight).toBeLessThanOrEqual(4);
    expect(fake.requests.every((q) => q.method === 'GET')).toBe(true);
  });

  it('makes no features call when no permission declares a stripe_feature', async () => {
    writeFileSync(path.join(cwd, 'tiers', 'catalog.yaml'), readFileSync(path.join(process.cwd(), 'tiers', 'catalog.yaml')));
    fake.productFeatures.set('prod_test_hobbyist', ['feat_orion_api_access']); // would be "extra" if checked
    const r = await plan();
    expect(r.code, r.stderr).toBe(0);
    expect(featureCalls()).toEqual([]);
  });

  it('reports a missing, an extra, an archived feature, two products with different features and a one-time price, each at its line', async () => {
    // hobbyist grants recipes.manage, but its product lost the feature
    fake.productFeatures.set('prod_test_hobbyist', []);
    // professional does not grant api_access, but its product has the feature
    fake.productFeatures.get('prod_test_professional')!.push('feat_orion_api_access');
    // the analytics feature was archived in Stripe (business and enterprise grant it)
    fake.features.get('feat_orion_analytics')!.active = false;
    // essential's yearly price sits on another product, which carries a feature essential does not grant
    fake.products.set('prod_test_essential_alt', { id: 'prod_test_essential_alt', name: 'Essential (alt)', active: true, livemode: false });
    fake.productFeatures.set('prod_test_essential_alt', ['feat_batchtrack_recipes']);
    fake.prices.get('price_test_essential_annual')!.product = 'prod_test_essential_alt';
    // enterprise's key names a one-time price
    fake.prices.get('price_test_enterprise_monthly')!.interval = null;

    const r = await plan();
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const lines = r.stderr.split('\n').filter((l) => /^tiers\//.test(l));
    const expected = [
      `${positionIn('business.yaml', 'permissions', 'analytics_dashboard')}: permission "analytics_dashboard" is Stripe feature "orion_analytics", which is archived in Stripe`,
      `${positionIn('enterprise.yaml', 'lookup_keys', 'enterprise_monthly')}: lookup key "enterprise_monthly" names a one-time price (price_test_enterprise_monthly); a tier needs a recurring price`,
      `${positionIn('enterprise.yaml', 'permissions', 'analytics_dashboard')}: permission "analytics_dashboard" is Stripe feature "orion_analytics", which is archived in Stripe`,
      // Keys are taken in sorted order, so on a one-to-one tie the annual key's product is the tier's.
      `${positionIn('essential.yaml', 'lookup_keys', 'essential_monthly')}: lookup key "essential_monthly" belongs to product prod_test_essential, but "essential_annual" of the same tier belongs to prod_test_essential_alt`,
      `${positionIn('essential.yaml', 'lookup_keys', 'essential_monthly')}: lookup keys "essential_annual" and "essential_monthly" of tier "essential" sell products with different Stripe features (prod_test_essential_alt: batchtrack_recipes; prod_test_essential: none)`,
      `${positionIn('essential.yaml', 'permissions')}: product prod_test_essential_alt (lookup key "essential_annual") has Stripe feature "batchtrack_recipes", which tier "essential" does not grant (it is permission "recipes.manage")`,
      `${positionIn('hobbyist.yaml', 'permissions', 'recipes.manage')}: permission "recipes.manage" is Stripe feature "batchtrack_recipes", but product prod_test_hobbyist (lookup key "hobbyist_monthly") does not have it`,
      `${positionIn('professional.yaml', 'permissions')}: product prod_test_professional (lookup key "professional_annual") has Stripe feature "orion_api_access", which tier "professional" does not grant (it is permission "api_access")`,
    ];
    for (const e of expected) expect(lines.some((l) => l.startsWith(e)), `missing: ${e}\n---\n${lines.join('\n')}`).toBe(true);
    expect(lines).toHaveLength(expected.length);
    expect(r.stderr).toContain(`error: ${expected.length} problems in the billing keys`);
    expect(fake.requests.every((q) => q.method === 'GET')).toBe(true);
  });
});
