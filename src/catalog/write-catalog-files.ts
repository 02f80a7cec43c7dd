import { stringify } from 'yaml';
import type { Catalog, Tier } from './model.js';
import { CATALOG_FILE_NAME } from './load-catalog.js';

const schemaComment = (schemaDir: string, file: string) => `# yaml-language-server: $schema=${schemaDir}/${file}\n`;

/**
 * Catalog -> tier files (file name -> YAML text), the inverse of the loader: `import`
 * writes these, and loading them back yields the same catalog. Pure. `schemaDir` is where
 * the JSON Schemas are, relative to the tier directory (see init/schema-location.ts).
 */
export function renderCatalogFiles(catalog: Catalog, schemaDir = '../schemas'): Record<string, string> {
  const limitNames = [...new Set(Object.values(catalog.tiers).flatMap((t) => Object.keys(t.limits)))].sort();
  const files: Record<string, string> = {};
  files[CATALOG_FILE_NAME] = schemaComment(schemaDir, 'catalog.schema.json') + stringify({
    permissions: catalog.permissions,
    limits: Object.fromEntries(limitNames.map((n) => [n, { description: '' }])),
  });
  for (const t of Object.values(catalog.tiers)) files[`${t.key}.yaml`] = schemaComment(schemaDir, 'tier.schema.json') + stringify(tierToFile(t));
  return files;
}

function tierToFile(t: Tier): Record<string, unknown> {
  const billing: Record<string, unknown> = { provider: t.billing_provider };
  if (t.billing_provider === 'stripe') billing['lookup_keys'] = t.billing_keys;
  if (t.billing_provider === 'whop' && t.billing_keys[0]) billing['product_key'] = t.billing_keys[0];
  if (t.fallback_price !== null) billing['fallback_price'] = t.fallback_price;
  return {
    key: t.key,
    name: t.name,
    ...(t.description !== null ? { description: t.description } : {}),
    customer_facing: t.customer_facing,
    display_order: t.display_order,
    status: t.status,
    protected: t.protected,
    billing,
    limits: t.limits,
    permissions: t.permissions,
  };
}
