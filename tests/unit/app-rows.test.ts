import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog, type LoadedCatalog } from '../../src/catalog/load-catalog.js';
import type { StorageDescription } from '../../src/store/storage-description.js';
import { rowToTier, tierToRow } from '../../src/store/tier-rows.js';
import { ROOT } from '../support/cli.js';
import { src } from '../support/sources.js';

/**
 * Row <-> tier for the kinds an app's own table uses (limit columns, JSON permissions,
 * single billing-key columns, value maps, per-tier columns, key as primary key), without a
 * database: rows as each driver returns them.
 */
function example(name: string, files: Record<string, string>): LoadedCatalog {
  const r = loadCatalog(src('tiers/catalog.yaml', readFileSync(path.join(ROOT, 'examples', name, 'tiers/catalog.yaml'))), Object.entries(files).map(([f, t]) => src(f, t)));
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.loaded;
}
const none = { permissions: [], limits: {}, billingKeys: [] };
const NOW = new Date('2026-01-02T03:04:05Z');

const batchtrack = example('batchtrack', {
  'tiers/team.yaml': 'key: team\nname: Team\nbilling: { provider: stripe, lookup_keys: [team_monthly], fallback_price: "$49/mo" }\nlimits: { users: 5 }\npermissions: [batches.create]\n',
  'tiers/staff.yaml': 'key: staff\nname: Staff\ncustomer_facing: false\nbilling: { provider: exempt }\nlimits: { users: 1000 }\n',
  'tiers/shop.yaml': 'key: shop\nname: Shop\nbilling: { provider: whop, product_key: prod_Shop1 }\nlimits: { users: 3 }\n',
});
const payments = example('payments', {
  'tiers/pro.yaml': 'key: pro\nname: Pro\nstatus: retired\ndisplay_order: 2\nlimits: { credits_per_period: 1000, max_products_per_batch: 100, max_api_calls_per_day: 1000, requests_per_minute: 50, requests_per_hour: 2000 }\npermissions: [csv_upload, api_access]\ncolumns: { price: 29.99, currency: USD, billing_interval: month }\n',
});
const bt = batchtrack.storage?.description as StorageDescription;
const pay = { ...(payments.storage?.description as StorageDescription) };
pay.tier = { ...pay.tier, types: { price: 'decimal', currency: 'string', billing_interval: 'string', lemon_squeezy_variant_id: 'string', lemon_squeezy_product_id: 'string' } };

describe('tier -> row for an app table', () => {
  it('BatchTrack: limit column, single key columns, the derived exempt flag, timestamps only where due', () => {
    const team = batchtrack.catalog.tiers['team']!;
    expect(tierTo(bt, team, true)).toEqual({
      key: 'team', name: 'Team', description: null, user_limit: 5, is_customer_facing: true, billing_provider: 'stripe', is_billing_exempt: false,
      stripe_lookup_key: 'team_monthly', whop_product_key: null, fallback_price: '$49/mo', created_at: NOW, updated_at: NOW,
    });
    expect(tierTo(bt, batchtrack.catalog.tiers['staff']!, false)).toMatchObject({ is_billing_exempt: true, billing_provider: 'exempt', stripe_lookup_key: null, whop_product_key: null, is_customer_facing: false });
    expect(tierTo(bt, batchtrack.catalog.tiers['shop']!, false)).toMatchObject({ whop_product_key: 'prod_Shop1', stripe_lookup_key: null });
    // An update keeps the app's created_at: the create timestamp is not written.
    expect(tierTo(bt, team, false)).not.toHaveProperty('created_at');
  });

  it('payments: key as primary key, status through its map, sort order, per-tier columns, JSON flags', () => {
    const row = tierTo(pay, payments.catalog.tiers['pro']!, true);
    expect(row).toMatchObject({ id: 'pro', is_active: false, sort_order: 2, price: 29.99, currency: 'USD', lemon_squeezy_variant_id: null, credits_per_period: 1000, requests_per_hour: 2000 });
    expect(row['features']).toEqual({ api_access: true, csv_upload: true });
    expect(row).not.toHaveProperty('billing_provider');
  });
});

describe('row -> tier for an app table', () => {
  it('reads SQLite rows (0/1 booleans, JSON text) and PostgreSQL rows (booleans, NUMERIC strings, parsed JSON) alike', () => {
    const sqlite = { id: 'pro', name: 'Pro', description: null, price: 29.99, currency: 'USD', billing_interval: 'month', credits_per_period: 1000, max_products_per_batch: 100, max_api_calls_per_day: 1000, requests_per_minute: 50, requests_per_hour: 2000, features: '{"csv_upload": true, "api_access": true, "white_label": false}', lemon_squeezy_variant_id: null, lemon_squeezy_product_id: null, is_active: 0, sort_order: 2 };
    const postgres = { ...sqlite, price: '29.99', features: { csv_upload: true, api_access: true, white_label: false }, is_active: false, credits_per_period: '1000' };
    for (const row of [sqlite, postgres]) {
      const tier = rowToTier(pay, row, none);
      expect(tier).toMatchObject({ key: 'pro', status: 'retired', display_order: 2, billing_provider: 'exempt', billing_keys: [], limits: { credits_per_period: 1000, requests_per_hour: 2000 } });
      expect([...tier.permissions].sort()).toEqual(['api_access', 'csv_upload']);
      expect(tier.columns).toEqual({ price: 29.99, currency: 'USD', billing_interval: 'month', lemon_squeezy_variant_id: null, lemon_squeezy_product_id: null });
    }
  });

  it('a JSON array column of names', () => {
    const d: StorageDescription = { ...pay, tier: { ...pay.tier, columns: { ...pay.tier.columns, features: { kind: 'permissions-json', shape: 'array' } } } };
    expect(rowToTier(d, { id: 'pro', name: 'Pro', features: '["b", "a"]' }, none).permissions).toEqual(['b', 'a']);
    expect(tierTo(d, { ...payments.catalog.tiers['pro']!, permissions: ['b', 'a'] }, false)['features']).toEqual(['a', 'b']);
  });

  it('BatchTrack: the provider column wins over the derived exempt flag; the key of the row\'s provider is read', () => {
    const row = { id: 4, key: 'shop', name: 'Shop', description: null, user_limit: 3, is_customer_facing: 1, billing_provider: 'whop', is_billing_exempt: 0, stripe_lookup_key: null, whop_product_key: 'prod_Shop1', fallback_price: null };
    expect(rowToTier(bt, row, none)).toMatchObject({ billing_provider: 'whop', billing_keys: ['prod_Shop1'], limits: { users: 3 }, customer_facing: true });
  });

  it('round-trips every example tier: tier -> row -> tier', () => {
    for (const [d, loaded] of [[bt, batchtrack], [pay, payments]] as const) {
      for (const tier of Object.values(loaded.catalog.tiers)) {
        const back = rowToTier(d, tierTo(d, tier, true), { permissions: d === bt ? tier.permissions : [], limits: {}, billingKeys: [] });
        expect({ ...back, permissions: [...back.permissions].sort() }).toEqual({ ...tier, permissions: [...tier.permissions].sort() });
      }
    }
  });
});

function tierTo(d: StorageDescription, tier: Parameters<typeof tierToRow>[1], creating: boolean): Record<string, unknown> {
  return tierToRow(d, tier, NOW, creating);
}
