import { describe, expect, it } from 'vitest';
import { readAndPlan, readStore, verifiedBilling } from '../../src/plan/read-and-plan.js';
import { createMemoryTierStore } from '../../src/store/memory-tier-store.js';
import type { TierStore } from '../../src/store/tier-store.js';
import { loadReference } from '../support/sources.js';

/** A twin whose snapshot waits for the test to let it finish. */
function gatedStore(): { store: TierStore; release(): void; finished: () => boolean } {
  const twin = createMemoryTierStore();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let done = false;
  const store: TierStore = {
    ...twin,
    async snapshot(tx) {
      await gate;
      const s = await twin.snapshot(tx);
      done = true;
      return s;
    },
  };
  return { store, release, finished: () => done };
}

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('readAndPlan (read, then assemble)', () => {
  it('when Stripe set-up fails first, waits for the database read to finish before failing (the caller closes the database after)', async () => {
    const { store, release, finished } = gatedStore();
    const env = { STRIPE_API_KEY: 'sk_test_x', STRIPE_API_BASE: 'not a url' };
    // Billing alone fails fast (and has loaded the Stripe module, so it fails fast below too).
    await expect(verifiedBilling(loadReference(), false, env)).rejects.toThrow('STRIPE_API_BASE is not a URL');
    let settled = false;
    const planning = readAndPlan(loadReference(), readStore(store), { skipStripe: false, env }).finally(() => (settled = true));
    planning.catch(() => undefined);
    await ticks(50);
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(false);
    release();
    await expect(planning).rejects.toThrow('STRIPE_API_BASE is not a URL');
    expect(finished()).toBe(true);
  });

  it('a failed read wins over billing, and still waits for billing', async () => {
    const twin = createMemoryTierStore();
    const store: TierStore = { ...twin, snapshot: async () => Promise.reject(new Error('read failed')) };
    await expect(readAndPlan(loadReference(), readStore(store), { skipStripe: true, env: {} })).rejects.toThrow('read failed');
  });

  it('plans against the twin like against a database: an empty store plans every tier as a create', async () => {
    const loaded = loadReference();
    const plan = await readAndPlan(loaded, readStore(createMemoryTierStore()), { skipStripe: true, env: {} });
    expect(plan.changes.filter((c) => c.kind === 'tier').every((c) => c.action === 'create')).toBe(true);
    expect(plan.changes.filter((c) => c.kind === 'tier')).toHaveLength(Object.keys(loaded.catalog.tiers).length);
  });
});
