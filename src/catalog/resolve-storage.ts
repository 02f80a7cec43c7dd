import type { ColumnSource, StorageDescription, StripeInterval, TierField } from '../store/storage-description.js';
import type { Diagnostic } from './diagnostic.js';
import { locate, pointer, type ParsedYaml, type Position } from './parse-yaml.js';
import type { CatalogFile } from './schemas.js';
import type { STORAGE_TIER_FIELDS } from './storage-schema.js';

type StorageFile = NonNullable<CatalogFile['storage']>;
type SourceSpelling = StorageFile['tiers']['columns'][string];

/** Default prefix of tierctl's bookkeeping tables beside an app's tables. */
export const DEFAULT_BOOKKEEPING_PREFIX = 'tierctl_';

/** Where each part of a description was written, so later checks (live tables, tier files) can point at it. */
export interface StoragePositions {
  file: string;
  /** JSON pointer into catalog.yaml -> position; use `at(path)`. */
  at(path: readonly (string | number)[], key?: boolean): { file: string } & Position;
}

export interface ResolvedStorage {
  description: StorageDescription;
  positions: StoragePositions;
}

/** Fields whose every value can be listed, so a value map can be complete and read back. */
const MAP_DOMAINS: Partial<Record<TierField, readonly string[]>> = {
  status: ['active', 'retired'],
  customer_facing: ['true', 'false'],
  protected: ['true', 'false'],
  billing_provider: ['stripe', 'whop', 'exempt'],
};

/** A tier field as a tier file spells it (billing_provider -> billing.provider), for messages. */
export function yamlField(f: TierField): string {
  return f === 'billing_provider' ? 'billing.provider' : f === 'fallback_price' ? 'billing.fallback_price' : f;
}

function modelField(f: (typeof STORAGE_TIER_FIELDS)[number]): TierField {
  return f === 'billing.provider' ? 'billing_provider' : f === 'billing.fallback_price' ? 'fallback_price' : f;
}

/**
 * catalog.yaml's `storage:` (schema-valid) -> the resolved description, or every problem at
 * its line. Pure. The rules here are those the JSON Schema cannot say: one home per tier
 * field, maps that read back, one way to store limits / permissions / billing keys, every
 * declared limit with a column, subscribers that can point at the tier.
 */
export function resolveStorage(parsed: ParsedYaml, catalog: CatalogFile): { ok: true; storage: ResolvedStorage } | { ok: false; diagnostics: Diagnostic[] } {
  const s = catalog.storage as StorageFile;
  const out: Diagnostic[] = [];
  const positions: StoragePositions = {
    file: parsed.file,
    at: (path, key = false) => ({ file: parsed.file, ...locate(parsed, pointer(['storage', ...path]), key) }),
  };
  const err = (path: (string | number)[], message: string, hint?: string, key = false) =>
    out.push({ ...positions.at(path, key), message, ...(hint ? { hint } : {}) });

  const t = s.tiers;
  if (t.id !== null && t.id === t.key) err(['tiers', 'id'], `id and key name the same column "${t.key}"`, 'id is the integer column foreign keys point at; write id: null when the key column is the primary key');

  const columns: Record<string, ColumnSource> = {};
  const plainHome = new Map<TierField, string>();
  const limitHome = new Map<string, string>();
  const keyHome = new Map<string, string>();
  const stripeHome = new Map<string, string>();
  let permissionColumn: string | undefined;
  for (const [column, spelling] of Object.entries(t.columns)) {
    const path = ['tiers', 'columns', column];
    if (column === t.key || column === t.id) {
      err(path, `column "${column}" is already the ${column === t.key ? 'key' : 'id'} column`, 'remove it from columns:', true);
      continue;
    }
    const source = toSource(column, spelling);
    columns[column] = source;
    switch (source.kind) {
      case 'field': {
        if (source.field === 'key') {
          err(path, `the key is stored in tiers.key ("${t.key}"); a second key column cannot be kept in step`, 'remove this column from columns:, or name it in tiers.key');
          break;
        }
        const first = plainHome.get(source.field);
        if (first) err(path, `${yamlField(source.field)} is already stored in column "${first}"`, 'store each tier field in one column; use {field, map} for a derived column');
        else plainHome.set(source.field, column);
        break;
      }
      case 'map': {
        const domain = MAP_DOMAINS[source.field];
        if (!domain) {
          err([...path, 'field'], `${yamlField(source.field)} cannot be stored through a map`, `maps work for fields with a fixed set of values: ${Object.keys(MAP_DOMAINS).join(', ')}`);
          break;
        }
        const missing = domain.filter((v) => !(v in source.values));
        const extra = Object.keys(source.values).filter((v) => !domain.includes(v));
        if (missing.length) err([...path, 'map'], `the map of ${yamlField(source.field)} lacks ${missing.map((v) => `"${v}"`).join(', ')}`, `list every value ${yamlField(source.field)} can take: ${domain.join(', ')}`);
        for (const v of extra) err([...path, 'map', v], `"${v}" is not a value of ${yamlField(source.field)}`, `values: ${domain.join(', ')}`, true);
        const seen = new Map<string, string>();
        for (const [from, to] of Object.entries(source.values)) {
          const id = JSON.stringify(to);
          const other = seen.get(id);
          // Two values onto one column value cannot be read back, unless another column holds the field.
          if (other !== undefined && !plainHomeLater(t.columns, source.field)) {
            err([...path, 'map', from], `"${from}" and "${other}" both map to ${id}, so the column cannot be read back`, `store ${yamlField(source.field)} in a column of its own too, or map each value to a distinct column value`);
          }
          seen.set(id, from);
        }
        break;
      }
      case 'limit': {
        const first = limitHome.get(source.limit);
        if (first) err(path, `limit "${source.limit}" is already stored in column "${first}"`);
        else limitHome.set(source.limit, column);
        if (!Object.prototype.hasOwnProperty.call(catalog.limits, source.limit)) {
          err([...path, 'limit'], `limit "${source.limit}" is not declared under limits:`, 'declare it under limits: in catalog.yaml, or fix the spelling');
        }
        break;
      }
      case 'billing-key': {
        const first = keyHome.get(source.provider);
        if (first) err(path, `the ${source.provider} key is already stored in column "${first}"`);
        else keyHome.set(source.provider, column);
        break;
      }
      case 'stripe': {
        const what = source.object === 'price' ? `the ID of the price recurring every ${source.interval}` : 'the ID of the tier\'s product';
        const id = source.object === 'price' ? `price:${source.interval}` : 'product';
        const first = stripeHome.get(id);
        if (first) err(path, `${what} is already stored in column "${first}"`, 'store each resolved ID in one column');
        else stripeHome.set(id, column);
        break;
      }
      case 'permissions-json':
        if (permissionColumn) err(path, `permissions are already stored in column "${permissionColumn}"`);
        else permissionColumn = column;
        break;
      default:
        break;
    }
  }
  // Platform: a code column, or an id column resolved through the app's platform table.
  let platform: StorageDescription['tier']['platform'] = null;
  if (t.platform) {
    const p = t.platform;
    const named = [p.table, p.id, p.code].filter((x) => x !== undefined).length;
    if (named !== 0 && named !== 3) err(['tiers', 'platform'], 'platform: names its table, id and code together, or none of them', 'write  platform: { column: platform_id, table: platforms, id: id, code: code }  (the column holds the platform row\'s id), or  platform: { column: platform }  (the column holds the code)');
    if (p.column === t.key || p.column === t.id || Object.prototype.hasOwnProperty.call(t.columns, p.column)) err(['tiers', 'platform', 'column'], `column "${p.column}" is already used by the tier table's key, id or columns:`, 'the platform needs a column of its own');
    platform = p.table !== undefined && p.id !== undefined && p.code !== undefined ? { kind: 'table', column: p.column, table: p.table, idColumn: p.id, codeColumn: p.code } : { kind: 'code', column: p.column };
  }
  if (catalog.platforms && Object.keys(catalog.platforms).length && !t.platform) {
    out.push({ file: parsed.file, ...locate(parsed, pointer(['platforms']), true), message: 'platforms: are declared, but storage.tiers names no platform column', hint: 'add  platform: { column: ..., table: ..., id: ..., code: ... }  under storage.tiers, or remove platforms:' });
  }
  if (!plainHome.has('name')) {
    err(['tiers', 'columns'], 'no column stores the tier name', 'add the name column, for example  name: name');
  }

  // Limits: rows of a limit table, or one column per declared limit.
  if (s.limits && limitHome.size) {
    err(['limits'], 'limits are stored both in a limit table and as columns ({limit: ...})', 'choose one: remove limits: or the limit columns', true);
  }
  if (!s.limits) {
    for (const name of Object.keys(catalog.limits)) {
      if (!limitHome.has(name)) {
        out.push({ file: parsed.file, ...locate(parsed, pointer(['limits', name]), true), message: `limit "${name}" has no column in storage.tiers.columns`, hint: `add a column with {limit: ${name}}, or remove the limit: this storage cannot hold it` });
      }
    }
  }
  // Permissions: a join table and vocabulary, a JSON column, or nothing.
  if (s.permissions && permissionColumn) {
    err(['permissions'], `permissions are stored both in a join table and in column "${permissionColumn}"`, 'choose one', true);
  }
  // Billing keys: rows, single columns, or nothing; either way the provider must be readable.
  if (s.billing_keys && keyHome.size) err(['billing_keys'], 'billing keys are stored both in a key table and in columns ({billing_key: ...})', 'choose one', true);
  const providerStored = plainHome.has('billing_provider') || Object.values(columns).some((c) => c.kind === 'map' && c.field === 'billing_provider');
  if ((s.billing_keys || keyHome.size) && !providerStored) {
    err(['tiers', 'columns'], 'billing keys are stored but the billing provider is not', 'add a column with billing.provider (the keys mean nothing without it)');
  }

  const subs = catalog.subscribers;
  let subscribers: StorageDescription['subscribers'] = null;
  if (subs) {
    const references = subs.references ?? (t.id === null ? 'key' : 'id');
    if (references === 'id' && t.id === null) {
      out.push({ file: parsed.file, ...locate(parsed, pointer(['subscribers', 'references'])), message: 'subscribers reference the tier id, but storage.tiers has no id column (id: null)', hint: 'write references: key (the column holds the tier key)' });
    }
    subscribers = { table: subs.table, column: subs.column, references };
  }

  if (out.length) return { ok: false, diagnostics: out };
  const description: StorageDescription = {
    origin: 'app',
    at: positions.at([]),
    tier: { table: t.table, keyColumn: t.key, idColumn: t.id, platform, columns },
    limits: s.limits ? { kind: 'rows', table: s.limits.table, tierIdColumn: s.limits.tier_column, nameColumn: s.limits.name_column, valueColumn: s.limits.value_column } : { kind: 'columns' },
    permissions: s.permissions
      ? {
          kind: 'join',
          table: s.permissions.table,
          tierIdColumn: s.permissions.tier_column,
          permissionIdColumn: s.permissions.permission_column,
          vocabulary: { table: s.permissions.vocabulary.table, idColumn: s.permissions.vocabulary.id, nameColumn: s.permissions.vocabulary.name, descriptionColumn: s.permissions.vocabulary.description ?? null },
        }
      : permissionColumn ? { kind: 'json' } : { kind: 'none' },
    billingKeys: s.billing_keys
      ? { kind: 'rows', table: s.billing_keys.table, tierIdColumn: s.billing_keys.tier_column, providerColumn: s.billing_keys.provider_column, keyColumn: s.billing_keys.key_column }
      : keyHome.size ? { kind: 'columns' } : { kind: 'none' },
    subscribers,
    bookkeeping: { prefix: s.bookkeeping_prefix ?? DEFAULT_BOOKKEEPING_PREFIX },
  };
  return { ok: true, storage: { description, positions } };
}

function plainHomeLater(columns: StorageFile['tiers']['columns'], field: TierField): boolean {
  return Object.values(columns).some((c) => typeof c === 'string' && c !== 'per_tier' && modelField(c) === field);
}

function toSource(column: string, s: SourceSpelling): ColumnSource {
  if (typeof s === 'string') return s === 'per_tier' ? { kind: 'tier-column', name: column } : { kind: 'field', field: modelField(s) };
  if ('map' in s) return { kind: 'map', field: modelField(s.field), values: { ...s.map } as Record<string, string | number | boolean | null> };
  if ('timestamp' in s) return { kind: 'timestamp', on: s.timestamp };
  if ('limit' in s) return { kind: 'limit', limit: s.limit };
  if ('billing_key' in s) return { kind: 'billing-key', provider: s.billing_key };
  if ('stripe' in s) return s.stripe === 'price' ? { kind: 'stripe', object: 'price', interval: s.interval as StripeInterval } : { kind: 'stripe', object: 'product' };
  return { kind: 'permissions-json', shape: s.permissions };
}
