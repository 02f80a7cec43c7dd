import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StripePriceVerifier } from '../../src/billing/stripe-price-verifier.js';
import { fingerprintOf } from '../../src/plan/fingerprint.js';
import { projectChanges } from '../../src/plan/project-changes.js';
import type { Plan } from '../../src/plan/plan-schema.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { startFakeStripe, type FakePrice, type FakeStripe } from '../support/fake-stripe-server.js';
import { runMain } from '../support/run-main.js';
import { STRIPE_ID_COLUMNS_CATALOG as CATALOG } from '../support/sources.js';

/**
 * Issue 11 part 2: columns holding IDs Stripe resolves from lookup keys (Orion's
 * stripe_product_id / stripe_price_monthly_id / stripe_price_annual_id). The app table is
 * made and read with plain SQL; Stripe is the fake server through the real SDK.
 */
const KEY = 'sk_test_resolvedIds0000000000000Zx9';

const TIERS: Record<string, string> = {
  'essential.yaml': 'key: essential\nname: Essential\nbilling:\n  provider: stripe\n  lookup_keys: [essential_monthly, essential_annual]\n',
  'enterprise.yaml': 'key: enterprise\nname: Enterprise\nbilling:\n  provider: stripe\n  lookup_keys: [enterprise_monthly]\n',
  'free.yaml': 'key: free\nname: Free\nbilling:\n  provider: exempt\n',
};

function createTable(backend: 'sqlite' | 'postgres'): string {
  const id = backend === 'sqlite' ? 'id INTEGER PRIMARY KEY AUTOINCREMENT' : 'id SERIAL PRIMARY KEY';
  return `CREATE TABLE plans (${id}, code VARCHAR(30) NOT NULL, name VARCHAR(100) NOT NULL, stripe_product_id VARCHAR(100), stripe_price_monthly_id VARCHAR(100), stripe_price_annual_id VARCHAR(100), CONSTRAINT uq_plans_code UNIQUE (code))`;
}

const price = (id: string, lookupKey: string | null, product: string, interval: FakePrice['interval'], amount: number): FakePrice => ({
  id, lookup_key: lookupKey, product, active: true, livemode: false, currency: 'eur', unit_amount: amount, interval, created: 1_700_000_000 + amount,
});

function seedStripe(fake: FakeStripe): void {
  fake.addKey(KEY);
  fake.products.set('prod_essential', { id: 'prod_essential', name: 'Essential', active: true, livemode: false });
  fake.products.set('prod_enterprise', { id: 'prod_enterprise', name: 'Enterprise', active: true, livemode: false });
  for (const p of [
    price('price_ess_m1', 'essential_monthly', 'prod_essential', 'month', 4900),
    price('price_ess_y1', 'essential_annual', 'prod_essential', 'year', 49000),
    price('price_ent_m1', 'enterprise_monthly', 'prod_enterprise', 'month', 39900),
  ]) fake.prices.set(p.id, p);
}

interface Row { code: string; name: string; stripe_product_id: string | null; stripe_price_monthly_id: string | null; stripe_price_annual_id: string | null }

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`resolved Stripe ID columns on ${backend.name}`, () => {
    let db: TestDatabase;
    let fake: FakeStripe;
    let cwd: string;
    // Retry waits start at 5 ms (TIERCTL_TEST_STRIPE_RETRY_MS): the 503 case counts retries, it does not time them.
    const env = () => ({ STRIPE_API_KEY: KEY, STRIPE_API_BASE: fake.url, TIERCTL_TEST_STRIPE_RETRY_MS: '5' });
    const run = (args: string[], e: Record<string, string | undefined> = env()) => runMain([...args, '--database', db.url], { cwd, env: e });
    const rows = async () => db.sql<Row>('SELECT code, name, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id FROM plans ORDER BY code');
    const planJson = async (extra: string[] = [], e?: Record<string, string | undefined>) => {
      const r = await run(['plan', '--format', 'json', ...extra], e);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Plan;
    };
    const columnChanges = (plan: Plan) =>
      Object.fromEntries(plan.changes.flatMap((c) => (c.kind === 'tier' && c.action === 'update' && c.fields.columns ? [[c.tier, c.fields.columns]] : [])));

    beforeEach(async () => {
      db = await backend.create();
      await db.sql(createTable(backend.name));
      fake = await startFakeStripe();
      seedStripe(fake);
      cwd = mkdtempSync(path.join(tmpdir(), 'tierctl-ids-'));
      mkdirSync(path.join(cwd, 'tiers'));
      writeFileSync(path.join(cwd, 'tiers', 'catalog.yaml'), CATALOG);
      for (const [f, text] of Object.entries(TIERS)) writeFileSync(path.join(cwd, 'tiers', f), text);
    });
    afterEach(async () => {
      await fake.close();
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it('plans the resolved IDs as field changes and apply writes them; a moved lookup key is the next update, applied from a saved plan without asking Stripe again', async () => {
      // Rows as the app had them: IDs copied by hand, one stale, one missing.
      await db.sql(`INSERT INTO plans (code, name, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id) VALUES ('essential', 'Essential', 'prod_essential', 'price_old_copy', NULL)`);
      await db.sql(`INSERT INTO plans (code, name, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id) VALUES ('free', 'Free', NULL, NULL, NULL)`);
      const first = await planJson();
      // The IDs come from verification's one prices.list call (3 lookup keys): nothing more is asked.
      expect(fake.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /v1/prices']);
      expect(first.stripe.verified).toBe(true);
      // Per lookup key: the price, its recurring interval and its product, which the columns take.
      expect(first.stripe.keys['essential_annual']).toMatchObject({ tier: 'essential', price: 'price_ess_y1', interval: 'year', product: 'prod_essential' });
      expect(first.stripe.unresolved_columns).toBeUndefined();
      expect(columnChanges(first)).toEqual({
        essential: { stripe_price_monthly_id: { before: 'price_old_copy', after: 'price_ess_m1' }, stripe_price_annual_id: { before: null, after: 'price_ess_y1' } },
      });
      const created = first.changes.find((c) => c.kind === 'tier' && c.action === 'create');
      expect(created).toMatchObject({ tier: 'enterprise', after: { columns: { stripe_product_id: 'prod_enterprise', stripe_price_monthly_id: 'price_ent_m1', stripe_price_annual_id: null } } });
      const text = await run(['plan']);
      expect(text.stdout).toContain('columns.stripe_price_monthly_id: "price_old_copy" → "price_ess_m1"');
      const md = await run(['plan', '--format', 'markdown']);
      expect(md.stdout).toContain('price_ess_y1');

      const applied = await run(['apply', '--auto-approve']);
      expect(applied.code, applied.stderr).toBe(0);
      expect(await rows()).toEqual([
        { code: 'enterprise', name: 'Enterprise', stripe_product_id: 'prod_enterprise', stripe_price_monthly_id: 'price_ent_m1', stripe_price_annual_id: null },
        { code: 'essential', name: 'Essential', stripe_product_id: 'prod_essential', stripe_price_monthly_id: 'price_ess_m1', stripe_price_annual_id: 'price_ess_y1' },
        { code: 'free', name: 'Free', stripe_product_id: null, stripe_price_monthly_id: null, stripe_price_annual_id: null },
      ]);
      const again = await run(['plan', '--detailed-exitcode']);
      expect(again.code, again.stdout + again.stderr).toBe(0);

      // Someone moves essential_monthly to a new price in Stripe (transfer_lookup_key).
      fake.transferLookupKey('essential_monthly', { id: 'price_ess_m2', product: 'prod_essential', active: true, livemode: false, currency: 'eur', unit_amount: 5900, interval: 'month', created: 1_800_000_000 });
      const out = path.join(cwd, 'plan.json');
      const planned = await run(['plan', '--out', out, '--format', 'json']);
      expect(planned.code, planned.stderr).toBe(0);
      const moved = JSON.parse(readFileSync(out, 'utf8')) as Plan;
      expect(columnChanges(moved)).toEqual({ essential: { stripe_price_monthly_id: { before: 'price_ess_m1', after: 'price_ess_m2' } } });

      const calls = fake.requests.length;
      const fromFile = await run(['apply', out]);
      expect(fromFile.code, fromFile.stderr).toBe(0);
      expect(fake.requests.length).toBe(calls); // re-derived from the plan's recorded answers
      expect((await rows()).find((r) => r.code === 'essential')?.stripe_price_monthly_id).toBe('price_ess_m2');

      // The secret never reaches output, the plan file or the audit table.
      const audit = await db.sql<Record<string, unknown>>('SELECT * FROM tierctl_reconcile_run');
      for (const shown of [readFileSync(out, 'utf8'), JSON.stringify(audit), text.stdout, text.stderr, applied.stdout, applied.stderr, fromFile.stdout, fromFile.stderr]) expect(shown).not.toContain(KEY);
    });

    it('refuses a saved plan edited to write another ID, even with a matching desired_fingerprint', async () => {
      await db.sql(`INSERT INTO plans (code, name, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id) VALUES ('essential', 'Essential', 'prod_essential', 'price_old_copy', NULL)`);
      const plan = await planJson();
      const forged = structuredClone(plan);
      for (const c of forged.changes) if (c.kind === 'tier' && c.action === 'update' && c.fields.columns?.['stripe_price_monthly_id']) c.fields.columns['stripe_price_monthly_id'].after = 'price_attacker';
      const base = await db.sql<Row>('SELECT * FROM plans');
      expect(base).toHaveLength(1);
      // Recompute the fingerprint the forger would: the claimed state after the forged changes.
      const baseCatalog = { permissions: {}, tiers: { essential: { key: 'essential', name: 'Essential', description: null, customer_facing: true, display_order: 0, status: 'active' as const, protected: false, billing_provider: 'exempt' as const, billing_keys: [], fallback_price: null, limits: {}, permissions: [], columns: { stripe_price_annual_id: null, stripe_price_monthly_id: 'price_old_copy', stripe_product_id: 'prod_essential' } } } };
      expect(fingerprintOf(projectChanges(baseCatalog, plan.changes))).toBe(plan.desired_fingerprint);
      forged.desired_fingerprint = fingerprintOf(projectChanges(baseCatalog, forged.changes));
      writeFileSync(path.join(cwd, 'forged.json'), JSON.stringify(forged));
      const r = await run(['apply', 'forged.json']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('the Stripe IDs it writes (tier essential) are not the ones its recorded Stripe answers give; nothing was applied');
      expect((await rows())[0]?.stripe_price_monthly_id).toBe('price_old_copy');
    });

    it('--skip-stripe: the columns are not compared, left as they are, and the plan says so', async () => {
      await db.sql(`INSERT INTO plans (code, name, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id) VALUES ('essential', 'Old name', 'prod_essential', 'price_old_copy', NULL)`);
      const noKey = { STRIPE_API_BASE: fake.url };
      for (const [args, e] of [[['--skip-stripe'], env()], [[], noKey]] as const) {
        const plan = await planJson([...args], e);
        expect(plan.stripe).toMatchObject({ verified: false, unresolved_columns: ['stripe_price_annual_id', 'stripe_price_monthly_id', 'stripe_product_id'] });
        expect(columnChanges(plan)).toEqual({});
        expect(plan.changes.find((c) => c.kind === 'tier' && c.tier === 'essential')).toMatchObject({ action: 'update', fields: { name: { before: 'Old name', after: 'Essential' } } });
      }
      const text = await run(['plan', '--skip-stripe']);
      expect(text.stdout).toContain('The Stripe IDs in stripe_price_annual_id, stripe_price_monthly_id, stripe_product_id were not compared: existing rows keep theirs, new rows get none.');
      const calls = fake.requests.length;
      const applied = await run(['apply', '--auto-approve', '--skip-stripe']);
      expect(applied.code, applied.stderr).toBe(0);
      expect(fake.requests.length).toBe(calls);
      expect(await rows()).toEqual([
        { code: 'enterprise', name: 'Enterprise', stripe_product_id: null, stripe_price_monthly_id: null, stripe_price_annual_id: null },
        { code: 'essential', name: 'Essential', stripe_product_id: 'prod_essential', stripe_price_monthly_id: 'price_old_copy', stripe_price_annual_id: null },
        { code: 'free', name: 'Free', stripe_product_id: null, stripe_price_monthly_id: null, stripe_price_annual_id: null },
      ]);
      // With Stripe again, the next plan brings the IDs.
      const next = await planJson();
      expect(Object.keys(columnChanges(next)).sort()).toEqual(['enterprise', 'essential']);
    });

    it('a NOT NULL resolved column that no price fills fails the plan at the tier file\'s billing: line, and apply writes nothing', async () => {
      await db.sql('DROP TABLE plans');
      await db.sql(createTable(backend.name).replace('stripe_price_monthly_id VARCHAR(100)', 'stripe_price_monthly_id VARCHAR(100) NOT NULL'));
      for (const args of [['plan'], ['apply', '--auto-approve']]) {
        const r = await run(args);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('tiers/free.yaml:3:1: plans.stripe_price_monthly_id is NOT NULL, and no lookup key of this tier names a price recurring every month');
        expect(r.stderr).not.toContain('    at ');
      }
      expect(await rows()).toEqual([]);
      // Without Stripe, a new tier cannot get the ID at all.
      const skipped = await run(['plan', '--skip-stripe']);
      expect(skipped.code).toBe(1);
      expect(skipped.stderr).toContain('tiers/enterprise.yaml:3:1: plans.stripe_price_monthly_id is NOT NULL and holds an ID Stripe resolves, so a new tier cannot be created without asking Stripe (--skip-stripe was given)');
    });

    it('import from price IDs writes the lookup keys into billing:, and plan then shows 0 changes', async () => {
      await db.sql(`INSERT INTO plans (code, name, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id) VALUES ('essential', 'Essential', 'prod_essential', 'price_ess_m1', 'price_ess_y1')`);
      await db.sql(`INSERT INTO plans (code, name, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id) VALUES ('enterprise', 'Enterprise', 'prod_enterprise', 'price_ent_m1', NULL)`);
      await db.sql(`INSERT INTO plans (code, name, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id) VALUES ('free', 'Free', NULL, NULL, NULL)`);
      mkdirSync(path.join(cwd, 'imported'));
      writeFileSync(path.join(cwd, 'imported', 'catalog.yaml'), CATALOG);
      fake.injectFaults({ status: 503 }); // retried, as verification retries
      const r = await run(['import', '--dir', 'imported']);
      expect(r.code, r.stderr).toBe(0);
      expect(fake.requests.filter((q) => q.fault)).toHaveLength(1);
      expect(fake.requests.filter((q) => !q.fault && q.method === 'GET' && q.path.startsWith('/v1/prices/')).map((q) => q.path).sort()).toEqual(['/v1/prices/price_ent_m1', '/v1/prices/price_ess_m1', '/v1/prices/price_ess_y1']);
      const essential = readFileSync(path.join(cwd, 'imported', 'essential.yaml'), 'utf8');
      expect(essential).toMatch(/billing:\n {2}provider: stripe\n {2}lookup_keys:\n {4}- essential_annual\n {4}- essential_monthly\n/);
      expect(essential).not.toContain('price_ess');
      expect(readFileSync(path.join(cwd, 'imported', 'free.yaml'), 'utf8')).toContain('provider: exempt');
      const plan = await run(['plan', '--dir', 'imported', '--detailed-exitcode']);
      expect(plan.code, plan.stdout + plan.stderr).toBe(0);
      expect(plan.stdout).toContain('Plan: 0 to create, 0 to update');
    });

    it('import reports a price without a lookup key (tier, column, price, what to set in Stripe) and writes nothing', async () => {
      fake.prices.set('price_nokey', price('price_nokey', null, 'prod_essential', 'year', 47000));
      await db.sql(`INSERT INTO plans (code, name, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id) VALUES ('essential', 'Essential', 'prod_essential', 'price_ess_m1', 'price_nokey')`);
      await db.sql(`INSERT INTO plans (code, name, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id) VALUES ('ghost', 'Ghost', NULL, 'price_gone', NULL)`);
      mkdirSync(path.join(cwd, 'imported'));
      writeFileSync(path.join(cwd, 'imported', 'catalog.yaml'), CATALOG);
      const r = await run(['import', '--dir', 'imported']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('2 price IDs in plans cannot become lookup keys; nothing was imported');
      expect(r.stderr).toContain('tier essential, column stripe_price_annual_id: price price_nokey has no lookup key');
      expect(r.stderr).toContain('Lookup key (e.g. essential_year)');
      expect(r.stderr).toContain('POST /v1/prices/price_nokey with lookup_key=essential_year');
      expect(r.stderr).toContain('tier ghost, column stripe_price_monthly_id: Stripe has no price price_gone');
      expect(r.stderr).not.toContain('    at ');
      expect(readdirSync(path.join(cwd, 'imported'))).toEqual(['catalog.yaml']);

      // Doing what the hint says (and clearing the ghost row's ID) makes the import go through.
      const stripe = new Stripe(KEY, { host: '127.0.0.1', port: fake.port, protocol: 'http', maxNetworkRetries: 0 });
      await stripe.prices.update('price_nokey', { lookup_key: 'essential_year' });
      await db.sql(`UPDATE plans SET stripe_price_monthly_id = NULL WHERE code = 'ghost'`);
      const again = await run(['import', '--dir', 'imported']);
      expect(again.code, again.stderr).toBe(0);
      expect(readFileSync(path.join(cwd, 'imported', 'essential.yaml'), 'utf8')).toMatch(/lookup_keys:\n {4}- essential_monthly\n {4}- essential_year\n/);
    });

    it('import refuses without a Stripe key rather than write tiers that bill nothing', async () => {
      await db.sql(`INSERT INTO plans (code, name, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id) VALUES ('essential', 'Essential', 'prod_essential', 'price_ess_m1', NULL)`);
      mkdirSync(path.join(cwd, 'imported'));
      writeFileSync(path.join(cwd, 'imported', 'catalog.yaml'), CATALOG);
      const r = await run(['import', '--dir', 'imported'], { STRIPE_API_BASE: fake.url });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('plans holds Stripe price IDs (stripe_price_monthly_id) but no lookup keys, and STRIPE_API_KEY is not set; nothing was imported');
      expect(existsSync(path.join(cwd, 'imported', 'essential.yaml'))).toBe(false);
      expect(fake.requests).toEqual([]);
    });
  });
}

describe('StripePriceVerifier.retrievePrices', () => {
  it('retrieves each distinct ID once, at most 4 in flight, an unknown one as missing', async () => {
    const fake = await startFakeStripe({ latencyMs: 20 });
    try {
      seedStripe(fake);
      const ids = Array.from({ length: 12 }, (_, i) => `price_many_${i}`);
      for (const [i, id] of ids.entries()) fake.prices.set(id, price(id, `many_${i}`, 'prod_essential', 'month', i));
      const verifier = new StripePriceVerifier({ apiKey: KEY, apiBase: fake.url });
      const found = await verifier.retrievePrices([...ids, ids[0] as string, 'price_nope']);
      expect([...found.keys()]).toEqual([...ids, 'price_nope']);
      expect(found.get('price_many_3')).toMatchObject({ id: 'price_many_3', lookup_key: 'many_3', interval: 'month', product: 'prod_essential' });
      expect(found.get('price_nope')).toBe('missing');
      expect(fake.requests).toHaveLength(13);
      expect(fake.maxInFlight).toBeLessThanOrEqual(4);
      expect(fake.maxInFlight).toBeGreaterThan(1);
    } finally {
      await fake.close();
    }
  });
});

describe('GET /v1/prices/:id on the fake, through the real SDK', () => {
  it('answers a price as Stripe does, 404 resource_missing for an unknown or other-mode one, and transfers a lookup key', async () => {
    const fake = await startFakeStripe();
    try {
      seedStripe(fake);
      fake.prices.set('price_live', { ...price('price_live', 'live_key', 'prod_essential', 'month', 1), livemode: true });
      const stripe = new Stripe(KEY, { host: '127.0.0.1', port: fake.port, protocol: 'http', maxNetworkRetries: 0 });
      const p = await stripe.prices.retrieve('price_ess_y1');
      expect(p).toMatchObject({ id: 'price_ess_y1', object: 'price', lookup_key: 'essential_annual', product: 'prod_essential', recurring: { interval: 'year' }, type: 'recurring' });
      for (const id of ['price_nope', 'price_live']) {
        await expect(stripe.prices.retrieve(id)).rejects.toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 404, code: 'resource_missing', param: 'id', message: `No such price: '${id}'` });
      }
      fake.transferLookupKey('essential_annual', { id: 'price_ess_y2', product: 'prod_essential', active: true, livemode: false, currency: 'eur', unit_amount: 1, interval: 'year', created: 1 });
      const listed = await stripe.prices.list({ lookup_keys: ['essential_annual'] });
      expect(listed.data.map((x) => x.id)).toEqual(['price_ess_y2']);
      expect((await stripe.prices.retrieve('price_ess_y1')).lookup_key).toBeNull();

      // The same over HTTP, as a person would: a taken lookup key moves only with transfer_lookup_key.
      const create = { product: 'prod_essential', currency: 'eur', unit_amount: 5000, recurring: { interval: 'month' as const }, lookup_key: 'essential_monthly' };
      await expect(stripe.prices.create(create)).rejects.toMatchObject({ statusCode: 400, param: 'lookup_key', message: 'A price (`price_ess_m1`) already uses that lookup key.' });
      const moved = await stripe.prices.create({ ...create, transfer_lookup_key: true });
      expect(moved).toMatchObject({ lookup_key: 'essential_monthly', recurring: { interval: 'month' }, product: 'prod_essential' });
      expect((await stripe.prices.list({ lookup_keys: ['essential_monthly'] })).data.map((x) => x.id)).toEqual([moved.id]);
      expect((await stripe.prices.retrieve('price_ess_m1')).lookup_key).toBeNull();
    } finally {
      await fake.close();
    }
  });
});
