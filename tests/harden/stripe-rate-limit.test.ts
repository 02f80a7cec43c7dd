import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_LOOKUP_KEYS_PER_REQUEST, StripePriceVerifier, type RetryClock, type StripeVerifierOptions } from '../../src/billing/stripe-price-verifier.js';
import { billingKeysOf, type BillingKeyRef } from '../../src/billing/verifier.js';
import { TierctlError } from '../../src/errors.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe-server.js';
import { seedCatalog } from '../support/stripe-catalog-seed.js';
import { loadReference } from '../support/sources.js';

// Issue 13 item 8: under rate limiting, verification retries with jittered exponential
// backoff until its deadline (not three times), and runs fewer requests at once meanwhile.
// The real SDK against the fake Stripe server; the backoff's clock is fake, so no real waiting.
const KEY = 'sk_test_rateLimitKey00000000000000wxyz';
const reference = loadReference().catalog;
const referenceKeys = billingKeysOf(reference, 'stripe');

let fake: FakeStripe;
beforeEach(async () => {
  fake = await startFakeStripe({ latencyMs: 5 });
  fake.addKey(KEY);
  seedCatalog(fake, reference);
});
afterEach(async () => {
  await fake.close();
});

/** A clock whose sleeps return at once and advance its time by what was slept. */
function fakeClock(): RetryClock & { slept: number[]; elapsed(): number } {
  let t = 1_000_000;
  const start = t;
  const slept: number[] = [];
  let r = 0;
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    // Deterministic jitter spread over [0, 1).
    random: () => (r = (r + 0.37) % 1),
    elapsed: () => t - start,
  };
}

const verifier = (clock: RetryClock, extra: Partial<StripeVerifierOptions> = {}) => new StripePriceVerifier({ apiKey: KEY, apiBase: fake.url, clock, ...extra });
const rateLimits = (n: number, shouldRetry?: boolean) => Array.from({ length: n }, () => ({ status: 429 as const, ...(shouldRetry === undefined ? {} : { shouldRetry }) }));

describe('Stripe rate limiting', () => {
  for (const [name, shouldRetry] of [['plain 429s', undefined], ['429s with Stripe-Should-Retry: true', true]] as const) {
    it(`keeps retrying ${name} with growing, jittered backoff while the deadline allows`, async () => {
      const clock = fakeClock();
      fake.injectFaults(...rateLimits(8, shouldRetry));
      const r = await verifier(clock, { concurrency: 1 }).verify(referenceKeys);
      expect(r.problems).toEqual([]);
      expect(Object.keys(r.facts)).toHaveLength(referenceKeys.length);
      expect(fake.requests.filter((q) => q.fault)).toHaveLength(8);
      // One sleep per 429, exponential (0.5 s, 1 s, 2 s, 4 s, then capped at 5 s) with jitter down to half.
      expect(clock.slept).toHaveLength(8);
      clock.slept.forEach((ms, i) => {
        const ceiling = Math.min(500 * 2 ** i, 5000);
        expect(ms).toBeLessThanOrEqual(ceiling);
        expect(ms).toBeGreaterThanOrEqual(Math.max(500, ceiling / 2));
      });
      expect(new Set(clock.slept.slice(4)).size).toBeGreaterThan(1); // jittered, not a fixed step
    });
  }

  it('gives up at the deadline, saying how often it retried, and never sleeps past it', async () => {
    const clock = fakeClock();
    fake.injectFaults(...rateLimits(500));
    const err = await verifier(clock, { timeoutMs: 30_000, concurrency: 1 }).verify(referenceKeys).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TierctlError);
    const retries = Number(/still rate limited \(429\) after (\d+) retries with backoff, until the verification deadline/.exec((err as TierctlError).message)?.[1]);
    expect(retries).toBeGreaterThan(3);
    expect(clock.elapsed()).toBeLessThanOrEqual(30_000);
    expect(clock.elapsed()).toBeGreaterThan(20_000);
    expect((err as TierctlError).hint).toMatch(/TIERCTL_STRIPE_TIMEOUT/);
  });

  it('still never retries Stripe-Should-Retry: false', async () => {
    const clock = fakeClock();
    fake.injectFaults({ status: 429, shouldRetry: false });
    await expect(verifier(clock).verify(referenceKeys)).rejects.toThrow(/rate limited/);
    expect(fake.requests).toHaveLength(1);
    expect(clock.slept).toEqual([]);
  });

  it('lowers the number of requests in flight while rate limited', async () => {
    const keys: BillingKeyRef[] = [];
    for (let t = 0; t < 8; t++) {
      fake.products.set(`prod_t${t}`, { id: `prod_t${t}`, name: `t${t}`, active: true, livemode: false });
      for (let k = 0; k < MAX_LOOKUP_KEYS_PER_REQUEST; k++) {
        const key = `t${t}_k${k}`;
        keys.push({ tier: `t${t}`, key });
        fake.prices.set(`price_${key}`, { id: `price_${key}`, lookup_key: key, product: `prod_t${t}`, active: true, livemode: false, currency: 'usd', unit_amount: 100, interval: 'month', created: 1_700_000_000 + t * 100 + k });
      }
    }
    const clock = fakeClock();
    fake.injectFaults(...rateLimits(4));
    const r = await verifier(clock, { concurrency: 4 }).verify(keys);
    expect(r.problems).toEqual([]);
    const firstOk = fake.requests.findIndex((q) => !q.fault);
    expect(fake.requests.slice(0, 4).every((q) => q.fault)).toBe(true);
    // Several ran at once before (how many overlapped depends on when the first 429 came back on a loaded machine).
    expect(Math.max(...fake.requests.slice(0, 4).map((q) => q.inFlight))).toBeGreaterThan(1);
    // After four 429s the limit is down to one: the next request runs alone, and the limit climbs back slowly.
    expect(fake.requests[firstOk]?.inFlight).toBe(1);
    expect(Math.max(...fake.requests.slice(firstOk).map((q) => q.inFlight))).toBeLessThan(4);
  });
});
