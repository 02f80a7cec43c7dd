import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backoffMs, DEFAULT_RETRY_DELAY, MAX_LOOKUP_KEYS_PER_REQUEST, StripePriceVerifier, type StripeVerifierOptions } from '../../src/billing/stripe-price-verifier.js';
import { billingKeysOf, type BillingKeyRef } from '../../src/billing/verifier.js';
import { TierctlError } from '../../src/errors.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe-server.js';
import { expectedFacts, seedCatalog, type SeededKey } from '../support/stripe-catalog-seed.js';
import { loadReference } from '../support/sources.js';

/** The real `stripe` SDK, through StripePriceVerifier, against the Stripe-compatible fake. */
const KEY = 'sk_test_integrationKey0000000000wxyz';
const reference = loadReference().catalog;
const referenceKeys = billingKeysOf(reference, 'stripe');

let fake: FakeStripe;
let seeded: SeededKey[];
/** Retries wait milliseconds here, not the SDK's 0.5-5 s: the curve is the same code, scaled (checked below). */
const FAST_RETRIES = { initialMs: 2, maxMs: 20 };
/** tierctl's own 429 waits, as asked for (then waited for real, at the fast scale). */
let waits: number[];
const verifier = (extra: Partial<StripeVerifierOptions> = {}) =>
  new StripePriceVerifier({
    apiKey: KEY,
    apiBase: fake.url,
    retryDelay: FAST_RETRIES,
    sleep: (ms) => {
      waits.push(ms);
      return new Promise((r) => setTimeout(r, ms));
    },
    ...extra,
  });
const listCalls = () => fake.requests.filter((r) => r.method === 'GET' && r.path === '/v1/prices');
const seededPrice = (key: string) => seeded.find((s) => s.key === key)!.price;

async function failure(p: Promise<unknown>): Promise<TierctlError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TierctlError);
  return err as TierctlError;
}

/** A catalog-shaped key list larger than the reference one: `tiers` tiers with `perTier` keys each. */
function manyKeys(tiers: number, perTier: number): BillingKeyRef[] {
  const out: BillingKeyRef[] = [];
  for (let t = 0; t < tiers; t++) for (let k = 0; k < perTier; k++) out.push({ tier: `tier${t}`, key: `tier${t}_price${k}` });
  return out;
}
function seedKeys(keys: BillingKeyRef[]): void {
  keys.forEach((ref, i) => {
    fake.products.set(`prod_${ref.tier}`, { id: `prod_${ref.tier}`, name: ref.tier, active: true, livemode: false });
    fake.prices.set(`price_${ref.key}`, { id: `price_${ref.key}`, lookup_key: ref.key, product: `prod_${ref.tier}`, active: true, livemode: false, currency: 'usd', unit_amount: 100 + i, interval: 'month', created: 1_700_000_000 + i });
  });
}

beforeEach(async () => {
  waits = [];
  fake = await startFakeStripe();
  fake.addKey(KEY);
  seeded = seedCatalog(fake, reference);
});
afterEach(async () => {
  await fake.close();
});

describe('the fake Stripe server, through the real SDK', () => {
  it('refuses more than 10 lookup keys, as Stripe does', async () => {
    const stripe = new Stripe(KEY, { host: '127.0.0.1', port: fake.port, protocol: 'http', maxNetworkRetries: 0 });
    const keys = Array.from({ length: MAX_LOOKUP_KEYS_PER_REQUEST + 1 }, (_, i) => `k${i}`);
    await expect(stripe.prices.list({ lookup_keys: keys })).rejects.toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'lookup_keys' });
    expect(listCalls().at(-1)?.lookupKeys).toEqual(keys);
  });

  it('returns product ids unless asked to expand, and keeps live prices from a test key', async () => {
    const stripe = new Stripe(KEY, { host: '127.0.0.1', port: fake.port, protocol: 'http' });
    const first = seeded[0]!;
    const plain = await stripe.prices.list({ lookup_keys: [first.key] });
    expect(plain.data.map((p) => p.product)).toEqual([first.productId]);
    fake.prices.set(first.price.id, { ...first.price, livemode: true });
    expect((await stripe.prices.list({ lookup_keys: [first.key] })).data).toEqual([]);
  });
});

describe('StripePriceVerifier', () => {
  it('verifies the reference catalog with ceil(keys/10) read-only list calls, products expanded', async () => {
    const r = await verifier().verify(referenceKeys);
    expect(r.problems).toEqual([]);
    expect(r.verified).toBe(true);
    expect(r.facts).toEqual(expectedFacts(seeded));
    expect(Object.keys(r.facts)).toHaveLength(referenceKeys.length);
    expect(fake.requests).toHaveLength(Math.ceil(referenceKeys.length / MAX_LOOKUP_KEYS_PER_REQUEST));
    expect(fake.requests.every((r) => r.method === 'GET' && r.path === '/v1/prices' && r.expand.includes('data.product'))).toBe(true);
    expect(fake.requests.flatMap((r) => r.lookupKeys).sort()).toEqual(referenceKeys.map((k) => k.key).sort());
  });

  it('splits many keys into batches of at most 10, with at most 4 calls in flight', async () => {
    await fake.close();
    fake = await startFakeStripe({ latencyMs: 50 });
    fake.addKey(KEY);
    const keys = manyKeys(9, 5);
    seedKeys(keys);
    const r = await verifier().verify(keys);
    expect(r.problems).toEqual([]);
    expect(Object.keys(r.facts)).toHaveLength(keys.length);
    expect(listCalls()).toHaveLength(Math.ceil(keys.length / MAX_LOOKUP_KEYS_PER_REQUEST));
    expect(Math.max(...listCalls().map((c) => c.lookupKeys.length))).toBeLessThanOrEqual(MAX_LOOKUP_KEYS_PER_REQUEST);
    expect(fake.maxInFlight).toBeLessThanOrEqual(4);
    expect(fake.maxInFlight).toBeGreaterThan(1);
  });

  it('follows has_more pages with starting_after', async () => {
    await fake.close();
    fake = await startFakeStripe({ pageSizeCap: 3 });
    fake.addKey(KEY);
    const keys = manyKeys(1, 7);
    seedKeys(keys);
    const r = await verifier().verify(keys);
    expect(r.problems).toEqual([]);
    expect(Object.keys(r.facts)).toHaveLength(7);
    expect(listCalls()).toHaveLength(3);
    expect(listCalls().map((c) => c.startingAfter === undefined)).toEqual([true, false, false]);
  });

  describe('problems, one per case, at the key', () => {
    const cases: [string, (fake: FakeStripe) => string, RegExp][] = [
      ['unknown key', (f) => (f.prices.delete(seededPrice('essential_annual').id), 'essential_annual'), /no price with lookup key "essential_annual" in test mode/],
      ['key only in live mode', (f) => (f.prices.set(seededPrice('enterprise_monthly').id, { ...seededPrice('enterprise_monthly'), livemode: true }), 'enterprise_monthly'), /no price with lookup key "enterprise_monthly" in test mode/],
      ['inactive price', (f) => (f.prices.set(seededPrice('hobbyist_yearly').id, { ...seededPrice('hobbyist_yearly'), active: false }), 'hobbyist_yearly'), /inactive price/],
      ['archived product', (f) => (f.products.get('prod_test_enterprise')!.active = false, 'enterprise_monthly'), /product "Enterprise" \(prod_test_enterprise\) is archived/],
      ['deleted product', (f) => (f.products.get('prod_test_enterprise')!.deleted = true, 'enterprise_monthly'), /product prod_test_enterprise was deleted/],
      [
        'keys of one tier on two products',
        (f) => {
          f.products.set('prod_other', { id: 'prod_other', name: 'Other', active: true, livemode: false });
          // with two keys the tie goes to the first key in the order given, so the second one is reported
          const [, second] = referenceKeys.filter((k) => k.tier === 'business');
          const moved = seededPrice(second!.key);
          f.prices.set(moved.id, { ...moved, product: 'prod_other' });
          return second!.key;
        },
        /belongs to product prod_other, but "\w+" of the same tier belongs to prod_test_business/,
      ],
    ];
    it.each(cases)('%s', async (_name, breakIt, message) => {
      const key = breakIt(fake);
      const r = await verifier().verify(referenceKeys);
      expect(r.problems.map((p) => p.key)).toEqual([key]);
      expect(r.problems[0]?.message).toMatch(message);
      expect(r.problems[0]?.tier).toBe(referenceKeys.find((k) => k.key === key)?.tier);
    });
  });

  describe('faults', () => {
    it.each([
      ['plain 429s', { status: 429 as const }],
      ['429s with Stripe-Should-Retry: true', { status: 429 as const, shouldRetry: true }],
      ['500s', { status: 500 as const }],
      ['503s', { status: 503 as const }],
    ])('survives two %s', async (_name, fault) => {
      fake.injectFaults(fault, fault);
      const r = await verifier().verify(referenceKeys);
      expect(r.problems).toEqual([]);
      expect(Object.keys(r.facts)).toHaveLength(referenceKeys.length);
      const calls = Math.ceil(referenceKeys.length / MAX_LOOKUP_KEYS_PER_REQUEST);
      expect(fake.requests.filter((q) => q.fault)).toHaveLength(2);
      expect(fake.requests).toHaveLength(calls + 2);
      // Every retry is tierctl's own (one loop with jittered backoff, issue 13 item 8): two waits whatever the fault.
      expect(waits).toHaveLength(2);
      expect(waits[1]!).toBeGreaterThanOrEqual(FAST_RETRIES.initialMs);
    });

    it('backs off like the SDK by default: 0.5 s at first, doubling with jitter, never above 5 s', () => {
      expect(DEFAULT_RETRY_DELAY).toEqual({ initialMs: 500, maxMs: 5000 });
      for (let i = 0; i < 50; i++) {
        expect(backoffMs(0)).toBeGreaterThanOrEqual(500);
        expect(backoffMs(0)).toBeLessThanOrEqual(500);
        expect(backoffMs(1)).toBeGreaterThanOrEqual(500);
        expect(backoffMs(1)).toBeLessThanOrEqual(1000);
        expect(backoffMs(3)).toBeGreaterThanOrEqual(2000);
        expect(backoffMs(3)).toBeLessThanOrEqual(4000);
        expect(backoffMs(10)).toBeGreaterThanOrEqual(2500);
        expect(backoffMs(10)).toBeLessThanOrEqual(5000);
      }
    });

    it('gives up after the retries with "could not verify", never a silent pass', async () => {
      fake.injectFaults(...Array.from({ length: 3 }, () => ({ status: 500 as const })));
      const err = await failure(verifier({ maxNetworkRetries: 2 }).verify(referenceKeys));
      expect(err.message).toMatch(/^could not verify lookup keys with the Stripe-compatible server at http:\/\/127\.0\.0\.1:\d+: it answered 500/);
      expect(fake.requests).toHaveLength(3);

      // 429s are retried until the deadline instead: tests/harden/stripe-rate-limit.test.ts.
    });

    it('does not retry what Stripe marks Stripe-Should-Retry: false', async () => {
      fake.injectFaults({ status: 429, shouldRetry: false });
      const err = await failure(verifier().verify(referenceKeys));
      expect(err.message).toMatch(/rate limited/);
      expect(fake.requests).toHaveLength(1);
    });

    it('explains a wrong key (401) and a key without read permissions (403), never echoing the key', async () => {
      const wrong = await failure(verifier({ apiKey: 'sk_test_notTheRightKey000000000abcd' }).verify(referenceKeys));
      expect(wrong.message).toMatch(/rejected STRIPE_API_KEY \(401\): the key is wrong, expired or revoked/);
      fake.addKey('rk_test_restricted00000000000000efgh', 'no-price-read');
      const restricted = await failure(verifier({ apiKey: 'rk_test_restricted00000000000000efgh' }).verify(referenceKeys));
      expect(restricted.message).toMatch(/lacks "Prices: read" or "Products: read"/);
      expect(restricted.hint).toMatch(/restricted key/);
      for (const e of [wrong, restricted]) expect(`${e.message} ${e.hint}`).not.toMatch(/abcd|efgh|notTheRight|restricted0/);
    });

    it('says "could not verify" when nothing listens', async () => {
      await fake.close();
      const err = await failure(verifier({ maxNetworkRetries: 1 }).verify(referenceKeys));
      expect(err.message).toMatch(/^could not verify lookup keys with the Stripe-compatible server at .*ECONNREFUSED/);
      expect(err.hint).toMatch(/--skip-stripe/);
      fake = await startFakeStripe(); // for afterEach
    });

    it('stops at the overall timeout when the server never answers', async () => {
      fake.injectFaults(...Array.from({ length: 10 }, () => ({ hang: true as const })));
      const err = await failure(verifier({ timeoutMs: 1500 }).verify(referenceKeys));
      expect(err.message).toMatch(/^could not verify lookup keys with .*: no complete answer within 2s/);
      expect(err.hint).toMatch(/TIERCTL_STRIPE_TIMEOUT/);
    });
  });
});
