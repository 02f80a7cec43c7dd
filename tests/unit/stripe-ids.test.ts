import { describe, expect, it } from 'vitest';
import { lookupKeysFromPrices, rowPriceIds } from '../../src/billing/lookup-keys-from-prices.js';
import type { ListedPrice } from '../../src/billing/check-stripe-prices.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import type { Catalog, Tier } from '../../src/catalog/model.js';
import { diff } from '../../src/plan/diff.js';
import type { StripeKeyFacts, StripeReport } from '../../src/plan/plan-schema.js';
import { resolveStripeIds, stripeIdColumns, type StripeIdColumns } from '../../src/plan/resolve-stripe-ids.js';
import { STRIPE_ID_COLUMNS_CATALOG as CATALOG, src } from '../support/sources.js';

/** Issue 11 part 2, the pure halves: the description, the resolution, import's lookup keys. */

const ESSENTIAL = 'key: essential\nname: Essential\nbilling:\n  provider: stripe\n  lookup_keys: [essential_monthly, essential_annual]\n';

function load(catalogText: string, files: Record<string, string>) {
  return loadCatalog(src('tiers/catalog.yaml', catalogText), Object.entries(files).map(([f, t]) => src(f, t)));
}
function problems(catalogText: string, files: Record<string, string>): string[] {
  const r = load(catalogText, files);
  return r.ok ? [] : r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`);
}

const tier = (key: string, extra: Partial<Tier> = {}): Tier => ({
  key, name: key, description: null, customer_facing: true, display_order: 0, status: 'active', protected: false,
  billing_provider: 'stripe', billing_keys: [], fallback_price: null, limits: {}, permissions: [], ...extra,
});
const catalogOf = (...tiers: Tier[]): Catalog => ({ permissions: {}, tiers: Object.fromEntries(tiers.map((t) => [t.key, t])) });
const fact = (tierKey: string, price: string, interval: string | null, product = `prod_${tierKey}`): StripeKeyFacts => ({
  tier: tierKey, price, product, product_name: null, unit_amount: 100, currency: 'eur', interval, livemode: false,
});
const SPEC: StripeIdColumns = {
  table: 'plans',
  columns: [
    { column: 'stripe_price_annual_id', object: 'price', interval: 'year', notNull: false },
    { column: 'stripe_price_monthly_id', object: 'price', interval: 'month', notNull: false },
    { column: 'stripe_product_id', object: 'product', notNull: false },
  ],
  keepsProvider: false,
  keepsKeys: false,
};
const verified = (keys: Record<string, StripeKeyFacts>): StripeReport => ({ verified: true, keys });

describe('storage: {stripe: price|product} columns', () => {
  it('resolve into stripe sources, and the loader keeps billing: as their source although no column stores it', () => {
    const r = load(CATALOG, { 'tiers/essential.yaml': ESSENTIAL });
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    const d = r.loaded.storage!.description;
    expect(d.tier.columns['stripe_price_annual_id']).toEqual({ kind: 'stripe', object: 'price', interval: 'year' });
    expect(d.tier.columns['stripe_product_id']).toEqual({ kind: 'stripe', object: 'product' });
    expect(r.loaded.storage!.stored.stripeColumns).toEqual(['stripe_price_annual_id', 'stripe_price_monthly_id', 'stripe_product_id']);
    expect(r.loaded.catalog.tiers['essential']).toMatchObject({ billing_provider: 'stripe', billing_keys: ['essential_annual', 'essential_monthly'] });
    expect(stripeIdColumns(d)).toEqual({ ...SPEC, columns: SPEC.columns });
  });

  it('are refused at their line: a price without interval, a product with one, an unknown interval, two homes for one ID', () => {
    const bad = CATALOG.replace('{ stripe: product }', '{ stripe: product, interval: month }')
      .replace('{ stripe: price, interval: month }', '{ stripe: price }')
      .replace('{ stripe: price, interval: year }', '{ stripe: price, interval: annual }');
    expect(problems(bad, { 'tiers/essential.yaml': ESSENTIAL })).toEqual([
      'tiers/catalog.yaml:10:45: storage.tiers.columns.stripe_product_id.interval is not allowed here (remove it)',
      'tiers/catalog.yaml:11:32: missing required field "interval" in storage.tiers.columns.stripe_price_monthly_id',
      'tiers/catalog.yaml:12:58: storage.tiers.columns.stripe_price_annual_id.interval must be one of: day, week, month, year',
    ]);
    const twice = `${CATALOG}      price_again: { stripe: price, interval: month }\n`;
    expect(problems(twice, { 'tiers/essential.yaml': ESSENTIAL })).toEqual([
      'tiers/catalog.yaml:13:20: the ID of the price recurring every month is already stored in column "stripe_price_monthly_id" (store each resolved ID in one column)',
    ]);
  });

  it('cannot be written from a tier file (columns: holds per_tier values only)', () => {
    expect(problems(CATALOG, { 'tiers/essential.yaml': `${ESSENTIAL}columns: { stripe_price_monthly_id: price_by_hand }\n` })).toEqual([
      'tiers/essential.yaml:6:12: column "stripe_price_monthly_id" is not a per_tier column of plans (declare it in catalog.yaml as  stripe_price_monthly_id: per_tier  under storage.tiers.columns)',
    ]);
  });
});

describe('resolveStripeIds', () => {
  const desired = catalogOf(tier('essential', { billing_keys: ['essential_annual', 'essential_monthly'] }), tier('free', { billing_provider: 'exempt' }));

  it('takes each column from the price of the matching interval and the product, null where none matches, and drops unstored billing', () => {
    const stripe = verified({ essential_annual: fact('essential', 'price_y', 'year'), essential_monthly: fact('essential', 'price_m', 'month') });
    const r = resolveStripeIds({ catalog: desired, renamedFrom: {} }, catalogOf(), stripe, SPEC);
    expect(r.problems).toEqual([]);
    expect(r.unresolved).toEqual([]);
    expect(r.catalog.tiers['essential']).toMatchObject({ billing_provider: 'exempt', billing_keys: [], columns: { stripe_price_annual_id: 'price_y', stripe_price_monthly_id: 'price_m', stripe_product_id: 'prod_essential' } });
    expect(r.catalog.tiers['free']?.columns).toEqual({ stripe_price_annual_id: null, stripe_price_monthly_id: null, stripe_product_id: null });
  });

  it('shows a moved lookup key as an ordinary column update', () => {
    const actual = catalogOf({ ...tier('essential', { billing_provider: 'exempt' }), columns: { stripe_price_annual_id: 'price_y', stripe_price_monthly_id: 'price_m', stripe_product_id: 'prod_essential' } });
    const stripe = verified({ essential_annual: fact('essential', 'price_y', 'year'), essential_monthly: fact('essential', 'price_m2', 'month') });
    const r = resolveStripeIds({ catalog: catalogOf(desired.tiers['essential']!), renamedFrom: {} }, actual, stripe, SPEC);
    expect(diff({ catalog: r.catalog, renamedFrom: {} }, actual).changes).toEqual([
      { kind: 'tier', action: 'update', tier: 'essential', fields: { columns: { stripe_price_monthly_id: { before: 'price_m', after: 'price_m2' } } } },
    ]);
  });

  it('refuses two lookup keys of one interval, and no match for a NOT NULL column, naming keys, prices and intervals', () => {
    const stripe = verified({ essential_annual: fact('essential', 'price_y', 'year'), essential_monthly: fact('essential', 'price_m', 'month'), essential_monthly_eu: fact('essential', 'price_m_eu', 'month') });
    const notNull = { ...SPEC, columns: SPEC.columns.map((c) => ({ ...c, notNull: true })) };
    const r = resolveStripeIds({ catalog: catalogOf({ ...desired.tiers['essential']!, billing_keys: ['essential_annual', 'essential_monthly', 'essential_monthly_eu'] }), renamedFrom: {} }, catalogOf(), stripe, notNull);
    expect(r.problems).toEqual([
      {
        tier: 'essential',
        column: 'stripe_price_monthly_id',
        message: 'plans.stripe_price_monthly_id holds one price recurring every month, and lookup keys "essential_monthly" and "essential_monthly_eu" of this tier both name one (price_m, price_m_eu)',
        hint: 'keep one lookup key with a monthly recurring price on this tier',
      },
    ]);
    const onlyMonthly = resolveStripeIds({ catalog: catalogOf(tier('pro', { billing_keys: ['pro_m'] })), renamedFrom: {} }, catalogOf(), verified({ pro_m: fact('pro', 'price_pm', 'month') }), notNull);
    expect(onlyMonthly.problems.map((p) => `${p.column}: ${p.message} (${p.hint})`)).toEqual([
      'stripe_price_annual_id: plans.stripe_price_annual_id is NOT NULL, and no lookup key of this tier names a price recurring every year ("pro_m": month) (add the lookup key of a yearly recurring price to billing.lookup_keys)',
    ]);
  });

  it('without Stripe keeps each row\'s IDs (a renamed tier its old row\'s), gives a new tier null, lists the columns unresolved, and refuses a new tier a NOT NULL column', () => {
    const actual = catalogOf({ ...tier('basic', { billing_provider: 'exempt' }), columns: { stripe_price_annual_id: null, stripe_price_monthly_id: 'price_old', stripe_product_id: 'prod_old' } });
    const stripe: StripeReport = { verified: false, reason: '--skip-stripe was given', keys: {} };
    const r = resolveStripeIds({ catalog: desired, renamedFrom: { essential: ['basic'] } }, actual, stripe, SPEC);
    expect(r.unresolved).toEqual(['stripe_price_annual_id', 'stripe_price_monthly_id', 'stripe_product_id']);
    expect(r.catalog.tiers['essential']?.columns).toEqual(actual.tiers['basic']?.columns);
    expect(r.catalog.tiers['free']?.columns).toEqual({ stripe_price_annual_id: null, stripe_price_monthly_id: null, stripe_product_id: null });
    expect(diff({ catalog: r.catalog, renamedFrom: { essential: ['basic'] } }, actual).changes.filter((c) => c.kind === 'tier' && c.action === 'update')).toEqual([
      { kind: 'tier', action: 'update', tier: 'essential', fields: { name: { before: 'basic', after: 'essential' } } },
    ]);
    const notNull = { ...SPEC, columns: [{ column: 'stripe_product_id', object: 'product' as const, notNull: true }] };
    expect(resolveStripeIds({ catalog: desired, renamedFrom: { essential: ['basic'] } }, actual, stripe, notNull).problems).toEqual([
      { tier: 'free', column: 'stripe_product_id', message: 'plans.stripe_product_id is NOT NULL and holds an ID Stripe resolves, so a new tier cannot be created without asking Stripe (--skip-stripe was given)', hint: 'plan with STRIPE_API_KEY set, without --skip-stripe' },
    ]);
  });
});

describe('lookupKeysFromPrices (import from price IDs)', () => {
  const rows = catalogOf(
    { ...tier('essential', { billing_provider: 'exempt' }), columns: { stripe_price_annual_id: 'price_y', stripe_price_monthly_id: 'price_m', stripe_product_id: 'prod_e' } },
    { ...tier('free', { billing_provider: 'exempt' }), columns: { stripe_price_annual_id: null, stripe_price_monthly_id: null, stripe_product_id: null } },
  );
  const listed = (id: string, lookupKey: string | null, interval: string | null): ListedPrice => ({ id, lookup_key: lookupKey, active: true, livemode: false, currency: 'eur', unit_amount: 1, interval, product: 'prod_e' });

  it('lists the price IDs the rows hold (product IDs are not prices)', () => {
    expect(rowPriceIds(rows, SPEC.columns)).toEqual([
      { tier: 'essential', column: 'stripe_price_annual_id', price: 'price_y' },
      { tier: 'essential', column: 'stripe_price_monthly_id', price: 'price_m' },
    ]);
  });

  it('sets each tier\'s lookup keys from its prices; a tier without price IDs stays exempt', () => {
    const r = lookupKeysFromPrices(rows, rowPriceIds(rows, SPEC.columns), new Map([['price_y', listed('price_y', 'ess_y', 'year')], ['price_m', listed('price_m', 'ess_m', 'month')]]));
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.catalog.tiers['essential']).toMatchObject({ billing_provider: 'stripe', billing_keys: ['ess_m', 'ess_y'] });
    expect(r.catalog.tiers['free']).toMatchObject({ billing_provider: 'exempt', billing_keys: [] });
  });

  it('reports a price without a lookup key with what to set in Stripe, and a price Stripe does not have', () => {
    const r = lookupKeysFromPrices(rows, rowPriceIds(rows, SPEC.columns), new Map<string, ListedPrice | 'missing'>([['price_y', listed('price_y', null, 'year')], ['price_m', 'missing']]));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => `${p.tier} ${p.column} ${p.price}: ${p.message}`)).toEqual([
      'essential stripe_price_annual_id price_y: price price_y has no lookup key',
      'essential stripe_price_monthly_id price_m: Stripe has no price price_m',
    ]);
    expect(r.problems[0]?.hint).toContain('stripe prices update price_y --lookup-key=essential_year');
  });
});
