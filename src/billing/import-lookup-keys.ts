import type { Catalog } from '../catalog/model.js';
import { TierctlError } from '../errors.js';
import type { StripeIdColumns } from '../plan/resolve-stripe-ids.js';
import { visible } from '../render/visible.js';
import { registerSecret } from '../secrets.js';
import { lookupKeysFromPrices, rowPriceIds } from './lookup-keys-from-prices.js';
import { stripeTimeout, testRetryDelay } from './verify-billing.js';

/**
 * `tierctl import` from a table that holds Stripe price IDs but no lookup keys: each price
 * is retrieved by its ID (read-only) and its lookup key becomes the tier file's billing.
 * Without a key, or with a price that has no lookup key, nothing is imported: tier files
 * that bill nothing would plan the IDs away.
 */
export async function importLookupKeys(catalog: Catalog, spec: StripeIdColumns, env: NodeJS.ProcessEnv): Promise<Catalog> {
  const ids = rowPriceIds(catalog, spec.columns);
  if (!ids.length) return catalog;
  const columns = [...new Set(ids.map((i) => i.column))].join(', ');
  const apiKey = env['STRIPE_API_KEY'];
  if (!apiKey) {
    throw new TierctlError(`${spec.table} holds Stripe price IDs (${columns}) but no lookup keys, and STRIPE_API_KEY is not set; nothing was imported`, {
      hint: 'tier files name prices by lookup key, which import reads from Stripe for each price ID: set STRIPE_API_KEY (a restricted key with "Prices: read" is enough) and import again',
    });
  }
  registerSecret(apiKey);
  const { StripePriceVerifier } = await import('./stripe-price-verifier.js');
  const verifier = new StripePriceVerifier({ apiKey, apiBase: env['STRIPE_API_BASE'], ...stripeTimeout(env['TIERCTL_STRIPE_TIMEOUT']), ...testRetryDelay(env) });
  const prices = await verifier.retrievePrices(ids.map((i) => i.price));
  const r = lookupKeysFromPrices(catalog, ids, prices);
  if (r.ok) return r.catalog;
  const lines = r.problems.map((p) => `  tier ${visible(p.tier)}, column ${p.column}: ${visible(p.message)}\n    ${visible(p.hint)}`);
  throw new TierctlError(`${r.problems.length} price ID${r.problems.length === 1 ? '' : 's'} in ${spec.table} cannot become lookup keys; nothing was imported\n${lines.join('\n')}`, {
    hint: 'lookup keys are how tier files name prices; set them in Stripe as shown, then import again',
  });
}
