import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Sequelize } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, type LoadedCatalog } from '../../src/catalog/load-catalog.js';
import { dialectFor } from '../../src/store/dialects/index.js';
import { checkLiveTables, describeTables, tablesToDescribe, type LiveColumn } from '../../src/store/live-table-check.js';
import { createAppTables, execScript } from '../support/app-schema.js';
import { ROOT } from '../support/cli.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { src } from '../support/sources.js';

const catalogOf = (example: string) => readFileSync(path.join(ROOT, 'examples', example, 'tiers/catalog.yaml'), 'utf8');
const lineOf = (source: string, text: string) => source.split('\n').findIndex((l) => l.includes(text)) + 1;

const PRO_PLAN = `key: pro
name: Pro
display_order: 2
limits: { credits_per_period: 1000, max_products_per_batch: 100, max_api_calls_per_day: 1000, requests_per_minute: 50, requests_per_hour: 2000 }
permissions: [api_access, csv_upload]
columns: { price: 29.99, currency: USD, billing_interval: month }
`;
const ORION_GROWTH = `key: growth
platform: oms
name: OMS Growth
billing: { provider: stripe, lookup_keys: [oms_growth_monthly, oms_growth_annual] }
limits: { orders_per_month: 1000, products: 1000, team_members: 5, order_history_months: 12, cms_pages: 10, cms_custom_pages: 5 }
permissions: [letzshop_sync]
columns: { price_monthly_cents: 7900, price_annual_cents: 79000 }
`;
const TEAM = `key: team
name: Team
billing: { provider: stripe, lookup_keys: [team_monthly] }
limits: { users: 5 }
permissions: [batches.create]
`;

function load(catalogText: string, files: Record<string, string>): LoadedCatalog {
  const r = loadCatalog(src('tiers/catalog.yaml', catalogText), Object.entries(files).map(([f, t]) => src(f, t)));
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n'));
  return r.loaded;
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`live-table checks (${backend.name})`, () => {
    const dbs: Record<string, TestDatabase> = {};
    let sequelize: Record<string, Sequelize> = {};
    beforeAll(async () => {
      for (const example of ['batchtrack', 'payments', 'orion']) {
        const db = await backend.create();
        await createAppTables(backend.name, db, example);
        dbs[example] = db;
        sequelize[example] = backend.name === 'sqlite' ? new Sequelize({ dialect: 'sqlite', storage: db.url.slice('sqlite:'.length), logging: false }) : new Sequelize(db.url, { logging: false });
      }
    });
    afterAll(async () => {
      for (const s of Object.values(sequelize)) await s.close();
      for (const db of Object.values(dbs)) await db.drop();
      sequelize = {};
    });
    const check = async (example: string, loaded: LoadedCatalog, existingKeys?: ReadonlySet<string>) => {
      const s = sequelize[example]!;
      const qi = s.getQueryInterface();
      const live = await describeTables((t) => qi.describeTable(t) as Promise<Record<string, LiveColumn>>, tablesToDescribe(loaded.storage!.description), (t) => dialectFor(backend.name).preciseColumnTypes(s, t));
      return checkLiveTables(loaded, live, existingKeys).map((d) => `${d.file}:${d.line}: ${d.message}`);
    };

    it('the examples\' descriptions match their schemas: no problems', async () => {
      expect(await check('batchtrack', load(catalogOf('batchtrack'), { 'tiers/team.yaml': TEAM }))).toEqual([]);
      expect(await check('payments', load(catalogOf('payments'), { 'tiers/pro.yaml': PRO_PLAN }))).toEqual([]);
      expect(await check('orion', load(catalogOf('orion'), { 'tiers/growth@oms.yaml': ORION_GROWTH }))).toEqual([]);
    });

    it('orion: a tier key valid for tierctl (up to 32) but longer than subscription_tiers.code (VARCHAR(30)), at the key\'s line', async () => {
      const long = ORION_GROWTH.replace('key: growth', `key: ${'g'.repeat(31)}`);
      expect(await check('orion', load(catalogOf('orion'), { 'tiers/long.yaml': long }))).toEqual([
        'tiers/long.yaml:1: subscription_tiers.code holds at most 30 characters, and this value has 31',
      ]);
    });

    it('a missing table and a missing column name catalog.yaml\'s line and the column', async () => {
      const text = catalogOf('batchtrack').replace('table: organization', 'table: organisation').replace('      description: description\n', '      summary: description\n');
      const found = await check('batchtrack', load(text, { 'tiers/team.yaml': TEAM }));
      expect(found).toContain(`tiers/catalog.yaml:${lineOf(text, 'table: organisation')}: subscribers table organisation does not exist in the database`);
      expect(found).toContain(`tiers/catalog.yaml:${lineOf(text, 'summary: description')}: column subscription_tier.summary does not exist`);
    });

    it('a NOT NULL column without a default that the description leaves out', async () => {
      await execScript(backend.name, dbs['payments']!.url, 'ALTER TABLE subscription_plans ADD COLUMN tier_type VARCHAR(20) NOT NULL DEFAULT \'paid\'');
      expect(await check('payments', load(catalogOf('payments'), { 'tiers/pro.yaml': PRO_PLAN }))).toEqual([]);
      const text = catalogOf('payments').replace('      sort_order: display_order\n', '');
      const found = await check('payments', load(text, { 'tiers/pro.yaml': PRO_PLAN.replace('display_order: 2\n', '') }));
      expect(found).toEqual([`tiers/catalog.yaml:${lineOf(text, '    columns:')}: column subscription_plans.sort_order is NOT NULL without a default, and storage.tiers.columns gives it no value (creating pro would insert a row without it)`]);
      // Only an INSERT needs it: a tier the table already holds is updated, named columns only.
      expect(await check('payments', load(text, { 'tiers/pro.yaml': PRO_PLAN.replace('display_order: 2\n', '') }), new Set(['pro']))).toEqual([]);
    });

    it('values the columns cannot hold, at the tier file\'s line: null limit, too long, out of range', async () => {
      const pro = PRO_PLAN.replace('requests_per_minute: 50', 'requests_per_minute: null').replace('currency: USD', 'currency: EURO');
      const found = await check('payments', load(catalogOf('payments'), { 'tiers/pro.yaml': pro }));
      expect(found).toEqual(expect.arrayContaining([
        `tiers/pro.yaml:${lineOf(pro, 'requests_per_minute')}: subscription_plans.requests_per_minute is NOT NULL, and this tier leaves it empty (null)`,
        `tiers/pro.yaml:${lineOf(pro, 'currency')}: subscription_plans.currency holds at most 3 characters, and this value has 4`,
      ]));
      const price = PRO_PLAN.replace('price: 29.99', 'price: 123456789.5');
      expect(await check('payments', load(catalogOf('payments'), { 'tiers/pro.yaml': price }))).toEqual([
        `tiers/pro.yaml:${lineOf(price, 'price')}: subscription_plans.price is NUMERIC(10, 2), too small for 123456789.5`,
      ]);
    });

    it('BatchTrack: users: null into NOT NULL user_limit, a lookup key and a name longer than their columns', async () => {
      const team = TEAM.replace('name: Team', `name: ${'T'.repeat(100)}`).replace('users: 5', 'users: null').replace('[team_monthly]', `[${'k'.repeat(129)}]`);
      const found = (await check('batchtrack', load(catalogOf('batchtrack'), { 'tiers/team.yaml': team }))).sort();
      expect(found).toEqual([
        `tiers/team.yaml:2: subscription_tier.name holds at most 64 characters, and this value has 100`,
        `tiers/team.yaml:3: subscription_tier.stripe_lookup_key holds at most 128 characters, and this value has 129`,
        `tiers/team.yaml:4: subscription_tier.user_limit is NOT NULL, and this tier leaves it empty (null)`,
      ]);
    });
  });
}
