import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { openCatalog } from '../../src/runtime/open-catalog.js';
import { bool, createAppTables, json, num } from '../support/app-schema.js';
import { ROOT } from '../support/cli.js';
import { BACKENDS, type Backend, type TestDatabase } from '../support/databases.js';
import { startFakeStripe, type FakePrice, type FakeStripe } from '../support/fake-stripe-server.js';
import { runMain } from '../support/run-main.js';

/**
 * The Orion example (issue 11, part 3) on the app's own tables, both databases: platform-
 * scoped tiers resolved through Orion's `platforms` table, and Stripe ID columns resolved
 * from lookup keys by the local Stripe-compatible server. The tables come from the example's
 * SQL and are read back with plain SQL, never through tierctl.
 */

const KEY = 'sk_test_orionExample000000000000Aa01';

type Interval = 'month' | 'year';
/** Stripe as Orion's dashboard left it: one product per tier, a monthly and (mostly) a yearly price, the IDs rows.sql holds. */
const STRIPE: { lookupPrefix: string; product: string; name: string; prices: [id: string, interval: Interval, cents: number][] }[] = [
  { lookupPrefix: 'essential', product: 'prod_OrionEssential', name: 'Essential', prices: [['price_1OrionEssentialMonth', 'month', 4900], ['price_1OrionEssentialYear', 'year', 49000]] },
  { lookupPrefix: 'professional', product: 'prod_OrionProfessional', name: 'Professional', prices: [['price_1OrionProfessionalMonth', 'month', 9900], ['price_1OrionProfessionalYear', 'year', 99000]] },
  { lookupPrefix: 'business', product: 'prod_OrionBusiness', name: 'Business', prices: [['price_1OrionBusinessMonth', 'month', 19900], ['price_1OrionBusinessYear', 'year', 199000]] },
  { lookupPrefix: 'enterprise', product: 'prod_OrionEnterprise', name: 'Enterprise', prices: [['price_1OrionEnterpriseMonth', 'month', 39900]] },
  { lookupPrefix: 'oms_starter', product: 'prod_OrionOmsStarter', name: 'OMS Starter', prices: [['price_1OrionOmsStarterMonth', 'month', 2900], ['price_1OrionOmsStarterYear', 'year', 29000]] },
  { lookupPrefix: 'oms_growth', product: 'prod_OrionOmsGrowth', name: 'OMS Growth', prices: [['price_1OrionOmsGrowthMonth', 'month', 7900], ['price_1OrionOmsGrowthYear', 'year', 79000]] },
  { lookupPrefix: 'loyalty_essential', product: 'prod_OrionLoyaltyEssential', name: 'Loyalty Essential', prices: [['price_1OrionLoyaltyEssentialMonth', 'month', 1900], ['price_1OrionLoyaltyEssentialYear', 'year', 19000]] },
  { lookupPrefix: 'loyalty_premium', product: 'prod_OrionLoyaltyPremium', name: 'Loyalty Premium', prices: [['price_1OrionLoyaltyPremiumMonth', 'month', 5900], ['price_1OrionLoyaltyPremiumYear', 'year', 59000]] },
  // Not in the table yet: the tier the test creates for loyalty.
  { lookupPrefix: 'loyalty_business', product: 'prod_OrionLoyaltyBusiness', name: 'Loyalty Business', prices: [['price_1OrionLoyaltyBusinessMonth', 'month', 9900]] },
];
const lookupKey = (prefix: string, interval: Interval) => `${prefix}_${interval === 'month' ? 'monthly' : 'annual'}`;

let created = 1_700_000_000;
function addPrice(fake: FakeStripe, id: string, lookup: string | null, product: string, interval: Interval, cents: number): void {
  const price: FakePrice = { id, lookup_key: lookup, product, active: true, livemode: false, currency: 'eur', unit_amount: cents, interval, created: created++ };
  fake.prices.set(id, price);
}
function seedStripe(fake: FakeStripe): void {
  fake.prices.clear();
  fake.products.clear();
  for (const t of STRIPE) {
    fake.products.set(t.product, { id: t.product, name: t.name, active: true, livemode: false });
    for (const [id, interval, cents] of t.prices) addPrice(fake, id, lookupKey(t.lookupPrefix, interval), t.product, interval, cents);
  }
}
/** A project with the example's catalog.yaml (its storage:) and nothing else, as a user starts. */
function workspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tierctl-orion-'));
  cpSync(path.join(ROOT, 'examples', 'orion', 'tiers', 'catalog.yaml'), path.join(dir, 'tiers', 'catalog.yaml'));
  return dir;
}
type TierDoc = Record<string, unknown>;
/** Tier files by their content, not their name: (key, platform) is the identity. */
function tierFiles(dir: string): { file: string; doc: TierDoc }[] {
  return readdirSync(path.join(dir, 'tiers'))
    .filter((f) => f.endsWith('.yaml') && f !== 'catalog.yaml')
    .map((f) => ({ file: f, doc: parse(readFileSync(path.join(dir, 'tiers', f), 'utf8')) as TierDoc }));
}
function tierFile(dir: string, key: string, platform: string | null = null): { file: string; doc: TierDoc } {
  const found = tierFiles(dir).filter((t) => t.doc['key'] === key && ((t.doc['platform'] as string | undefined) ?? null) === platform);
  if (found.length !== 1) throw new Error(`expected one tier file for ${key}@${platform ?? 'global'}, found ${found.length}`);
  return found[0]!;
}
function edit(dir: string, key: string, platform: string | null, fn: (t: TierDoc) => void): string {
  const { file, doc } = tierFile(dir, key, platform);
  fn(doc);
  writeFileSync(path.join(dir, 'tiers', file), stringify(doc));
  return file;
}

const sorted = (v: unknown) => (Array.isArray(v) ? [...(v as string[])].sort() : v);
type Row = Record<string, unknown>;
/** Every column of subscription_tiers but id and the timestamps, normalised across drivers (features sorted: a set). */
function shape(r: Row) {
  return {
    platform_id: num(r['platform_id']), code: r['code'], name: r['name'], description: r['description'],
    price_monthly_cents: num(r['price_monthly_cents']), price_annual_cents: num(r['price_annual_cents']),
    orders_per_month: num(r['orders_per_month']), products_limit: num(r['products_limit']), team_members: num(r['team_members']),
    order_history_months: num(r['order_history_months']), cms_pages_limit: num(r['cms_pages_limit']), cms_custom_pages_limit: num(r['cms_custom_pages_limit']),
    features: sorted(json(r['features'])),
    stripe_product_id: r['stripe_product_id'], stripe_price_monthly_id: r['stripe_price_monthly_id'], stripe_price_annual_id: r['stripe_price_annual_id'],
    display_order: num(r['display_order']), is_active: bool(r['is_active']), is_public: bool(r['is_public']),
  };
}
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const SELECT_TIERS = 'SELECT t.*, p.code AS platform_code FROM subscription_tiers t LEFT JOIN platforms p ON p.id = t.platform_id ORDER BY t.id';

async function tableNames(backend: Backend, db: TestDatabase): Promise<string[]> {
  const rows = backend.name === 'sqlite'
    ? await db.sql<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    : await db.sql<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name');
  return rows.map((r) => r.name);
}
async function indexNames(backend: Backend, db: TestDatabase): Promise<string[]> {
  const rows = backend.name === 'sqlite'
    ? await db.sql<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('platforms', 'subscription_tiers', 'vendor_subscriptions') AND name NOT LIKE 'sqlite_%' ORDER BY name")
    : await db.sql<{ name: string }>("SELECT indexname AS name FROM pg_indexes WHERE tablename IN ('platforms', 'subscription_tiers', 'vendor_subscriptions') ORDER BY indexname");
  return rows.map((r) => r.name);
}

let fake: FakeStripe;
beforeAll(async () => {
  fake = await startFakeStripe();
  fake.addKey(KEY);
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => seedStripe(fake));
/** The edits' plan (its changes) on each database: the same files and rows must plan the same. */
const plans: Partial<Record<Backend['name'], unknown[]>> = {};

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`the Orion example on its own tables (${backend.name})`, () => {
    let db: TestDatabase | undefined;
    let dir: string | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    });
    async function setUp() {
      db = await backend.create();
      await createAppTables(backend.name, db, 'orion');
      const d = workspace();
      dir = d;
      const withStripe = { DATABASE_URL: db.url, STRIPE_API_KEY: KEY, STRIPE_API_BASE: fake.url };
      const cli = (args: string[], env: Record<string, string | undefined> = withStripe) => runMain(args, { cwd: d, env });
      return { db, dir: d, cli, withStripe };
    }

    it('import (price IDs -> lookup keys, platform_id -> platform:), plan 0; edit global and platform tiers sharing a key, create a platform tier, move a lookup key in Stripe; apply; every column checked with plain SQL; plan 0', async () => {
      const { db, dir, cli } = await setUp();

      const imported = await cli(['import']);
      expect(imported.stderr).toBe('');
      expect(imported.code).toBe(0);
      expect(imported.stdout).toContain('Imported 8 tiers');
      // The files name lookup keys, never the IDs the table holds.
      for (const { file } of tierFiles(dir)) expect(readFileSync(path.join(dir, 'tiers', file), 'utf8')).not.toMatch(/price_1|prod_/);
      const essential = tierFile(dir, 'essential').doc;
      expect(essential).not.toHaveProperty('platform');
      expect(essential).toMatchObject({
        name: 'Essential', description: '100 orders/mo, 200 products, 1 user, LU invoicing', customer_facing: true, display_order: 1, status: 'active',
        limits: { orders_per_month: 100, products: 200, team_members: 1, order_history_months: 6, cms_pages: 5, cms_custom_pages: 2 },
        columns: { price_monthly_cents: 4900, price_annual_cents: 49000 },
      });
      expect(sorted(essential['permissions'])).toEqual(['cms_basic', 'customer_view', 'inventory_basic', 'invoice_lu', 'letzshop_sync']);
      expect(sorted((essential['billing'] as TierDoc)['lookup_keys'])).toEqual(['essential_annual', 'essential_monthly']);
      const loyaltyEssential = tierFile(dir, 'essential', 'loyalty').doc;
      expect(loyaltyEssential).toMatchObject({ platform: 'loyalty', name: 'Loyalty Essential', limits: { orders_per_month: null, products: null, team_members: 2 }, columns: { price_monthly_cents: 1900 } });
      expect(sorted((loyaltyEssential['billing'] as TierDoc)['lookup_keys'])).toEqual(['loyalty_essential_annual', 'loyalty_essential_monthly']);
      expect(tierFile(dir, 'enterprise').doc).toMatchObject({ customer_facing: false, billing: { lookup_keys: ['enterprise_monthly'] }, columns: { price_monthly_cents: 39900, price_annual_cents: null } });
      expect(tierFile(dir, 'starter', 'oms').doc).toMatchObject({ platform: 'oms', status: 'retired', customer_facing: false });

      expect(await cli(['plan', '--detailed-exitcode'])).toMatchObject({ code: 0 });

      const before = await db.sql<Row>(SELECT_TIERS);
      const subsBefore = await db.sql<Row>('SELECT id, vendor_id, tier_id, tier FROM vendor_subscriptions ORDER BY id');
      const platformsBefore = await db.sql('SELECT id, code, name FROM platforms ORDER BY id');
      const tablesBefore = await tableNames(backend, db);
      const indexesBefore = await indexNames(backend, db);
      const idOf = (code: string, platform: string | null) => before.find((r) => r['code'] === code && (r['platform_code'] ?? null) === platform)?.['id'];
      const loyaltyId = num(before.find((r) => r['platform_code'] === 'loyalty')?.['platform_id']);

      // vendor_subscriptions.tier_id points at rows: a platform tier with a subscriber cannot be deleted.
      const starter = tierFile(dir, 'starter', 'oms');
      rmSync(path.join(dir, 'tiers', starter.file));
      const del = await cli(['plan', '--detailed-exitcode', '--format', 'json']);
      expect(del.code, del.stderr).toBe(3);
      expect((JSON.parse(del.stdout) as { blocked: { tier: string; action: string; reason: string }[] }).blocked).toEqual([{ tier: 'starter@oms', action: 'delete', reason: expect.stringContaining('1 subscriber') }]);
      writeFileSync(path.join(dir, 'tiers', starter.file), stringify(starter.doc));

      // Same key, two scopes: each edit lands on its own row.
      edit(dir, 'essential', null, (t) => {
        (t['limits'] as Record<string, number>)['orders_per_month'] = 150;
        (t['permissions'] as string[]).push('customer_export');
      });
      edit(dir, 'essential', 'loyalty', (t) => {
        t['description'] = 'Points, rewards and a second seat';
        (t['limits'] as Record<string, number>)['team_members'] = 3;
        t['permissions'] = (t['permissions'] as string[]).filter((p) => p !== 'cms_basic');
      });
      // A new loyalty tier whose key is also a global tier's.
      writeFileSync(path.join(dir, 'tiers', 'business@loyalty.yaml'), stringify({
        key: 'business', platform: 'loyalty', name: 'Loyalty Business', description: 'Loyalty for chains of shops', customer_facing: true, display_order: 22, status: 'active',
        billing: { provider: 'stripe', lookup_keys: ['loyalty_business_monthly'] },
        limits: { orders_per_month: null, products: null, team_members: 10, order_history_months: null, cms_pages: null, cms_custom_pages: 20 },
        permissions: ['loyalty_points', 'loyalty_rewards', 'loyalty_tiers', 'customer_view', 'customer_export', 'api_access'],
        columns: { price_monthly_cents: 9900, price_annual_cents: null },
      }));
      // Someone moves professional_monthly to a new price in Stripe; no file changes for it.
      fake.transferLookupKey('professional_monthly', { id: 'price_1OrionProfessionalMonth2026', product: 'prod_OrionProfessional', active: true, livemode: false, currency: 'eur', unit_amount: 10900, interval: 'month', created: created++ });

      const plan = await cli(['plan', '--detailed-exitcode', '--format', 'json']);
      expect(plan.code, plan.stderr).toBe(2);
      plans[backend.name] = (JSON.parse(plan.stdout) as { changes: unknown[] }).changes;
      const changes = (JSON.parse(plan.stdout) as { changes: { action: string; tier?: string }[] }).changes.map((c) => `${c.action}:${c.tier ?? ''}`);
      expect(changes.sort()).toEqual(['create:business@loyalty', 'update:essential', 'update:essential@loyalty', 'update:professional']);
      expect(plan.stdout).toContain('price_1OrionProfessionalMonth2026');
      const text = await cli(['plan']);
      expect(text.stdout).toMatch(/essential@loyalty/);
      expect(text.stdout).toMatch(/business@loyalty/);
      // Without Stripe the ID columns are not compared: the moved key shows nowhere, and the plan says so.
      const blind = await cli(['plan', '--skip-stripe', '--format', 'json']);
      const blindPlan = JSON.parse(blind.stdout) as { changes: { action: string; tier?: string }[]; stripe: { unresolved_columns?: string[] } };
      expect(blindPlan.changes.map((c) => `${c.action}:${c.tier ?? ''}`).sort()).toEqual(['create:business@loyalty', 'update:essential', 'update:essential@loyalty']);
      expect(blindPlan.stripe.unresolved_columns).toEqual(['stripe_price_annual_id', 'stripe_price_monthly_id', 'stripe_product_id']);
      expect(blind.stdout).not.toContain('price_1OrionProfessionalMonth2026');

      const applied = await cli(['apply', '--auto-approve']);
      expect(applied.code, applied.stderr).toBe(0);

      const after = await db.sql<Row>(SELECT_TIERS);
      const row = (code: string, platform: string | null) => after.find((r) => r['code'] === code && (r['platform_code'] ?? null) === platform) as Row;
      expect(after.map((r) => `${String(r['code'])}${r['platform_code'] ? `@${String(r['platform_code'])}` : ''}`)).toEqual([
        'essential', 'professional', 'business', 'enterprise', 'starter@oms', 'growth@oms', 'essential@loyalty', 'premium@loyalty', 'business@loyalty',
      ]);
      expect(shape(row('essential', null))).toEqual({
        platform_id: null, code: 'essential', name: 'Essential', description: '100 orders/mo, 200 products, 1 user, LU invoicing', price_monthly_cents: 4900, price_annual_cents: 49000,
        orders_per_month: 150, products_limit: 200, team_members: 1, order_history_months: 6, cms_pages_limit: 5, cms_custom_pages_limit: 2,
        features: ['cms_basic', 'customer_export', 'customer_view', 'inventory_basic', 'invoice_lu', 'letzshop_sync'],
        stripe_product_id: 'prod_OrionEssential', stripe_price_monthly_id: 'price_1OrionEssentialMonth', stripe_price_annual_id: 'price_1OrionEssentialYear',
        display_order: 1, is_active: true, is_public: true,
      });
      expect(shape(row('essential', 'loyalty'))).toEqual({
        platform_id: loyaltyId, code: 'essential', name: 'Loyalty Essential', description: 'Points, rewards and a second seat', price_monthly_cents: 1900, price_annual_cents: 19000,
        orders_per_month: null, products_limit: null, team_members: 3, order_history_months: 12, cms_pages_limit: 5, cms_custom_pages_limit: 1,
        features: ['customer_view', 'loyalty_points', 'loyalty_rewards'],
        stripe_product_id: 'prod_OrionLoyaltyEssential', stripe_price_monthly_id: 'price_1OrionLoyaltyEssentialMonth', stripe_price_annual_id: 'price_1OrionLoyaltyEssentialYear',
        display_order: 20, is_active: true, is_public: true,
      });
      // The moved lookup key: only the resolved ID changed.
      expect(shape(row('professional', null))).toEqual({ ...shape(before.find((r) => r['id'] === idOf('professional', null)) as Row), stripe_price_monthly_id: 'price_1OrionProfessionalMonth2026' });
      expect(shape(row('business', 'loyalty'))).toEqual({
        platform_id: loyaltyId, code: 'business', name: 'Loyalty Business', description: 'Loyalty for chains of shops', price_monthly_cents: 9900, price_annual_cents: null,
        orders_per_month: null, products_limit: null, team_members: 10, order_history_months: null, cms_pages_limit: null, cms_custom_pages_limit: 20,
        features: ['api_access', 'customer_export', 'customer_view', 'loyalty_points', 'loyalty_rewards', 'loyalty_tiers'],
        stripe_product_id: 'prod_OrionLoyaltyBusiness', stripe_price_monthly_id: 'price_1OrionLoyaltyBusinessMonth', stripe_price_annual_id: null,
        display_order: 22, is_active: true, is_public: true,
      });
      // The global business tier is untouched by its loyalty namesake.
      for (const [code, platform] of [['business', null], ['enterprise', null], ['starter', 'oms'], ['growth', 'oms'], ['premium', 'loyalty']] as const) {
        expect(row(code, platform)).toEqual(before.find((r) => r['id'] === idOf(code, platform)));
      }
      // Updated rows keep their id and the app's created_at; updated_at moved. The new row has both.
      for (const [code, platform] of [['essential', null], ['essential', 'loyalty'], ['professional', null]] as const) {
        const old = before.find((r) => r['id'] === idOf(code, platform)) as Row;
        expect(row(code, platform)['id']).toEqual(old['id']);
        expect(String(row(code, platform)['created_at'])).toBe(String(old['created_at']));
        expect(String(row(code, platform)['updated_at'])).not.toBe(String(old['updated_at']));
      }
      expect(row('business', 'loyalty')['created_at']).not.toBeNull();
      expect(row('business', 'loyalty')['updated_at']).not.toBeNull();

      // The subscribers, the platforms and the schema are the app's, unchanged.
      expect(await db.sql('SELECT id, vendor_id, tier_id, tier FROM vendor_subscriptions ORDER BY id')).toEqual(subsBefore);
      expect(await db.sql('SELECT id, code, name FROM platforms ORDER BY id')).toEqual(platformsBefore);
      expect(tablesBefore).toEqual(['platforms', 'subscription_tiers', 'vendor_subscriptions']);
      expect(await tableNames(backend, db)).toEqual(['platforms', 'subscription_tiers', 'tierctl_reconcile_run', 'tierctl_tierctl_migration', 'vendor_subscriptions']);
      expect(await indexNames(backend, db)).toEqual(indexesBefore);
      expect(indexesBefore).toContain('idx_tier_platform_active');

      expect(await cli(['plan', '--detailed-exitcode'])).toMatchObject({ code: 0 });
      // Without Stripe every row keeps its IDs (each tier's own row, whatever its key's other scopes hold).
      expect(await cli(['plan', '--detailed-exitcode', '--skip-stripe'])).toMatchObject({ code: 0 });
      expect(await cli(['drift'])).toMatchObject({ code: 0 });
      const history = JSON.parse((await cli(['history', '--format', 'json'])).stdout) as { status: string }[];
      expect(history.map((r) => r.status)).toEqual(['applied']);
      const shown = await cli(['history', '--run', '1', '--format', 'json']);
      expect(shown.stdout).toContain('"essential@loyalty"');
      expect(shown.stdout).toContain('"business@loyalty"');

      // The runtime API reads the same rows through the description: the loyalty view of a key, the subscriber's row id.
      const catalog = await openCatalog({ database: db.url, tiersDir: path.join(dir, 'tiers') });
      try {
        expect(catalog.limit('essential', 'team_members', { platform: 'loyalty' })).toBe(3);
        expect(catalog.limit('essential', 'orders_per_month')).toBe(150);
        expect(catalog.can('business', 'loyalty_tiers', { platform: 'loyalty' })).toBe(true);
        expect(catalog.can('business', 'loyalty_tiers')).toBe(false);
        const vendor103 = subsBefore.find((v) => num(v['vendor_id']) === 103) as Row;
        expect(catalog.tierById(num(vendor103['tier_id']) as number)).toMatchObject({ key: 'essential@loyalty', platform: 'loyalty', name: 'Loyalty Essential' });
      } finally {
        await catalog.close();
      }
    });

    it('an unknown platform code in a tier file is refused at its line, and nothing is written', async () => {
      const { db, dir, cli } = await setUp();
      expect((await cli(['import'])).code).toBe(0);
      const before = await db.sql<Row>(SELECT_TIERS);
      const file = edit(dir, 'growth', 'oms', (t) => void (t['platform'] = 'pos'));
      const line = readFileSync(path.join(dir, 'tiers', file), 'utf8').split('\n').findIndex((l) => l.startsWith('platform:')) + 1;

      for (const args of [['plan'], ['apply', '--auto-approve']]) {
        const r = await cli(args);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`tiers/${escapeRe(file)}:${line}:\\d+: .*\\bpos\\b`));
        expect(r.stderr).toContain('platforms');
        expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      }
      expect(await db.sql<Row>(SELECT_TIERS)).toEqual(before);
    });

    it('import without a Stripe key refuses clearly, and writes no tier file', async () => {
      const { db, dir, cli } = await setUp();
      const r = await cli(['import'], { DATABASE_URL: db.url });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/STRIPE_API_KEY/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readdirSync(path.join(dir, 'tiers'))).toEqual(['catalog.yaml']);
    });
  });
}

describe.skipIf(BACKENDS.some((b) => b.skip))('the Orion example on both databases', () => {
  it('planned the same changes on SQLite and PostgreSQL', () => {
    expect(plans.sqlite).toBeDefined();
    expect(plans.postgres).toEqual(plans.sqlite);
  });
});
