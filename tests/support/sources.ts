import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadCatalog, type LoadedCatalog, type SourceFile } from '../../src/catalog/load-catalog.js';
import { REFERENCE_TIERS } from './cli.js';

/** In-memory sources for pure loader tests. */
export function src(file: string, text: string | Uint8Array): SourceFile {
  return { path: file, bytes: typeof text === 'string' ? new TextEncoder().encode(text) : text };
}

export const CATALOG_YAML = `permissions:
  batches.create: Create batches
  inventory.view: View inventory
limits:
  users: { description: Seats }
  batches_per_month: { description: Batches per month }
`;

/**
 * A catalog.yaml whose storage (an app table `plans`) holds Stripe IDs resolved from the
 * tiers' lookup keys: the unit and integration tests of resolved ID columns share it.
 */
export const STRIPE_ID_COLUMNS_CATALOG = `permissions: {}
limits: {}
storage:
  tiers:
    table: plans
    key: code
    id: id
    columns:
      name: name
      stripe_product_id: { stripe: product }
      stripe_price_monthly_id: { stripe: price, interval: month }
      stripe_price_annual_id: { stripe: price, interval: year }
`;

export function tierYaml(key: string, extra = ''): string {
  return `key: ${key}
name: ${key[0]?.toUpperCase()}${key.slice(1)}
billing:
  provider: stripe
  lookup_keys: [${key}_monthly]
limits: { users: 1 }
permissions: [inventory.view]
${extra}`;
}

/** The reference catalog as loaded from the repository's tiers/ (for tests that need real data). */
export function referenceSources(): { catalog: SourceFile; tiers: SourceFile[] } {
  const names = readdirSync(REFERENCE_TIERS).filter((n) => n.endsWith('.yaml')).sort();
  const read = (n: string) => src(`tiers/${n}`, readFileSync(path.join(REFERENCE_TIERS, n)));
  return { catalog: read('catalog.yaml'), tiers: names.filter((n) => n !== 'catalog.yaml').map(read) };
}

export function loadReference(): LoadedCatalog {
  const s = referenceSources();
  const r = loadCatalog(s.catalog, s.tiers);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.loaded;
}
