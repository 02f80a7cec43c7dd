import { compareDiagnostics, type Diagnostic } from './diagnostic.js';
import { normaliseCatalog, sortRecord, type Catalog, type Tier } from './model.js';
import { locate, parseYaml, pointer, type ParsedYaml, type Position } from './parse-yaml.js';
import { resolveStorage, type ResolvedStorage } from './resolve-storage.js';
import { checkRules, type TierInput, type VocabularyInput } from './rules.js';
import { checkNoAppColumns, checkTiersAgainstStorage } from './storage-rules.js';
import { projectCatalog, storedFields, type StoredFields } from './stored-fields.js';
import { checkCatalogShape, checkTierShape, validFields } from './schema-validator.js';
import { tierSchema, type CatalogFile, type TierFile } from './schemas.js';
import { appendAll } from '../append-all.js';
import { sameScopeRef, tierRef } from './tier-ref.js';
import { dict, toDict } from '../dict.js';

export const CATALOG_FILE_NAME = 'catalog.yaml';

/** A file as read from disk (or from git), before parsing. */
export interface SourceFile {
  /** Display path, as errors should show it (relative to the working directory). */
  path: string;
  bytes: Uint8Array;
}

export interface SubscribersRef {
  table: string;
  column: string;
  /** What the column holds: the tier id (tierctl's tables, storage with an id column) or the key. */
  references?: 'id' | 'key';
}

/** The desired state: the shared Catalog plus what only files know. */
export interface LoadedCatalog {
  catalog: Catalog;
  limits: Record<string, { description?: string }>;
  subscribers: SubscribersRef | null;
  /** Permission name -> lookup key of the Stripe Entitlements feature that represents it (only those that declare one). */
  stripeFeatures: Record<string, string>;
  /** Declared platforms (catalog.yaml platforms:): code -> name and description. */
  platforms: Record<string, { name: string; description?: string }>;
  /** New tier ref -> earlier refs on the same platform (from renamed_from). */
  renamedFrom: Record<string, string[]>;
  /** Tier ref (tier-ref.ts) -> its parsed file, for pointing errors at lines. */
  sources: Record<string, ParsedYaml>;
  catalogSource: ParsedYaml;
  /** catalog.yaml's storage: resolved (the app's own tables), or null for tierctl's tables. */
  storage: (ResolvedStorage & { stored: StoredFields }) | null;
}

export type LoadResult = { ok: true; loaded: LoadedCatalog } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Files in, desired catalog (or every problem) out. Pure: reading the directory is
 * `read-catalog-dir.ts`'s job, so this runs the same on disk files, git blobs and tests.
 */
export function loadCatalog(catalogFile: SourceFile | undefined, tierFiles: readonly SourceFile[], readProblems: readonly Diagnostic[] = []): LoadResult {
  const diagnostics: Diagnostic[] = [...readProblems];

  let catalogParsed: ParsedYaml | undefined;
  // What can still be checked against when catalog.yaml has problems: its names.
  const vocabulary: VocabularyInput = { file: catalogFile?.path ?? CATALOG_FILE_NAME };
  if (catalogFile) {
    const r = parseYaml(catalogFile.path, catalogFile.bytes);
    if (r.ok) {
      const check = checkCatalogShape(r.parsed);
      appendAll(diagnostics, check.diagnostics);
      if (!check.diagnostics.length) catalogParsed = vocabulary.parsed = r.parsed;
      if (isPlainObject(r.parsed.value['permissions'])) vocabulary.permissions = r.parsed.value['permissions'] as VocabularyInput['permissions'];
      if (isPlainObject(r.parsed.value['limits'])) vocabulary.limits = r.parsed.value['limits'] as VocabularyInput['limits'];
      if (isPlainObject(r.parsed.value['platforms'])) vocabulary.platforms = r.parsed.value['platforms'] as VocabularyInput['platforms'];
      if (Object.prototype.hasOwnProperty.call(r.parsed.value, 'storage')) vocabulary.hasStorage = true;
    } else appendAll(diagnostics, r.diagnostics);
  }

  // Every parsed tier goes through the rules, schema-valid or not (its valid fields only),
  // so one typo does not hide the file's other problems; only valid ones build the catalog.
  const tiers: { parsed: ParsedYaml; tier: TierFile }[] = [];
  const ruleInputs: TierInput[] = [];
  for (const f of tierFiles) {
    const r = parseYaml(f.path, f.bytes);
    if (!r.ok) {
      appendAll(diagnostics, r.diagnostics);
      continue;
    }
    const check = checkTierShape(r.parsed);
    appendAll(diagnostics, check.diagnostics);
    if (!check.diagnostics.length) {
      const valid = { parsed: r.parsed, tier: r.parsed.value as unknown as TierFile };
      tiers.push(valid);
      ruleInputs.push(valid);
    } else {
      const tier: Partial<TierFile> = validFields(r.parsed.value, check, Object.keys(tierSchema.properties));
      // Names can be checked against the catalog whatever their values.
      const { limits, permissions } = r.parsed.value;
      if (isPlainObject(limits)) tier.limits = limits as TierFile['limits'];
      if (Array.isArray(permissions)) tier.permissions = permissions as TierFile['permissions'];
      ruleInputs.push({ parsed: r.parsed, tier });
    }
  }

  if (!catalogFile && !readProblems.length) {
    diagnostics.push({ file: CATALOG_FILE_NAME, line: 1, col: 1, message: `${CATALOG_FILE_NAME} not found`, hint: 'every tier directory needs a catalog.yaml declaring permissions and limits' });
  }
  if (catalogFile && tierFiles.length === 0) {
    diagnostics.push({ file: catalogFile.path, line: 1, col: 1, message: 'no tier files next to this catalog', hint: 'add one <key>.yaml per tier; an empty catalog would plan to delete every tier' });
  }
  let storage: LoadedCatalog['storage'] = null;
  // storage: as far as catalog.yaml could be read (a schema-invalid catalog still says whether it has one).
  const hasStorage = catalogParsed ? Boolean((catalogParsed.value as unknown as CatalogFile).storage) : vocabulary.hasStorage === true;
  if (catalogParsed && hasStorage) {
    const catalogValue = catalogParsed.value as unknown as CatalogFile;
    const r = resolveStorage(catalogParsed, catalogValue);
    if (r.ok) {
      storage = { ...r.storage, stored: storedFields(r.storage.description) };
      appendAll(diagnostics, checkTiersAgainstStorage(r.storage, storage.stored, tiers));
    } else appendAll(diagnostics, r.diagnostics);
  } else if (!hasStorage) appendAll(diagnostics, checkNoAppColumns(tiers));
  // An unresolvable storage: reports its own problems; no second guess about billing.
  const billingStored = !hasStorage || (storage?.stored.fields.has('billing_provider') ?? false) || (storage?.stored.stripeColumns.length ?? 0) > 0;
  // With storage: naming an app platform table, codes not declared in catalog.yaml are checked against that table at plan time.
  const platformTable = hasStorage && (storage === null || storage.description.tier.platform?.kind === 'table');
  appendAll(diagnostics, checkRules(vocabulary, ruleInputs, { billingStored, platformTable }));
  if (diagnostics.length || !catalogParsed) {
    return { ok: false, diagnostics: diagnostics.sort(compareDiagnostics) };
  }

  const catalogValue = catalogParsed.value as unknown as CatalogFile;
  const sources = dict<ParsedYaml>();
  const renamedFrom = dict<string[]>();
  for (const { tier, parsed } of tiers) {
    const ref = tierRef(tier);
    // The catalog built below holds the values; positions are only for later errors.
    sources[ref] = parsed.withoutValue();
    if (tier.renamed_from?.length) renamedFrom[ref] = tier.renamed_from.map((old) => sameScopeRef(ref, old)).sort();
  }
  const catalog = normaliseCatalog(permissionDescriptions(catalogValue.permissions), tiers.map(({ tier }) => tierFromFile(tier)));
  return {
    ok: true,
    loaded: {
      // Under storage:, the catalog as the app's tables can hold it (stored-fields.ts).
      catalog: storage ? projectCatalog(catalog, storage.stored) : catalog,
      limits: toDict(catalogValue.limits),
      platforms: toDict(catalogValue.platforms ?? {}),
      subscribers: catalogValue.subscribers ? { ...catalogValue.subscribers } : null,
      stripeFeatures: stripeFeatures(catalogValue.permissions),
      renamedFrom,
      sources,
      catalogSource: catalogParsed,
      storage,
    },
  };
}

/** Both forms of a permission (`name: description` and `name: { description, … }`) as name -> description. */
export function permissionDescriptions(permissions: CatalogFile['permissions']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, p] of Object.entries(permissions)) out[name] = typeof p === 'string' ? p : p.description;
  return out;
}

function stripeFeatures(permissions: CatalogFile['permissions']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, p] of Object.entries(permissions)) if (typeof p !== 'string' && p.stripe_feature !== undefined) out[name] = p.stripe_feature;
  return sortRecord(out);
}

/** Where every platform tier's file names its platform (tier ref -> position), kept when the parsed files are dropped. */
export function platformPositions(loaded: LoadedCatalog): Record<string, { file: string } & Position> {
  const out: Record<string, { file: string } & Position> = {};
  for (const [ref, tier] of Object.entries(loaded.catalog.tiers)) if (tier.platform !== undefined) out[ref] = platformPosition(loaded, ref);
  return out;
}

/** Where a tier file names its platform (or its key), for errors found later (e.g. a code the app's platform table lacks). */
export function platformPosition(loaded: LoadedCatalog, ref: string): { file: string } & Position {
  const parsed = loaded.sources[ref];
  if (!parsed) return { file: loaded.catalogSource.file, line: 1, col: 1 };
  return { file: parsed.file, ...locate(parsed, pointer([parsed.value['platform'] !== undefined ? 'platform' : 'key'])) };
}

/** Where a tier file grants a permission (or its `permissions:` list, or the file's start), for errors found later. */
export function permissionPosition(loaded: LoadedCatalog, tierKey: string, permission: string | null): { file: string } & Position {
  const parsed = loaded.sources[tierKey];
  if (!parsed) return { file: loaded.catalogSource.file, line: 1, col: 1 };
  const granted = (parsed.value['permissions'] ?? []) as string[];
  const i = permission === null ? -1 : granted.indexOf(permission);
  const ptr = i >= 0 ? pointer(['permissions', i]) : parsed.value['permissions'] !== undefined ? pointer(['permissions']) : pointer(['key']);
  return { file: parsed.file, ...locate(parsed, ptr, i < 0 && parsed.value['permissions'] !== undefined) };
}

/** Fills in the documented defaults so files and database rows compare field by field. */
export function tierFromFile(t: TierFile): Tier {
  // No billing: only where the storage holds no provider; the projection treats it as exempt.
  const billing = t.billing ?? { provider: 'exempt' as const };
  const billingKeys = billing.provider === 'stripe' ? [...(billing.lookup_keys ?? [])] : billing.provider === 'whop' && billing.product_key ? [billing.product_key] : [];
  const tier: Tier = {
    key: t.key,
    ...(t.platform !== undefined ? { platform: t.platform } : {}),
    name: t.name,
    description: t.description ?? null,
    customer_facing: t.customer_facing ?? true,
    display_order: t.display_order ?? 0,
    status: t.status ?? 'active',
    protected: t.protected ?? false,
    billing_provider: billing.provider,
    billing_keys: billingKeys,
    fallback_price: billing.fallback_price ?? null,
    limits: toDict((t.limits ?? {}) as Record<string, number | null>),
    permissions: [...(t.permissions ?? [])],
  };
  if (t.columns) tier.columns = { ...t.columns } as Record<string, string | number | boolean | null>;
  return tier;
}

/** Where a tier file's billing: is (or its key, when it has none), for errors about what billing resolves. */
export function billingPosition(loaded: Pick<LoadedCatalog, 'sources' | 'catalogSource'>, tierKey: string): { file: string } & Position {
  const parsed = loaded.sources[tierKey];
  if (!parsed) return { file: loaded.catalogSource.file, line: 1, col: 1 };
  return { file: parsed.file, ...locate(parsed, pointer([parsed.value['billing'] !== undefined ? 'billing' : 'key']), true) };
}

/** Where a tier's billing key is written, for errors found later (e.g. by Stripe). */
export function billingKeyPosition(loaded: LoadedCatalog, tierKey: string, billingKey: string): { file: string } & Position {
  const parsed = loaded.sources[tierKey];
  if (!parsed) return { file: loaded.catalogSource.file, line: 1, col: 1 };
  const billing = (parsed.value['billing'] ?? {}) as { lookup_keys?: string[]; product_key?: string };
  const i = billing.lookup_keys?.indexOf(billingKey) ?? -1;
  const ptr = i >= 0 ? pointer(['billing', 'lookup_keys', i]) : pointer(['billing', 'product_key']);
  return { file: parsed.file, ...locate(parsed, ptr) };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
