import { billingKeysOf, type BillingKeyRef } from '../../src/billing/verifier.js';
import type { Catalog } from '../../src/catalog/model.js';
import type { FakePrice, FakeStripe } from './fake-stripe-server.js';

/**
 * Seeds a fake Stripe with what a healthy account for a catalog looks like: one
 * active product per Stripe tier, one active recurring price per lookup key. The
 * keys come from the catalog itself, so the seed follows the tier files.
 */
export interface SeededKey extends BillingKeyRef {
  price: FakePrice;
  productId: string;
  productName: string;
}

export function seedCatalog(fake: FakeStripe, catalog: Catalog, mode: 'test' | 'live' = 'test'): SeededKey[] {
  const livemode = mode === 'live';
  const out: SeededKey[] = [];
  const refs = billingKeysOf(catalog, 'stripe');
  refs.forEach((ref, i) => {
    const tier = catalog.tiers[ref.tier]!;
    const productId = `prod_${mode}_${ref.tier}`;
    if (!fake.products.has(productId)) fake.products.set(productId, { id: productId, name: tier.name, active: true, livemode });
    const price: FakePrice = {
      id: `price_${mode}_${ref.key}`,
      lookup_key: ref.key,
      product: productId,
      active: true,
      livemode,
      currency: 'eur',
      unit_amount: 900 + 100 * i,
      interval: /annual|yearly/.test(ref.key) ? 'year' : 'month',
      created: 1_700_000_000 + i,
    };
    fake.prices.set(price.id, price);
    out.push({ ...ref, price, productId, productName: tier.name });
  });
  return out;
}

/** The plan facts a seeded key should produce. */
export function expectedFacts(seeded: readonly SeededKey[]): Record<string, unknown> {
  return Object.fromEntries(
    seeded.map((s) => [
      s.key,
      { tier: s.tier, price: s.price.id, product: s.productId, product_name: s.productName, unit_amount: s.price.unit_amount, currency: s.price.currency, interval: s.price.interval, livemode: s.price.livemode },
    ]),
  );
}
