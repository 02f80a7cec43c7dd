import type { Catalog, Tier } from '../catalog/model.js';
import type { StripeColumn } from '../plan/resolve-stripe-ids.js';
import type { ListedPrice } from './check-stripe-prices.js';

/**
 * The pure half of importing a table that holds Stripe price IDs but no lookup keys:
 * given what Stripe answered for each price ID, each tier's lookup keys (its file's
 * `billing: { provider: stripe, lookup_keys }`), or what to fix in Stripe first. Lookup
 * keys are the contract tierctl plans on; an ID without one cannot be planned, so such
 * a tier is reported rather than imported as billing nothing.
 */

/** A price ID read from a tier row. */
export interface RowPriceId {
  tier: string;
  column: string;
  price: string;
}

/** Every price ID the rows hold in resolved price columns, in tier then column order. */
export function rowPriceIds(catalog: Catalog, columns: readonly StripeColumn[]): RowPriceId[] {
  const out: RowPriceId[] = [];
  for (const key of Object.keys(catalog.tiers).sort()) {
    const t = catalog.tiers[key] as Tier;
    for (const c of columns) {
      const v = c.object === 'price' ? t.columns?.[c.column] : undefined;
      if (typeof v === 'string' && v !== '') out.push({ tier: key, column: c.column, price: v });
    }
  }
  return out;
}

export interface PriceIdProblem extends RowPriceId {
  message: string;
  /** What to do in Stripe (dashboard and API), then import again. */
  hint: string;
}

/**
 * Tiers with their lookup keys set from the prices (provider stripe; a tier with no price
 * ID stays exempt), or every price that has no lookup key or does not exist.
 */
export function lookupKeysFromPrices(catalog: Catalog, ids: readonly RowPriceId[], prices: ReadonlyMap<string, ListedPrice | 'missing'>): { ok: true; catalog: Catalog } | { ok: false; problems: PriceIdProblem[] } {
  const problems: PriceIdProblem[] = [];
  const keys = new Map<string, Set<string>>();
  for (const id of ids) {
    const p = prices.get(id.price);
    if (p === undefined || p === 'missing') {
      problems.push({ ...id, message: `Stripe has no price ${id.price}`, hint: 'correct the ID in the row (Stripe dashboard: Product catalog > the product > the price shows its ID), or clear it, then import again' });
      continue;
    }
    if (p.lookup_key === null) {
      const suggested = `${id.tier.replace('@', '_')}_${p.interval ?? 'once'}`; // essential@loyalty -> essential_loyalty_month
      problems.push({
        ...id,
        message: `price ${p.id} has no lookup key`,
        hint: `give it one in Stripe, then import again: dashboard > Product catalog > the product > the price > Edit > Lookup key (e.g. ${suggested}), or  stripe prices update ${p.id} --lookup-key=${suggested}  (API: POST /v1/prices/${p.id} with lookup_key=${suggested})`,
      });
      continue;
    }
    const set = keys.get(id.tier) ?? new Set<string>();
    set.add(p.lookup_key);
    keys.set(id.tier, set);
  }
  if (problems.length) return { ok: false, problems };
  const tiers: Record<string, Tier> = {};
  for (const [key, t] of Object.entries(catalog.tiers)) {
    const found = keys.get(key);
    tiers[key] = found ? { ...t, billing_provider: 'stripe', billing_keys: [...found].sort() } : t;
  }
  return { ok: true, catalog: { permissions: catalog.permissions, tiers } };
}
