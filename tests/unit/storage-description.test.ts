import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { ROOT } from '../support/cli.js';
import { CATALOG_YAML, src, tierYaml } from '../support/sources.js';

const BATCHTRACK = readFileSync(path.join(ROOT, 'examples/batchtrack/tiers/catalog.yaml'), 'utf8');
const PAYMENTS = readFileSync(path.join(ROOT, 'examples/payments/tiers/catalog.yaml'), 'utf8');
const ORION = readFileSync(path.join(ROOT, 'examples/orion/tiers/catalog.yaml'), 'utf8');
const ORION_ESSENTIAL = `key: essential
name: Essential
display_order: 1
billing: { provider: stripe, lookup_keys: [essential_monthly, essential_annual] }
limits: { orders_per_month: 100, products: 200, team_members: 1, order_history_months: 6, cms_pages: 5, cms_custom_pages: 2 }
permissions: [letzshop_sync, invoice_lu]
columns: { price_monthly_cents: 4900, price_annual_cents: 49000 }
`;

const HOBBYIST = `key: hobbyist
name: Hobbyist
billing: { provider: stripe, lookup_keys: [hobbyist_monthly], fallback_price: "$9/mo" }
limits: { users: 1 }
permissions: [batches.create]
`;
const PRO_PLAN = `key: pro
name: Pro
description: Priority support
display_order: 2
limits: { credits_per_period: 1000, max_products_per_batch: 100, max_api_calls_per_day: 1000, requests_per_minute: 50, requests_per_hour: 2000 }
permissions: [api_access, csv_upload]
columns: { price: 29.99, currency: USD, billing_interval: month, lemon_squeezy_variant_id: ls_var_pro }
`;

function load(catalogText: string, files: Record<string, string>) {
  return loadCatalog(src('tiers/catalog.yaml', catalogText), Object.entries(files).map(([f, t]) => src(f, t)));
}
function problems(catalogText: string, files: Record<string, string>): string[] {
  const r = load(catalogText, files);
  return r.ok ? [] : r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`);
}
/** The line of the first occurrence of `text` in `source` (1-based). */
const lineOf = (source: string, text: string) => source.split('\n').findIndex((l) => l.includes(text)) + 1;

describe('storage: resolving the examples', () => {
  it('Orion: platforms through the app\'s platform table, resolved Stripe ID columns, six limit columns, features as a JSON array', () => {
    const loyalty = ORION_ESSENTIAL.replace('key: essential\n', 'key: essential\nplatform: loyalty\n').replace(/essential_(monthly|annual)/g, 'loyalty_essential_$1');
    const r = load(ORION, { 'tiers/essential.yaml': ORION_ESSENTIAL, 'tiers/essential@loyalty.yaml': loyalty });
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    const d = r.loaded.storage?.description;
    expect(d).toMatchObject({
      tier: { table: 'subscription_tiers', keyColumn: 'code', idColumn: 'id', platform: { kind: 'table', column: 'platform_id', table: 'platforms', idColumn: 'id', codeColumn: 'code' } },
      limits: { kind: 'columns' },
      permissions: { kind: 'json' },
      subscribers: { table: 'vendor_subscriptions', column: 'tier_id', references: 'id' },
    });
    expect(d?.tier.columns['products_limit']).toEqual({ kind: 'limit', limit: 'products' });
    expect(d?.tier.columns['cms_custom_pages_limit']).toEqual({ kind: 'limit', limit: 'cms_custom_pages' });
    expect(d?.tier.columns['features']).toEqual({ kind: 'permissions-json', shape: 'array' });
    expect(d?.tier.columns['stripe_price_annual_id']).toEqual({ kind: 'stripe', object: 'price', interval: 'year' });
    expect(d?.tier.columns['stripe_product_id']).toEqual({ kind: 'stripe', object: 'product' });
    expect(d?.tier.columns['is_public']).toEqual({ kind: 'field', field: 'customer_facing' });
    expect(d?.tier.columns['price_annual_cents']).toEqual({ kind: 'tier-column', name: 'price_annual_cents' });
    // One key, two scopes: two tiers.
    expect(Object.keys(r.loaded.catalog.tiers)).toEqual(['essential', 'essential@loyalty']);
    expect(r.loaded.catalog.tiers['essential@loyalty']).toMatchObject({ key: 'essential', platform: 'loyalty', billing_keys: ['loyalty_essential_annual', 'loyalty_essential_monthly'] });
    // Two global tiers of one key are refused, although the table itself has no unique constraint to say so.
    expect(problems(ORION, { 'tiers/essential.yaml': ORION_ESSENTIAL, 'tiers/essential2.yaml': ORION_ESSENTIAL.replace(/essential_(monthly|annual)/g, 'other_$1') })).toEqual([
      expect.stringMatching(/^tiers\/essential2?\.yaml:1:6: tier key "essential" is already used by /),
    ]);
  });

  it('BatchTrack: limit, billing-key and mapped columns, a join table, subscribers by id', () => {
    const r = load(BATCHTRACK, { 'tiers/hobbyist.yaml': HOBBYIST });
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    const d = r.loaded.storage?.description;
    expect(d).toMatchObject({
      origin: 'app',
      tier: { table: 'subscription_tier', keyColumn: 'key', idColumn: 'id' },
      limits: { kind: 'columns' },
      permissions: { kind: 'join', table: 'subscription_tier_permission', vocabulary: { table: 'permission', descriptionColumn: 'description' } },
      billingKeys: { kind: 'columns' },
      subscribers: { table: 'organization', column: 'subscription_tier_id', references: 'id' },
    });
    expect(d?.at).toMatchObject({ file: 'tiers/catalog.yaml', line: lineOf(BATCHTRACK, 'tiers:') });
    expect(d?.tier.columns['user_limit']).toEqual({ kind: 'limit', limit: 'users' });
    expect(d?.tier.columns['billing_provider']).toEqual({ kind: 'field', field: 'billing_provider' });
    expect(d?.tier.columns['is_billing_exempt']).toEqual({ kind: 'map', field: 'billing_provider', values: { stripe: false, whop: false, exempt: true } });
    expect(d?.tier.columns['stripe_lookup_key']).toEqual({ kind: 'billing-key', provider: 'stripe' });
    expect(d?.tier.columns['created_at']).toEqual({ kind: 'timestamp', on: 'create' });
    // Untracked fields take their defaults; BatchTrack stores no status, protected or display_order.
    expect(r.loaded.catalog.tiers['hobbyist']).toMatchObject({ status: 'active', protected: false, display_order: 0, fallback_price: '$9/mo', limits: { users: 1 } });
    expect(r.loaded.catalog.permissions).toHaveProperty('batches.create');
  });

  it('payments: the key is the primary key, JSON flags, per-tier columns, no billing, subscribers by key', () => {
    const r = load(PAYMENTS, { 'tiers/pro.yaml': PRO_PLAN });
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    const d = r.loaded.storage?.description;
    expect(d).toMatchObject({
      tier: { table: 'subscription_plans', keyColumn: 'id', idColumn: null },
      limits: { kind: 'columns' },
      permissions: { kind: 'json' },
      billingKeys: { kind: 'none' },
      subscribers: { table: 'user_subscriptions', column: 'plan_id', references: 'key' },
    });
    expect(d?.tier.columns['features']).toEqual({ kind: 'permissions-json', shape: 'object' });
    expect(d?.tier.columns['price']).toEqual({ kind: 'tier-column', name: 'price' });
    expect(d?.tier.columns['is_active']).toEqual({ kind: 'map', field: 'status', values: { active: true, retired: false } });
    const pro = r.loaded.catalog.tiers['pro'];
    expect(pro).toMatchObject({ billing_provider: 'exempt', billing_keys: [], display_order: 2, permissions: ['api_access', 'csv_upload'] });
    // Every per-tier column is present on both sides of the diff; unset ones are null.
    expect(pro?.columns).toEqual({ billing_interval: 'month', currency: 'USD', lemon_squeezy_product_id: null, lemon_squeezy_variant_id: 'ls_var_pro', price: 29.99 });
    // JSON permissions keep no vocabulary table: descriptions are not tracked.
    expect(r.loaded.catalog.permissions).toEqual({});
  });

  it('a limit column a tier leaves out is planned as null (unlimited), for the live check to refuse on NOT NULL', () => {
    const r = load(PAYMENTS, { 'tiers/pro.yaml': PRO_PLAN.replace('requests_per_hour: 2000 ', '') });
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.loaded.catalog.tiers['pro']?.limits['requests_per_hour']).toBeNull();
  });
});

describe('storage: descriptions refused at their line', () => {
  const cases: [string, (s: string) => string, string, RegExp][] = [
    ['a declared limit with no column', (s) => s.replace('limits:\n', 'limits:\n  batches: { description: Batches }\n'), '  batches:', /limit "batches" has no column in storage.tiers.columns/],
    ['a map that misses a value', (s) => s.replace('whop: false, exempt: true', 'exempt: true'), 'is_billing_exempt', /map of billing.provider lacks "whop"/],
    ['a map that cannot be read back', (s) => s.replace('      billing_provider: billing.provider\n', '').replace('stripe_lookup_key: { billing_key: stripe }', 'stripe_lookup_key: description'), 'is_billing_exempt', /both map to false, so the column cannot be read back/],
    ['the same field in two columns', (s) => s.replace('      description: description\n', '      description: description\n      title: name\n'), 'title: name', /name is already stored in column "name"/],
    ['a limit not declared', (s) => s.replace('{ limit: users }', '{ limit: seats }'), 'user_limit: {', /limit "seats" is not declared under limits:/],
    ['an unknown source', (s) => s.replace('fallback_price: billing.fallback_price', 'fallback_price: billing.price'), 'fallback_price: billing.price', /storage.tiers.columns.fallback_price/],
    ['the key column listed again', (s) => s.replace('      name: name\n', '      name: name\n      key: name\n'), '      key: name', /column "key" is already the key column/],
    ['limits both as rows and as columns', (s) => `${s}  limits: { table: tier_limit, tier_column: tier_id, name_column: limit_key, value_column: value }\n`, '  limits: { table', /limits are stored both in a limit table and as columns/],
  ];
  for (const [what, edit, at, message] of cases) {
    it(what, () => {
      const text = edit(BATCHTRACK);
      const found = problems(text, { 'tiers/hobbyist.yaml': HOBBYIST });
      expect(found.some((p) => message.test(p) && p.startsWith(`tiers/catalog.yaml:${lineOf(text, at)}:`)), found.join('\n')).toBe(true);
    });
  }

  it('subscribers by id when the key is the primary key', () => {
    const text = PAYMENTS.replace('references: key', 'references: id');
    const found = problems(text, { 'tiers/pro.yaml': PRO_PLAN });
    expect(found).toEqual([expect.stringMatching(new RegExp(`^tiers/catalog.yaml:${lineOf(text, 'references: id')}:\\d+: subscribers reference the tier id, but storage.tiers has no id column`))]);
  });
});

describe('storage: tier files needing what the storage does not hold are refused at their line', () => {
  const cases: [string, string, Record<string, string>, string, RegExp][] = [
    ['status: retired without a status column', BATCHTRACK, { 'tiers/hobbyist.yaml': `${HOBBYIST}status: retired\n` }, 'status:', /this tier is retired, but subscription_tier has no column for status/],
    ['protected without a protected column', BATCHTRACK, { 'tiers/hobbyist.yaml': `${HOBBYIST}protected: true\n` }, 'protected:', /has no column for protected/],
    ['two lookup keys into one column', BATCHTRACK, { 'tiers/hobbyist.yaml': HOBBYIST.replace('[hobbyist_monthly]', '[hobbyist_monthly, hobbyist_yearly]') }, 'billing:', /subscription_tier.stripe_lookup_key holds one lookup key, and this tier lists 2/],
    ['columns: the description does not declare', BATCHTRACK, { 'tiers/hobbyist.yaml': `${HOBBYIST}columns: { tier_type: paid }\n` }, 'columns:', /column "tier_type" is not a per_tier column of subscription_tier/],
    ['billing: on a storage without a provider', PAYMENTS, { 'tiers/pro.yaml': `${PRO_PLAN}billing: { provider: exempt }\n` }, 'billing:', /stores no billing provider/],
    ['a rename where the key is the primary key', PAYMENTS, { 'tiers/pro.yaml': `${PRO_PLAN}renamed_from: [professional]\n` }, 'renamed_from:', /keyed by its primary key id, so a tier cannot be renamed/],
    ['columns: without storage:', CATALOG_YAML, { 'tiers/pro.yaml': `${tierYaml('pro')}columns: { price: 1 }\n` }, 'columns:', /columns: holds values for an app's own tier table/],
  ];
  for (const [what, catalogText, files, at, message] of cases) {
    it(what, () => {
      const [file, text] = Object.entries(files)[0] as [string, string];
      const found = problems(catalogText, files);
      expect(found.some((p) => message.test(p) && p.startsWith(`${file}:${lineOf(text, at)}:`)), found.join('\n')).toBe(true);
    });
  }

  it('a tier file without billing: is still refused for tierctl\'s own tables', () => {
    const found = problems(CATALOG_YAML, { 'tiers/pro.yaml': 'key: pro\nname: Pro\n' });
    expect(found).toEqual([expect.stringMatching(/^tiers\/pro.yaml:1:1: missing required field "billing"/)]);
  });
});
