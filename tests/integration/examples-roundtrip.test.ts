import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { openCatalog } from '../../src/runtime/open-catalog.js';
import { bool, createAppTables, json, num } from '../support/app-schema.js';
import { ROOT } from '../support/cli.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { runMain } from '../support/run-main.js';

/**
 * Adoption on the seed apps' own tables (issue 10, part 3): the app's schema from the
 * example's SQL, live rows, then import -> plan at 0 -> edits -> apply -> the app's tables
 * read back with plain SQL, column by column -> plan at 0 again. Both databases.
 */

/** A project with the example's catalog.yaml (its storage:) and nothing else, as a user starts. */
function workspace(example: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `tierctl-${example}-`));
  cpSync(path.join(ROOT, 'examples', example, 'tiers', 'catalog.yaml'), path.join(dir, 'tiers', 'catalog.yaml'));
  return dir;
}
const readTier = (dir: string, key: string) => parse(readFileSync(path.join(dir, 'tiers', `${key}.yaml`), 'utf8')) as Record<string, unknown>;
const writeTier = (dir: string, key: string, value: Record<string, unknown>) => writeFileSync(path.join(dir, 'tiers', `${key}.yaml`), stringify(value));
const edit = (dir: string, key: string, fn: (t: Record<string, unknown>) => void) => {
  const t = readTier(dir, key);
  fn(t);
  writeTier(dir, key, t);
};

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`examples round-trip on the app's own tables (${backend.name})`, () => {
    let db: TestDatabase | undefined;
    let dir: string | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('batchtrack: import, plan 0, edit (limit, grant, rename, create; retire refused: no status column), apply, every column checked, plan 0', async () => {
      db = await backend.create();
      await createAppTables(backend.name, db, 'batchtrack');
      dir = workspace('batchtrack');
      const env = { DATABASE_URL: db.url };
      const cli = (...args: string[]) => runMain(args, { cwd: dir, env });

      const imported = await cli('import');
      expect(imported.stderr).toBe('');
      expect(imported.stdout).toContain('Imported 4 tiers and 6 permissions');
      expect(readTier(dir, 'whop_team')).toMatchObject({ billing: { provider: 'whop', product_key: 'prod_WhopTeam01', fallback_price: '$45/mo' }, limits: { users: 5 } });
      expect(readTier(dir, 'exempt')).toMatchObject({ customer_facing: false, billing: { provider: 'exempt' } });
      expect(readTier(dir, 'exempt')).not.toHaveProperty('status'); // BatchTrack stores no status
      expect(await cli('plan', '--detailed-exitcode', '--skip-stripe')).toMatchObject({ code: 0 });

      const before = await db.sql<Record<string, unknown>>('SELECT * FROM subscription_tier ORDER BY id');
      const orgsBefore = await db.sql<Record<string, unknown>>('SELECT id, name, subscription_tier_id FROM organization ORDER BY id');
      const idOf = (key: string) => before.find((r) => r['key'] === key)?.['id'];

      // Retiring needs a status column this storage does not have: refused at the line, nothing written.
      edit(dir, 'whop_team', (t) => void (t['status'] = 'retired'));
      const retire = await cli('plan', '--skip-stripe');
      expect(retire.code).toBe(1);
      expect(retire.stderr).toMatch(/tiers\/whop_team.yaml:\d+:\d+: this tier is retired, but subscription_tier has no column for status/);
      edit(dir, 'whop_team', (t) => void delete t['status']);

      edit(dir, 'team', (t) => void ((t['limits'] as Record<string, number>)['users'] = 8));
      const hobbyist = readTier(dir, 'hobbyist');
      rmSync(path.join(dir, 'tiers', 'hobbyist.yaml'));
      writeTier(dir, 'maker', { ...hobbyist, key: 'maker', name: 'Maker', renamed_from: ['hobbyist'], permissions: [...(hobbyist['permissions'] as string[]), 'reports.export'] });
      writeTier(dir, 'pro', { key: 'pro', name: 'Pro', description: 'For growing shops', billing: { provider: 'stripe', lookup_keys: ['pro_monthly'], fallback_price: '$99/mo' }, limits: { users: 20 }, permissions: ['batches.create', 'reports.export'] });

      const plan = await cli('plan', '--detailed-exitcode', '--skip-stripe', '--format', 'json');
      expect(plan.code).toBe(2);
      const changes = (JSON.parse(plan.stdout) as { changes: { action: string; tier?: string }[] }).changes.map((c) => `${c.action}:${c.tier ?? ''}`);
      expect(changes).toEqual(expect.arrayContaining(['rename:maker', 'create:pro', 'update:maker', 'update:team']));

      const applied = await cli('apply', '--auto-approve', '--skip-stripe');
      expect(applied.code, applied.stderr).toBe(0);

      // No table was created, altered or dropped besides tierctl's own bookkeeping (prefixed).
      const tables = backend.name === 'sqlite'
        ? await db.sql<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        : await db.sql<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name');
      expect(tables.map((t) => t.name)).toEqual(['organization', 'permission', 'subscription_tier', 'subscription_tier_permission', 'tierctl_reconcile_run', 'tierctl_tierctl_migration']);

      const after = await db.sql<Record<string, unknown>>('SELECT * FROM subscription_tier ORDER BY id');
      const row = (key: string) => after.find((r) => r['key'] === key) as Record<string, unknown>;
      const shape = (r: Record<string, unknown>) => ({
        name: r['name'], key: r['key'], description: r['description'], user_limit: num(r['user_limit']), is_customer_facing: bool(r['is_customer_facing']),
        billing_provider: r['billing_provider'], is_billing_exempt: bool(r['is_billing_exempt']), stripe_lookup_key: r['stripe_lookup_key'], whop_product_key: r['whop_product_key'], fallback_price: r['fallback_price'],
      });
      expect(after.map((r) => r['key'])).toEqual(['exempt', 'maker', 'team', 'whop_team', 'pro']);
      expect(shape(row('exempt'))).toEqual({ name: 'Exempt', key: 'exempt', description: 'Staff and partner accounts', user_limit: 1000, is_customer_facing: false, billing_provider: 'exempt', is_billing_exempt: true, stripe_lookup_key: null, whop_product_key: null, fallback_price: '$0' });
      expect(shape(row('maker'))).toEqual({ name: 'Maker', key: 'maker', description: 'For solo makers', user_limit: 1, is_customer_facing: true, billing_provider: 'stripe', is_billing_exempt: false, stripe_lookup_key: 'hobbyist_monthly', whop_product_key: null, fallback_price: '$9/mo' });
      expect(shape(row('team'))).toEqual({ name: 'Team', key: 'team', description: 'For small teams', user_limit: 8, is_customer_facing: true, billing_provider: 'stripe', is_billing_exempt: false, stripe_lookup_key: 'team_monthly', whop_product_key: null, fallback_price: '$49/mo' });
      expect(shape(row('whop_team'))).toEqual({ name: 'Whop Team', key: 'whop_team', description: null, user_limit: 5, is_customer_facing: true, billing_provider: 'whop', is_billing_exempt: false, stripe_lookup_key: null, whop_product_key: 'prod_WhopTeam01', fallback_price: '$45/mo' });
      expect(shape(row('pro'))).toEqual({ name: 'Pro', key: 'pro', description: 'For growing shops', user_limit: 20, is_customer_facing: true, billing_provider: 'stripe', is_billing_exempt: false, stripe_lookup_key: 'pro_monthly', whop_product_key: null, fallback_price: '$99/mo' });

      // The rename kept the row id, so the app's foreign keys still point at the same tier.
      expect(row('maker')['id']).toEqual(idOf('hobbyist'));
      expect(row('team')['id']).toEqual(idOf('team'));
      expect(await db.sql('SELECT id, name, subscription_tier_id FROM organization ORDER BY id')).toEqual(orgsBefore);
      // created_at is the app's for updated rows; updated_at moved; untouched rows keep both.
      for (const key of ['maker', 'team']) {
        const old = before.find((r) => r['id'] === row(key)['id']) as Record<string, unknown>;
        expect(String(row(key)['created_at'])).toBe(String(old['created_at']));
        expect(String(row(key)['updated_at'])).not.toBe(String(old['updated_at']));
      }
      expect(String(row('whop_team')['updated_at'])).toBe(String(before.find((r) => r['key'] === 'whop_team')?.['updated_at']));
      expect(row('pro')['created_at']).not.toBeNull();

      const grants = await db.sql<{ key: string; name: string }>('SELECT t."key" AS "key", p.name AS name FROM subscription_tier_permission tp JOIN subscription_tier t ON t.id = tp.tier_id JOIN permission p ON p.id = tp.permission_id ORDER BY t."key", p.name');
      const granted = (key: string) => grants.filter((g) => g.key === key).map((g) => g.name);
      expect(granted('maker')).toEqual(['batches.create', 'batches.view', 'inventory.view', 'reports.export']);
      expect(granted('pro')).toEqual(['batches.create', 'reports.export']);
      expect(granted('team')).toEqual(['batches.create', 'batches.view', 'inventory.edit', 'inventory.view', 'org.manage_users']);
      expect(await db.sql('SELECT id, name, description FROM permission ORDER BY id')).toHaveLength(6);

      expect(await cli('plan', '--detailed-exitcode', '--skip-stripe')).toMatchObject({ code: 0 });
      expect(await cli('drift')).toMatchObject({ code: 0 });
      const history = await cli('history', '--format', 'json');
      expect((JSON.parse(history.stdout) as { status: string }[]).map((r) => r.status)).toEqual(['applied']);
      expect((await cli('migrate', '--status')).stdout).toContain('applied  0001-initial-tables');

      // The runtime API reads the app's tables through the same description.
      const catalog = await openCatalog({ database: db.url, tiersDir: path.join(dir, 'tiers') });
      try {
        expect(catalog.limit('team', 'users')).toBe(8);
        expect(catalog.can('maker', 'reports.export')).toBe(true);
        expect(catalog.tierById(Number(orgsBefore.find((o) => o['name'] === 'Solo Soap')?.['subscription_tier_id']))?.key).toBe('maker');
      } finally {
        await catalog.close();
      }
    });

    it('payments: import, plan 0, edit (limit, grant, create, retire; rename refused: the key is the primary key), apply, every column checked, plan 0', async () => {
      db = await backend.create();
      await createAppTables(backend.name, db, 'payments');
      dir = workspace('payments');
      const env = { DATABASE_URL: db.url };
      const cli = (...args: string[]) => runMain(args, { cwd: dir, env });

      const imported = await cli('import');
      expect(imported.stderr).toBe('');
      expect(imported.code).toBe(0);
      const basic = readTier(dir, 'basic');
      expect(basic).not.toHaveProperty('billing');
      expect(basic).toMatchObject({
        display_order: 1,
        status: 'active',
        limits: { credits_per_period: 100, max_products_per_batch: 20, max_api_calls_per_day: 0, requests_per_minute: 20, requests_per_hour: 500 },
        permissions: ['csv_upload', 'email_support', 'enhanced_generation'],
        columns: { price: 9.99, currency: 'USD', billing_interval: 'month', lemon_squeezy_variant_id: 'ls_var_basic', lemon_squeezy_product_id: 'ls_prod_main' },
      });
      expect(await cli('plan', '--detailed-exitcode', '--skip-stripe')).toMatchObject({ code: 0 });

      // A column the description does not name is never touched, even on rows tierctl updates.
      await db.sql('ALTER TABLE subscription_plans ADD COLUMN tier_type VARCHAR(20)');
      await db.sql("UPDATE subscription_plans SET tier_type = 'paid' WHERE id = 'basic'");
      const before = await db.sql<Record<string, unknown>>('SELECT * FROM subscription_plans ORDER BY id');
      const subsBefore = await db.sql('SELECT id, plan_id FROM user_subscriptions ORDER BY id');

      // The key is the primary key user_subscriptions points at: a rename is refused at its line.
      const pro = readTier(dir, 'pro');
      rmSync(path.join(dir, 'tiers', 'pro.yaml'));
      writeTier(dir, 'professional', { ...pro, key: 'professional', renamed_from: ['pro'] });
      const rename = await cli('plan', '--skip-stripe');
      expect(rename.code).toBe(1);
      expect(rename.stderr).toMatch(/tiers\/professional.yaml:\d+:\d+: subscription_plans is keyed by its primary key id, so a tier cannot be renamed/);
      rmSync(path.join(dir, 'tiers', 'professional.yaml'));
      writeTier(dir, 'pro', pro);

      // user_subscriptions.plan_id holds keys: a plan with subscribers cannot be deleted.
      rmSync(path.join(dir, 'tiers', 'pro.yaml'));
      const del = await cli('plan', '--detailed-exitcode', '--skip-stripe', '--format', 'json');
      expect(del.code).toBe(3);
      expect((JSON.parse(del.stdout) as { blocked: { tier: string; action: string; reason: string }[] }).blocked).toEqual([{ tier: 'pro', action: 'delete', reason: expect.stringContaining('1 subscriber') }]);
      writeTier(dir, 'pro', pro);

      edit(dir, 'basic', (t) => {
        (t['limits'] as Record<string, number>)['credits_per_period'] = 150;
        (t['permissions'] as string[]).push('api_access');
      });
      edit(dir, 'free', (t) => void (t['status'] = 'retired'));
      writeTier(dir, 'team', {
        key: 'team', name: 'Team', description: 'Shared credits for a team', display_order: 4,
        limits: { credits_per_period: 3000, max_products_per_batch: 200, max_api_calls_per_day: 5000, requests_per_minute: 60, requests_per_hour: 3000 },
        permissions: ['api_access', 'csv_upload'],
        columns: { price: 49.5, currency: 'EUR', billing_interval: 'year', lemon_squeezy_variant_id: 'ls_var_team', lemon_squeezy_product_id: 'ls_prod_main' },
      });
      const applied = await cli('apply', '--auto-approve', '--skip-stripe');
      expect(applied.code, applied.stderr).toBe(0);

      const after = await db.sql<Record<string, unknown>>('SELECT * FROM subscription_plans ORDER BY id');
      const row = (id: string) => after.find((r) => r['id'] === id) as Record<string, unknown>;
      const shape = (r: Record<string, unknown>) => ({
        id: r['id'], name: r['name'], description: r['description'], price: num(r['price']), currency: r['currency'], billing_interval: r['billing_interval'],
        credits_per_period: num(r['credits_per_period']), max_products_per_batch: num(r['max_products_per_batch']), max_api_calls_per_day: num(r['max_api_calls_per_day']),
        requests_per_minute: num(r['requests_per_minute']), requests_per_hour: num(r['requests_per_hour']), features: json(r['features']),
        lemon_squeezy_variant_id: r['lemon_squeezy_variant_id'], lemon_squeezy_product_id: r['lemon_squeezy_product_id'], is_active: bool(r['is_active']), sort_order: num(r['sort_order']),
      });
      expect(after.map((r) => r['id'])).toEqual(['basic', 'enterprise', 'free', 'pro', 'team']);
      expect(shape(row('basic'))).toEqual({
        id: 'basic', name: 'Basic', description: 'Enhanced generation, email support', price: 9.99, currency: 'USD', billing_interval: 'month',
        credits_per_period: 150, max_products_per_batch: 20, max_api_calls_per_day: 0, requests_per_minute: 20, requests_per_hour: 500,
        features: { api_access: true, csv_upload: true, email_support: true, enhanced_generation: true }, lemon_squeezy_variant_id: 'ls_var_basic', lemon_squeezy_product_id: 'ls_prod_main', is_active: true, sort_order: 1,
      });
      expect(row('basic')['tier_type']).toBe('paid');
      expect(row('team')['tier_type']).toBeNull();
      expect(shape(row('free'))).toMatchObject({ id: 'free', is_active: false, credits_per_period: 10, price: 0, features: { csv_upload: true } });
      expect(shape(row('team'))).toEqual({
        id: 'team', name: 'Team', description: 'Shared credits for a team', price: 49.5, currency: 'EUR', billing_interval: 'year',
        credits_per_period: 3000, max_products_per_batch: 200, max_api_calls_per_day: 5000, requests_per_minute: 60, requests_per_hour: 3000,
        features: { api_access: true, csv_upload: true }, lemon_squeezy_variant_id: 'ls_var_team', lemon_squeezy_product_id: 'ls_prod_main', is_active: true, sort_order: 4,
      });
      // Untouched plans are byte-for-byte what the app wrote.
      for (const id of ['enterprise', 'pro']) expect(row(id)).toEqual(before.find((r) => r['id'] === id));
      for (const id of ['basic', 'free']) {
        const old = before.find((r) => r['id'] === id) as Record<string, unknown>;
        expect(String(row(id)['created_at'])).toBe(String(old['created_at']));
        expect(String(row(id)['updated_at'])).not.toBe(String(old['updated_at']));
      }
      expect(row('team')['created_at']).not.toBeNull();
      expect(await db.sql('SELECT id, plan_id FROM user_subscriptions ORDER BY id')).toEqual(subsBefore);

      expect(await cli('plan', '--detailed-exitcode', '--skip-stripe')).toMatchObject({ code: 0 });
      expect(await cli('drift')).toMatchObject({ code: 0 });

      // A change behind tierctl's back shows as drift, read through the description.
      await db.sql("UPDATE subscription_plans SET requests_per_minute = 99 WHERE id = 'pro'");
      const drift = await cli('drift', '--format', 'json');
      expect(drift.code).toBe(2);
      expect(drift.stdout).toContain('pro');

      const catalog = await openCatalog({ database: db.url, tiersDir: path.join(dir, 'tiers') });
      try {
        expect(catalog.limit('basic', 'credits_per_period')).toBe(150);
        expect(catalog.can('basic', 'api_access')).toBe(true);
        expect(catalog.tier('free')?.status).toBe('retired');
      } finally {
        await catalog.close();
      }
    });
  });
}
