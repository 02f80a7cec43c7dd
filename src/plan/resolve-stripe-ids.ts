import { normaliseCatalog, type Catalog, type Tier } from '../catalog/model.js';
import type { StorageDescription, StripeInterval } from '../store/storage-description.js';
import type { DesiredState } from './diff.js';
import type { StripeKeyFacts, StripeReport } from './plan-schema.js';

/**
 * Columns that hold IDs Stripe resolves from a tier's lookup keys (catalog.yaml
 * `{stripe: price, interval: month}`, `{stripe: product}`). Pure: the prices come from the
 * verification that already ran (the plan's `stripe.keys`), so resolving costs no Stripe
 * call, and apply re-derives the same values from a saved plan without calling Stripe.
 *
 * With Stripe's answers, a column's desired value is the ID they give; without them
 * (--skip-stripe, no key) the row keeps the value it has, a new row gets null, and the
 * plan lists the columns as unresolved. No other source ever fills these columns.
 */

export interface StripeColumn {
  column: string;
  object: 'price' | 'product';
  /** For prices: the recurring interval the price must have. */
  interval?: StripeInterval;
  /** The live column is NOT NULL: no matching price is an error, not null. */
  notNull: boolean;
}

/** What resolution needs of a storage description; null when it has no `{stripe: ...}` column. */
export interface StripeIdColumns {
  table: string;
  columns: StripeColumn[];
  /** Whether the storage holds the billing provider / the lookup keys; what it does not is dropped once resolved. */
  keepsProvider: boolean;
  keepsKeys: boolean;
}

export function stripeIdColumns(d: StorageDescription): StripeIdColumns | null {
  const notNull = new Set(d.tier.notNull ?? []);
  const columns: StripeColumn[] = [];
  let keepsProvider = false;
  for (const [column, s] of Object.entries(d.tier.columns)) {
    if (s.kind === 'stripe') columns.push({ column, object: s.object, ...(s.object === 'price' ? { interval: s.interval } : {}), notNull: notNull.has(column) });
    if ((s.kind === 'field' || s.kind === 'map') && s.field === 'billing_provider') keepsProvider = true;
  }
  if (!columns.length) return null;
  columns.sort((a, b) => a.column.localeCompare(b.column));
  return { table: d.tier.table, columns, keepsProvider, keepsKeys: d.billingKeys.kind !== 'none' };
}

type Keyed = StripeKeyFacts & { lookup_key: string };

/** A tier whose resolved column cannot get a value; reported at the tier file's billing: line. */
export interface StripeIdProblem {
  tier: string;
  column: string;
  message: string;
  hint: string;
}

export interface ResolvedIds {
  catalog: Catalog;
  problems: StripeIdProblem[];
  /** Columns left as they are because Stripe was not asked (empty when it was). */
  unresolved: string[];
}

/**
 * The desired catalog with every resolved column filled in (see the module comment), and the
 * billing fields the storage does not hold dropped, so both sides of the diff hold the same.
 */
export function resolveStripeIds(desired: DesiredState, actual: Catalog, stripe: StripeReport, spec: StripeIdColumns): ResolvedIds {
  const problems: StripeIdProblem[] = [];
  // Lookup key -> facts, grouped by the tier that named the key (in key order: deterministic).
  const byTier = new Map<string, Keyed[]>();
  for (const key of Object.keys(stripe.keys).sort()) {
    const f = stripe.keys[key] as StripeKeyFacts;
    const list = byTier.get(f.tier) ?? [];
    list.push({ ...f, lookup_key: key });
    byTier.set(f.tier, list);
  }
  const tiers: Tier[] = [];
  // By ref (`key`, `key@platform`): verification names each key's tier so, and two tiers may share a key.
  for (const [ref, t] of Object.entries(desired.catalog.tiers)) {
    const columns: Record<string, string | number | boolean | null> = { ...t.columns };
    const problem = (c: StripeColumn, message: string, hint: string) => problems.push({ tier: ref, column: c.column, message, hint });
    if (stripe.verified) {
      const facts = byTier.get(ref) ?? [];
      for (const c of spec.columns) {
        if (c.object === 'product') {
          // Verification already refused a tier whose keys sell several products.
          const products = [...new Set(facts.map((f) => f.product))];
          columns[c.column] = products[0] ?? null;
          if (!products.length && c.notNull) problem(c, `${spec.table}.${c.column} is NOT NULL and holds the tier's Stripe product, but this tier has no Stripe lookup key`, 'bill the tier with Stripe (billing: { provider: stripe, lookup_keys: [...] })');
          continue;
        }
        const matches = facts.filter((f) => f.interval === c.interval);
        if (matches.length > 1) {
          problem(c, `${spec.table}.${c.column} holds one price recurring every ${c.interval as string}, and lookup keys ${matches.map((f) => `"${f.lookup_key}"`).join(' and ')} of this tier both name one (${matches.map((f) => f.price).join(', ')})`, `keep one lookup key with a ${adverb(c.interval as StripeInterval)} recurring price on this tier`);
          continue;
        }
        columns[c.column] = matches[0]?.price ?? null;
        if (!matches.length && c.notNull) {
          problem(c, `${spec.table}.${c.column} is NOT NULL, and no lookup key of this tier names a price recurring every ${c.interval as string}${facts.length ? ` (${facts.map((f) => `"${f.lookup_key}": ${f.interval ?? 'one-time'}`).join(', ')})` : ''}`, `add the lookup key of a ${adverb(c.interval as StripeInterval)} recurring price to billing.lookup_keys`);
        }
      }
    } else {
      // Not compared: the row keeps what it holds (a renamed tier, its old row's); a new row gets null.
      const own = Object.hasOwn(actual.tiers, ref) ? actual.tiers[ref] : undefined;
      const earlier = (Object.hasOwn(desired.renamedFrom, ref) ? (desired.renamedFrom[ref] as string[]) : []).filter((k) => Object.hasOwn(actual.tiers, k));
      const have = own ?? (earlier.length === 1 ? actual.tiers[earlier[0] as string] : undefined);
      for (const c of spec.columns) {
        columns[c.column] = have?.columns?.[c.column] ?? null;
        if (!have && c.notNull) problem(c, `${spec.table}.${c.column} is NOT NULL and holds an ID Stripe resolves, so a new tier cannot be created without asking Stripe (${stripe.reason ?? 'not verified'})`, 'plan with STRIPE_API_KEY set, without --skip-stripe');
      }
    }
    tiers.push({
      ...t,
      ...(spec.keepsProvider ? {} : { billing_provider: 'exempt' as const }),
      ...(spec.keepsKeys ? {} : { billing_keys: [] }),
      columns: Object.fromEntries(Object.keys(columns).sort().map((k) => [k, columns[k] as string | number | boolean | null])),
    });
  }
  return {
    catalog: normaliseCatalog(desired.catalog.permissions, tiers),
    problems,
    unresolved: stripe.verified ? [] : spec.columns.map((c) => c.column),
  };
}

const adverb = (i: StripeInterval) => (i === 'day' ? 'daily' : `${i}ly`);
