import { isMap, parseDocument, stringify } from 'yaml';
import type { Catalog, Tier } from './model.js';
import { CATALOG_FILE_NAME } from './load-catalog.js';
import type { StoredFields } from './stored-fields.js';
import { tierRef } from './tier-ref.js';

/** Where tier files find their JSON Schemas: a relative path or URL per schema file. */
export interface SchemaRefs {
  tier: string;
  catalog: string;
}

/** The $schema references of tierctl's own repository layout (tiers/ beside schemas/). */
export const REPO_SCHEMA_REFS: SchemaRefs = { tier: '../schemas/tier.schema.json', catalog: '../schemas/catalog.schema.json' };

const SCHEMA_COMMENT = (ref: string) => `# yaml-language-server: $schema=${ref}\n`;

export interface RenderOptions {
  schemaRefs?: SchemaRefs;
  /** catalog.yaml's storage: (the app's own tables): only what it stores is written. */
  stored?: StoredFields | null;
  /**
   * The existing catalog.yaml text (with its storage: and subscribers): kept as written,
   * comments included; only permissions: and limits: gain what the database holds.
   */
  catalogText?: string | null;
  /**
   * Platforms the tiers name are declared under platforms: (default). false when the app's
   * platform table is the vocabulary (storage.tiers.platform with a table).
   */
  declarePlatforms?: boolean;
}

/**
 * Catalog -> tier files (file name -> YAML text), the inverse of the loader: `import`
 * writes these, and loading them back yields the same catalog. Pure.
 */
export function renderCatalogFiles(catalog: Catalog, options: RenderOptions = {}): Record<string, string> {
  const refs = options.schemaRefs ?? REPO_SCHEMA_REFS;
  const stored = options.stored ?? null;
  const limitNames = [...new Set(Object.values(catalog.tiers).flatMap((t) => Object.keys(t.limits)))].sort();
  // JSON permissions keep no vocabulary: the names come from the tiers that grant them.
  const permissions: Record<string, string> = { ...catalog.permissions };
  if (stored && stored.permissions !== 'join') for (const t of Object.values(catalog.tiers)) for (const p of t.permissions) permissions[p] ??= p;

  // The database keeps platform codes only; each is declared with its code as its name.
  const platformCodes = options.declarePlatforms === false ? [] : [...new Set(Object.values(catalog.tiers).flatMap((t) => (t.platform !== undefined ? [t.platform] : [])))].sort();
  const files: Record<string, string> = {};
  files[CATALOG_FILE_NAME] = options.catalogText
    ? withSchemaLine(mergeCatalogText(options.catalogText, permissions, limitNames, stored?.permissions === 'join' || !stored, platformCodes), refs.catalog)
    : SCHEMA_COMMENT(refs.catalog) +
      stringify({ permissions, limits: Object.fromEntries(limitNames.map((n) => [n, { description: '' }])), ...(platformCodes.length ? { platforms: Object.fromEntries(platformCodes.map((c) => [c, { name: c }])) } : {}) });
  // A platform tier is written to key@platform.yaml, so essential.yaml and essential@loyalty.yaml never collide.
  for (const t of Object.values(catalog.tiers)) files[`${tierRef(t)}.yaml`] = SCHEMA_COMMENT(refs.tier) + stringify(tierToFile(t, stored));
  return files;
}

/** The editor's $schema line pointed at `ref` (replaced where the file has one, else added on top). */
function withSchemaLine(text: string, ref: string): string {
  const line = /^# yaml-language-server: \$schema=.*$/m;
  return line.test(text) ? text.replace(line, SCHEMA_COMMENT(ref).trimEnd()) : SCHEMA_COMMENT(ref) + text;
}

/** catalog.yaml as the user wrote it, with the database's permissions and limits added (descriptions from a vocabulary table win). */
function mergeCatalogText(text: string, permissions: Record<string, string>, limitNames: string[], databaseDescriptions: boolean, platformCodes: string[]): string {
  const doc = parseDocument(text);
  const perms = doc.get('permissions');
  const existing = isMap(perms) ? (perms.toJSON() as Record<string, string>) : {};
  for (const [name, description] of Object.entries(permissions).sort(([a], [b]) => a.localeCompare(b))) {
    if (!(name in existing) || (databaseDescriptions && existing[name] !== description)) doc.setIn(['permissions', name], description);
  }
  if (!isMap(doc.get('permissions'))) doc.set('permissions', {});
  const limits = doc.get('limits');
  const declared = isMap(limits) ? Object.keys(limits.toJSON() as object) : [];
  for (const name of limitNames) if (!declared.includes(name)) doc.setIn(['limits', name], { description: '' });
  if (!isMap(doc.get('limits'))) doc.set('limits', {});
  const platforms = doc.get('platforms');
  const declaredPlatforms = isMap(platforms) ? Object.keys(platforms.toJSON() as object) : [];
  for (const code of platformCodes) if (!declaredPlatforms.includes(code)) doc.setIn(['platforms', code], { name: code });
  return doc.toString();
}

function tierToFile(t: Tier, stored: StoredFields | null): Record<string, unknown> {
  const has = (f: Parameters<StoredFields['fields']['has']>[0]) => !stored || stored.fields.has(f);
  const out: Record<string, unknown> = { key: t.key, ...(t.platform !== undefined ? { platform: t.platform } : {}), name: t.name };
  if (t.description !== null && has('description')) out['description'] = t.description;
  if (has('customer_facing')) out['customer_facing'] = t.customer_facing;
  if (has('display_order')) out['display_order'] = t.display_order;
  if (has('status')) out['status'] = t.status;
  if (has('protected')) out['protected'] = t.protected;
  // With resolved Stripe columns, billing: is their source (the lookup keys), stored or not.
  if (has('billing_provider') || (stored?.stripeColumns.length ?? 0) > 0) {
    const billing: Record<string, unknown> = { provider: t.billing_provider };
    if (t.billing_provider === 'stripe') billing['lookup_keys'] = t.billing_keys;
    if (t.billing_provider === 'whop' && t.billing_keys[0]) billing['product_key'] = t.billing_keys[0];
    if (t.fallback_price !== null && has('fallback_price')) billing['fallback_price'] = t.fallback_price;
    out['billing'] = billing;
  }
  out['limits'] = t.limits;
  if (!stored || stored.permissions !== 'none') out['permissions'] = t.permissions;
  // Only per-tier values: resolved Stripe IDs come from Stripe, never from a file.
  const perTier = Object.entries(t.columns ?? {}).filter(([c]) => !stored || stored.perTierColumns.includes(c));
  if (perTier.length) out['columns'] = Object.fromEntries(perTier);
  return out;
}
