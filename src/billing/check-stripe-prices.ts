import { sortRecord } from '../catalog/model.js';
import type { StripeKeyFacts } from '../plan/plan-schema.js';
import type { BillingKeyRef, KeyProblem } from './verifier.js';
import { appendAll } from '../append-all.js';
import { dict } from '../dict.js';

/**
 * The pure half of Stripe verification: given the prices Stripe listed for the
 * catalog's lookup keys, decide what each key resolves to (facts for the plan) and
 * what is wrong with it (problems reported at the key's line). No I/O here, so every
 * rule is unit-tested with plain objects.
 */

/** Which mode a key can see. A key only ever sees objects of its own mode. */
export type StripeMode = 'test' | 'live';

export interface ListedProduct {
  id: string;
  name: string | null;
  active: boolean;
  deleted: boolean;
}

/** The fields of a Stripe Price that verification reads (a structural subset of Stripe.Price). */
export interface ListedPrice {
  id: string;
  lookup_key: string | null;
  active: boolean;
  livemode: boolean;
  currency: string;
  unit_amount: number | null;
  interval: string | null;
  /** The expanded product, or only its id when Stripe did not expand it. */
  product: ListedProduct | string;
}

export function stripeKeyMode(apiKey: string): StripeMode | undefined {
  const m = /^(?:sk|rk)_(test|live)_/.exec(apiKey);
  return m ? (m[1] as StripeMode) : undefined;
}

const inMode = (mode: StripeMode | undefined) => (mode ? `in ${mode} mode` : 'in this Stripe account');

export function checkStripePrices(
  keys: readonly BillingKeyRef[],
  prices: readonly ListedPrice[],
  mode: StripeMode | undefined,
): { facts: Record<string, StripeKeyFacts>; problems: KeyProblem[] } {
  const byKey = new Map<string, ListedPrice[]>();
  for (const p of prices) {
    if (p.lookup_key === null) continue;
    const list = byKey.get(p.lookup_key) ?? [];
    // pages can overlap when a price is created while we page; count each price once
    if (!list.some((q) => q.id === p.id)) list.push(p);
    byKey.set(p.lookup_key, list);
  }

  const facts = dict<StripeKeyFacts>();
  const problems: KeyProblem[] = [];
  const resolved = new Map<string, ListedPrice>();

  for (const ref of keys) {
    const found = byKey.get(ref.key) ?? [];
    const problem = (message: string, hint?: string) => problems.push({ tier: ref.tier, key: ref.key, message, ...(hint ? { hint } : {}) });
    if (found.length === 0) {
      problem(
        `Stripe has no price with lookup key "${ref.key}" ${inMode(mode)}`,
        mode
          ? `create the price in Stripe ${mode} mode with this lookup key, or correct the key; a ${mode}-mode key cannot see ${mode === 'test' ? 'live' : 'test'}-mode prices, so a price that exists only there counts as missing`
          : 'create the price in Stripe with this lookup key, or correct the key',
      );
      continue;
    }
    if (found.length > 1) {
      problem(`lookup key "${ref.key}" resolves to ${found.length} prices (${found.map((p) => p.id).join(', ')}); it must name exactly one`, 'keep the lookup key on one price (Stripe moves it with transfer_lookup_key)');
      continue;
    }
    const price = found[0] as ListedPrice;
    resolved.set(ref.key, price);
    const product = typeof price.product === 'string' ? undefined : price.product;
    facts[ref.key] = {
      tier: ref.tier,
      price: price.id,
      product: typeof price.product === 'string' ? price.product : price.product.id,
      product_name: product && !product.deleted ? product.name : null,
      unit_amount: price.unit_amount,
      currency: price.currency,
      interval: price.interval,
      livemode: price.livemode,
    };
    // A conforming server never shows a key the other mode's objects; if one does, say so rather than verify against the wrong mode.
    if (mode && price.livemode !== (mode === 'live')) {
      problem(
        `lookup key "${ref.key}" exists only in ${price.livemode ? 'live' : 'test'} mode (${price.id}), but STRIPE_API_KEY is a ${mode}-mode key`,
        `verify with a ${price.livemode ? 'live' : 'test'}-mode key, or create the price in ${mode} mode`,
      );
    }
    // A tier is a subscription: a one-time price would charge once and never renew.
    if (price.interval === null) problem(`lookup key "${ref.key}" names a one-time price (${price.id}); a tier needs a recurring price`, 'point the lookup key at a recurring (monthly, yearly, …) price of the product');
    if (!price.active) problem(`lookup key "${ref.key}" points to an inactive price (${price.id})`, 'reactivate the price in Stripe, or move the lookup key to an active price');
    if (!product) problem(`could not check the product of price ${price.id} (lookup key "${ref.key}"): Stripe did not expand it`, 'this is unexpected from Stripe; check STRIPE_API_BASE points at a Stripe-compatible server');
    else if (product.deleted) problem(`lookup key "${ref.key}": its product ${product.id} was deleted`, 'point the lookup key at a price of an active product');
    else if (!product.active) problem(`lookup key "${ref.key}": its product "${product.name ?? product.id}" (${product.id}) is archived`, 'unarchive the product in Stripe, or point the lookup key at a price of an active product');
  }

  appendAll(problems, spreadProblems(keys, resolved));
  return { facts: sortRecord(facts), problems };
}

/**
 * All the keys of one tier must sell the same product. The tier's product is the one most of
 * its keys belong to (ties: the first key's, in the order given); each key elsewhere is reported.
 */
function spreadProblems(keys: readonly BillingKeyRef[], resolved: ReadonlyMap<string, ListedPrice>): KeyProblem[] {
  const byTier = new Map<string, { key: string; product: string }[]>();
  for (const ref of keys) {
    const price = resolved.get(ref.key);
    if (!price) continue;
    const list = byTier.get(ref.tier) ?? [];
    list.push({ key: ref.key, product: productId(price) });
    byTier.set(ref.tier, list);
  }
  const out: KeyProblem[] = [];
  for (const [tier, list] of byTier) {
    const counts = new Map<string, number>();
    for (const e of list) counts.set(e.product, (counts.get(e.product) ?? 0) + 1);
    if (counts.size < 2) continue;
    // Map iteration follows first appearance, so on a tie the first key's product wins
    const [main] = [...counts].reduce((best, c) => (c[1] > best[1] ? c : best));
    const anchor = list.find((e) => e.product === main) as { key: string; product: string };
    for (const e of list) {
      if (e.product === main) continue;
      out.push({
        tier,
        key: e.key,
        message: `lookup key "${e.key}" belongs to product ${e.product}, but "${anchor.key}" of the same tier belongs to ${main}; all lookup keys of a tier must belong to one product`,
        hint: 'put the prices under one product in Stripe, or split the tier',
      });
    }
  }
  return out;
}

const productId = (p: ListedPrice) => (typeof p.product === 'string' ? p.product : p.product.id);
