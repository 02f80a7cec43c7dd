import { describe, expect, it } from 'vitest';
import { checkStripePrices, stripeKeyMode, type ListedPrice, type ListedProduct } from '../../src/billing/check-stripe-prices.js';
import { mapBounded } from '../../src/billing/map-bounded.js';
import { describeStripeTarget, parseStripeApiBase } from '../../src/billing/stripe-api-base.js';
import { stripeFailure } from '../../src/billing/stripe-errors.js';
import { TierctlError } from '../../src/errors.js';
import { redact } from '../../src/secrets.js';

const product = (id: string, extra: Partial<ListedProduct> = {}): ListedProduct => ({ id, name: `Name of ${id}`, active: true, deleted: false, ...extra });
const price = (key: string, extra: Partial<ListedPrice> = {}): ListedPrice => ({
  id: `price_${key}`,
  lookup_key: key,
  active: true,
  livemode: false,
  currency: 'eur',
  unit_amount: 900,
  interval: 'month',
  product: product('prod_a'),
  ...extra,
});
const KEYS = [
  { tier: 'pro', key: 'pro_monthly' },
  { tier: 'pro', key: 'pro_annual' },
  { tier: 'team', key: 'team_monthly' },
];
const healthy = () => [price('pro_monthly'), price('pro_annual', { interval: 'year', unit_amount: 9000 }), price('team_monthly', { product: product('prod_b') })];

/** The problems as "key: message" lines, so one assertion shows which key got what. */
const problemsOf = (prices: ListedPrice[], mode: 'test' | 'live' | 'unknown' = 'test') => checkStripePrices(KEYS, prices, mode === 'unknown' ? undefined : mode).problems.map((p) => `${p.tier}/${p.key}: ${p.message}`);

describe('checkStripePrices', () => {
  it('turns healthy prices into facts, sorted by key, with no problems', () => {
    const r = checkStripePrices(KEYS, healthy(), 'test');
    expect(r.problems).toEqual([]);
    expect(Object.keys(r.facts)).toEqual(['pro_annual', 'pro_monthly', 'team_monthly']);
    expect(r.facts['pro_annual']).toEqual({ tier: 'pro', price: 'price_pro_annual', product: 'prod_a', product_name: 'Name of prod_a', unit_amount: 9000, currency: 'eur', interval: 'year', livemode: false });
    expect(r.facts['team_monthly']?.product).toBe('prod_b');
  });

  it('reports a key Stripe does not have, naming the key mode', () => {
    const prices = healthy().filter((p) => p.lookup_key !== 'pro_annual');
    expect(problemsOf(prices)).toEqual(['pro/pro_annual: Stripe has no price with lookup key "pro_annual" in test mode']);
    const [p] = checkStripePrices(KEYS, prices, 'test').problems;
    expect(p?.hint).toMatch(/live-mode prices/);
    expect(problemsOf(prices, 'unknown')).toEqual(['pro/pro_annual: Stripe has no price with lookup key "pro_annual" in this Stripe account']);
  });

  it('reports an inactive price', () => {
    const prices = healthy().map((p) => (p.lookup_key === 'team_monthly' ? { ...p, active: false } : p));
    expect(problemsOf(prices)).toEqual(['team/team_monthly: lookup key "team_monthly" points to an inactive price (price_team_monthly)']);
  });

  it('reports an archived product and a deleted one', () => {
    const archived = healthy().map((p) => (p.lookup_key === 'team_monthly' ? { ...p, product: product('prod_b', { active: false }) } : p));
    expect(problemsOf(archived)).toEqual(['team/team_monthly: lookup key "team_monthly": its product "Name of prod_b" (prod_b) is archived']);
    const deleted = healthy().map((p) => (p.lookup_key === 'team_monthly' ? { ...p, product: { id: 'prod_b', name: null, active: false, deleted: true } } : p));
    expect(problemsOf(deleted)).toEqual(['team/team_monthly: lookup key "team_monthly": its product prod_b was deleted']);
    expect(checkStripePrices(KEYS, deleted, 'test').facts['team_monthly']?.product_name).toBeNull();
  });

  it('reports the keys of one tier spread over several products, at the key off the first one', () => {
    const prices = healthy().map((p) => (p.lookup_key === 'pro_annual' ? { ...p, product: product('prod_z') } : p));
    expect(problemsOf(prices)).toEqual([
      'pro/pro_annual: lookup key "pro_annual" belongs to product prod_z, but "pro_monthly" of the same tier belongs to prod_a; all lookup keys of a tier must belong to one product',
    ]);
  });

  it('takes the product most keys of a tier share as the tier\'s, whatever the key order', () => {
    const keys = [
      { tier: 'pro', key: 'pro_a' },
      { tier: 'pro', key: 'pro_b' },
      { tier: 'pro', key: 'pro_c' },
    ];
    const prices = [price('pro_a', { product: product('prod_odd') }), price('pro_b'), price('pro_c')];
    expect(checkStripePrices(keys, prices, 'test').problems.map((p) => p.key)).toEqual(['pro_a']);
    expect(checkStripePrices([...keys].reverse(), prices, 'test').problems.map((p) => p.key)).toEqual(['pro_a']);
  });

  it('reports a price of the other mode rather than verifying against it', () => {
    const prices = healthy().map((p) => (p.lookup_key === 'pro_monthly' ? { ...p, livemode: true } : p));
    expect(problemsOf(prices)).toEqual(['pro/pro_monthly: lookup key "pro_monthly" exists only in live mode (price_pro_monthly), but STRIPE_API_KEY is a test-mode key']);
    expect(problemsOf(healthy(), 'live')).toHaveLength(3);
  });

  it('reports a key resolving to several prices, and an unexpanded product', () => {
    const twice = [...healthy(), price('team_monthly', { id: 'price_other', product: product('prod_b') })];
    expect(problemsOf(twice)).toEqual(['team/team_monthly: lookup key "team_monthly" resolves to 2 prices (price_team_monthly, price_other); it must name exactly one']);
    const unexpanded = healthy().map((p) => (p.lookup_key === 'team_monthly' ? { ...p, product: 'prod_b' } : p));
    expect(problemsOf(unexpanded)).toEqual(['team/team_monthly: could not check the product of price price_team_monthly (lookup key "team_monthly"): Stripe did not expand it']);
  });

  it('counts a price listed twice (overlapping pages) once, and ignores prices without a lookup key', () => {
    const prices = [...healthy(), price('pro_monthly'), { ...price('x'), lookup_key: null }];
    expect(problemsOf(prices)).toEqual([]);
  });

  it('reads the mode from the key prefix', () => {
    expect(['sk_test_abc', 'rk_test_abc', 'sk_live_abc', 'rk_live_abc', 'pk_test_abc', 'whatever'].map(stripeKeyMode)).toEqual(['test', 'test', 'live', 'live', undefined, undefined]);
  });
});

describe('parseStripeApiBase', () => {
  it('splits a base URL into the SDK host, port and protocol', () => {
    expect(parseStripeApiBase('http://127.0.0.1:12111')).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
    expect(parseStripeApiBase('https://stripe.internal/')).toEqual({ host: 'stripe.internal', port: 443, protocol: 'https' });
    expect(parseStripeApiBase('http://[::1]:8080')).toEqual({ host: '::1', port: 8080, protocol: 'http' });
    expect(parseStripeApiBase(undefined)).toBeUndefined();
    expect(parseStripeApiBase('  ')).toBeUndefined();
  });

  it.each([
    ['not a url', /not a URL/],
    ['ftp://host:21', /http or https/],
    ['http://host:1/v1', /path or query/],
    ['http://host:1/?x=1', /path or query/],
    ['http://user:pw@host:1', /credentials/],
  ])('refuses %s', (value, message) => {
    expect(() => parseStripeApiBase(value)).toThrow(message);
  });

  it('names the target in errors', () => {
    expect(describeStripeTarget(undefined)).toBe('Stripe (api.stripe.com)');
    expect(describeStripeTarget({ host: '::1', port: 9, protocol: 'http' })).toBe('the Stripe-compatible server at http://[::1]:9');
  });
});

describe('stripeFailure', () => {
  const target = 'Stripe (api.stripe.com)';
  it('explains 401 and 403 without echoing the key Stripe masked in its message', () => {
    const auth = stripeFailure({ type: 'StripeAuthenticationError', statusCode: 401, message: 'Invalid API Key provided: sk_test_****************wxyz' }, target, 3);
    expect(auth).toBeInstanceOf(TierctlError);
    expect(auth.message).toMatch(/rejected STRIPE_API_KEY \(401\): the key is wrong/);
    expect(auth.hint).toMatch(/"Prices: read" and "Products: read"/);
    const perm = stripeFailure({ type: 'StripePermissionError', statusCode: 403, message: "The provided key 'rk_test_****wxyz' does not have…" }, target, 3);
    expect(perm.message).toMatch(/lacks "Prices: read" or "Products: read"/);
    expect(`${auth.message}${auth.hint}${perm.message}${perm.hint}`).not.toMatch(/wxyz/);
  });

  it('says "could not verify" for connection failures, exhausted retries and anything unknown', () => {
    const cases = [
      { type: 'StripeConnectionError', message: 'An error occurred with our connection to Stripe. Request was retried 3 times.', detail: { code: 'ECONNREFUSED' } },
      { type: 'StripeAPIError', statusCode: 500, message: 'An unknown error occurred' },
      { type: 'StripeRateLimitError', statusCode: 429, message: 'rate limited' },
      new Error('socket hang up'),
    ];
    for (const c of cases) expect(stripeFailure(c, target, 3).message).toMatch(/^could not verify lookup keys with Stripe/);
    expect(stripeFailure(cases[0], target, 3).message).toContain('ECONNREFUSED');
  });

  it('passes a TierctlError through unchanged', () => {
    const e = new TierctlError('deadline');
    expect(stripeFailure(e, target, 3)).toBe(e);
  });
});

describe('redact', () => {
  it('masks the partial keys Stripe echoes (stars and last four)', () => {
    expect(redact('Invalid API Key provided: sk_test_****abcd')).toBe('Invalid API Key provided: sk_test_***');
    expect(redact("The provided key 'rk_live_*********abcd' does not")).toBe("The provided key 'rk_live_***' does not");
  });
});

describe('mapBounded', () => {
  it('keeps order, never runs more than the limit at once, and stops starting work after a failure', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const out = await mapBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      started.push(n);
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return n * 10;
    });
    expect(out).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(most).toBe(3);
    expect(started).toHaveLength(7);

    const seen: number[] = [];
    await expect(
      mapBounded([1, 2, 3, 4, 5], 1, async (n) => {
        seen.push(n);
        if (n === 2) throw new Error('boom');
        return n;
      }),
    ).rejects.toThrow('boom');
    expect(seen).toEqual([1, 2]);
  });
});
