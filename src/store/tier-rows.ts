import type { Tier } from '../catalog/model.js';
import { booleanValue, enumValue, integerValue, nullableTextValue, textValue, type RowRef } from '../state/row-values.js';
import { storedLimitValue } from './limit-value.js';
import type { ColumnScalar, ColumnSource, PlatformStorage, StorageDescription, TierField } from './storage-description.js';
import { PLATFORM_CODE_PATTERN } from '../catalog/patterns.js';
import { TierctlError } from '../errors.js';
import { visible } from '../render/visible.js';

const PLATFORM_CODE = new RegExp(PLATFORM_CODE_PATTERN);
import { toDict } from '../dict.js';
import { FIELD_DEFAULTS } from '../catalog/stored-fields.js';

/**
 * Row ⇄ tier conversion for the tier table, driven by the description's column sources.
 * Pure (no Sequelize, no clock): the store hands in rows as the driver returned them and
 * gets back model values, so every description kind converts in one place, and the
 * in-memory twin and the Sequelize store agree by construction.
 */

/** A tier row as read or written: column name → value (Sequelize maps JS values per dialect). */
export type TierRow = Record<string, unknown>;

/** A tier with the per-tier app values the model gains for `tier-column` sources (store-mapped). */
type TierWithColumns = Tier & { columns?: Record<string, ColumnScalar> };

/**
 * The app's platform table as read (id <-> code), for a description whose platform column
 * holds the platform row's id (`platform.kind === 'table'`).
 */
export interface PlatformRows {
  codeById: ReadonlyMap<string, string>;
  idByCode: ReadonlyMap<string, number>;
}

/** The tier-table columns of `tier` (key column included, id column excluded). `now` feeds timestamp sources. */
export function tierToRow(d: StorageDescription, tier: Tier, now: Date, creating: boolean, platforms?: PlatformRows | null): TierRow {
  const row: TierRow = { [d.tier.keyColumn]: tier.key };
  const p = d.tier.platform;
  if (p) row[p.column] = platformValue(p, tier.platform ?? null, platforms ?? null);
  else if (tier.platform !== undefined) throw new Error(`tier ${tier.key}@${tier.platform}: ${d.tier.table} has no platform column`);
  for (const [column, source] of Object.entries(d.tier.columns)) {
    if (source.kind === 'timestamp' && source.on === 'create' && !creating) continue;
    row[column] = columnValue(column, source, tier, now);
  }
  return row;
}

function platformValue(p: PlatformStorage, code: string | null, platforms: PlatformRows | null): string | number | null {
  if (code === null || p.kind === 'code') return code;
  const id = platforms?.idByCode.get(code);
  // Plan refuses such a tier at its file's line first (plan/platform-check.ts); this guards apply's own read.
  if (id === undefined) throw new TierctlError(`platform "${code}" has no row in ${p.table} (by ${p.codeColumn}); nothing was applied`, { hint: `add the platform to ${p.table} in the application first, or fix platform: in the tier file` });
  return id;
}

function columnValue(column: string, source: ColumnSource, tier: Tier, now: Date): unknown {
  switch (source.kind) {
    case 'field':
      return tier[source.field];
    case 'map': {
      const value = String(tier[source.field]);
      if (!(value in source.values)) throw new Error(`no mapped value for ${source.field} = ${value}`);
      return source.values[value];
    }
    case 'timestamp':
      return now;
    case 'tier-column':
      return (tier as TierWithColumns).columns?.[source.name] ?? null;
    case 'stripe':
      // Resolved before planning (plan/resolve-stripe-ids.ts), from Stripe or, without it, the row's own value.
      return (tier as TierWithColumns).columns?.[column] ?? null;
    case 'limit':
      return tier.limits[source.limit] ?? null;
    case 'billing-key':
      return tier.billing_provider === source.provider ? (tier.billing_keys[0] ?? null) : null;
    case 'permissions-json':
      return source.shape === 'array' ? [...tier.permissions].sort() : Object.fromEntries([...tier.permissions].sort().map((p) => [p, true]));
  }
}

/** Collections that live in other tables, gathered per tier row id by the store. */
export interface TierChildren {
  permissions: string[];
  limits: Record<string, number | null>;
  billingKeys: string[];
}

/**
 * A tier from its row (and its child rows, for storage that keeps them in tables).
 * Values are normalised across drivers: 0/1 → booleans, numeric strings → numbers,
 * JSON text → values. Fields the storage does not hold take the tier-file defaults.
 */
export function rowToTier(d: StorageDescription, row: TierRow, children: TierChildren, platforms?: PlatformRows | null): Tier {
  // Every value is checked (state/row-values.ts): a row holding nonsense is an error naming
  // table, tier, column and value, never NaN (a limit that compares false: unlimited).
  const key = textValue({ table: d.tier.table, row: 'a row' }, d.tier.keyColumn, row[d.tier.keyColumn]);
  const ref: RowRef = { table: d.tier.table, row: `tier ${JSON.stringify(key)}` };
  const platform = rowPlatform(d, row, ref, platforms ?? null);
  const tier: TierWithColumns = {
    key,
    ...(platform !== null ? { platform } : {}),
    name: key,
    ...FIELD_DEFAULTS,
    billing_keys: [...children.billingKeys],
    limits: toDict(children.limits),
    permissions: [...children.permissions],
  };
  let provider: Tier['billing_provider'] | undefined;
  const keyByProvider: Partial<Record<'stripe' | 'whop', string>> = {};
  const { plainFields, columns } = columnsOf(d);
  for (const [column, source] of columns) {
    const raw = row[column];
    switch (source.kind) {
      case 'field':
        if (source.field === 'billing_provider') provider = enumValue(ref, column, raw, ['stripe', 'whop', 'exempt'] as const);
        else if (source.field !== 'key') setField(tier, source.field, raw, ref, column);
        break;
      case 'map': {
        // A field with a column of its own is read from it; the map is derived (is_billing_exempt).
        if (plainFields.has(source.field)) break;
        const entry = Object.entries(source.values).find(([, v]) => sameScalar(v, raw));
        if (!entry || source.field === 'key') break;
        if (source.field === 'billing_provider') provider = entry[0] as Tier['billing_provider'];
        else setField(tier, source.field, entry[0], ref, column);
        break;
      }
      case 'tier-column':
        (tier.columns ??= {})[source.name] = scalar(raw, d.tier.types?.[column]);
        break;
      case 'stripe':
        (tier.columns ??= {})[column] = raw === undefined ? null : nullableTextValue(ref, column, raw);
        break;
      case 'limit':
        tier.limits[source.limit] = storedLimitValue(raw, { table: d.tier.table, limit: source.limit, tier: JSON.stringify(tier.key), column });
        break;
      case 'billing-key':
        if (typeof raw === 'string' && raw !== '') keyByProvider[source.provider] = raw;
        break;
      case 'permissions-json': {
        const value = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
        if (Array.isArray(value)) tier.permissions.push(...value.map(String));
        else if (value && typeof value === 'object') tier.permissions.push(...Object.entries(value).filter(([, on]) => on === true).map(([p]) => p));
        break;
      }
      case 'timestamp':
        break;
    }
  }
  if (keyByProvider.stripe !== undefined || keyByProvider.whop !== undefined) {
    provider ??= keyByProvider.stripe !== undefined ? 'stripe' : 'whop';
    const key = keyByProvider[provider as 'stripe' | 'whop'];
    if (key !== undefined) tier.billing_keys.push(key);
  }
  if (provider !== undefined) tier.billing_provider = provider;
  return tier;
}

/** What rowToTier reads of a description for every row, worked out once per description (it is fixed once resolved). */
interface TierColumns {
  /** Fields with a column of their own (a `map` source of the same field is derived, not read). */
  plainFields: ReadonlySet<string>;
  columns: readonly (readonly [string, ColumnSource])[];
}
const columnsByDescription = new WeakMap<StorageDescription['tier']['columns'], TierColumns>();

function columnsOf(d: StorageDescription): TierColumns {
  // Keyed by the columns object itself: a description built anew (tests, another catalog) gets its own entry.
  let found = columnsByDescription.get(d.tier.columns);
  if (!found) {
    const columns = Object.entries(d.tier.columns);
    found = { plainFields: new Set(columns.flatMap(([, s]) => (s.kind === 'field' ? [s.field] : []))), columns };
    columnsByDescription.set(d.tier.columns, found);
  }
  return found;
}

/**
 * The platform code of a row: null for a global tier (NULL, or a column not read: tierctl's
 * own table before migration 0003). A code that is no platform code, or an id with no row in
 * the app's platform table, is an error naming the row, like every other value read.
 */
export function rowPlatform(d: StorageDescription, row: TierRow, ref: RowRef, platforms: PlatformRows | null): string | null {
  const p = d.tier.platform;
  if (!p) return null;
  const raw = row[p.column];
  if (raw === null || raw === undefined) return null;
  if (p.kind === 'table') {
    const id = integerValue(ref, p.column, raw);
    const code = platforms?.codeById.get(String(id));
    if (code === undefined) throw new TierctlError(`${ref.table}: ${ref.row} has ${p.column} = ${id}, which is no row of ${p.table}`, { hint: `fix the row in the database (a platform id of ${p.table}.${p.idColumn}, or NULL for a global tier)` });
    return code;
  }
  const code = textValue(ref, p.column, raw);
  if (!PLATFORM_CODE.test(code)) throw new TierctlError(`${ref.table}: ${ref.row} has ${p.column} = ${JSON.stringify(visible(code))}, which is not a platform code`, { hint: 'fix the row in the database: a platform code is 1-32 lowercase letters, digits, _ or -, starting with a letter (NULL for a global tier)' });
  return code;
}

function setField(tier: Tier, field: Exclude<TierField, 'key' | 'billing_provider'>, raw: unknown, ref: RowRef, column: string): void {
  // A column missing from the row was not read (callers building rows by hand): the default
  // stays. A column read as NULL or garbage is checked below and refused.
  if (raw === undefined) return;
  switch (field) {
    case 'customer_facing':
    case 'protected':
      // Mapped values arrive as the description's text ('true', 't', '1'); driver values as booleans or 0/1.
      if (raw === '1' || raw === 'true' || raw === 't') tier[field] = true;
      else if (raw === '0' || raw === 'false' || raw === 'f') tier[field] = false;
      else tier[field] = booleanValue(ref, column, raw);
      return;
    case 'display_order':
      tier[field] = integerValue(ref, column, raw);
      return;
    case 'status':
      tier[field] = enumValue(ref, column, raw, ['active', 'retired'] as const);
      return;
    case 'name':
      tier[field] = textValue(ref, column, raw);
      return;
    case 'description':
    case 'fallback_price':
      tier[field] = raw === undefined ? null : nullableTextValue(ref, column, raw);
      return;
  }
}

function scalar(raw: unknown, type?: string): ColumnScalar {
  if (raw === null || raw === undefined) return null;
  // Drivers hand NUMERIC/BIGINT back as strings (PostgreSQL) and booleans as 0/1 (SQLite):
  // read them as the tier file writes them, or the plan would never reach 0.
  if ((type === 'decimal' || type === 'integer' || type === 'bigint') && typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  if (type === 'boolean' && (raw === 0 || raw === 1)) return raw === 1;
  if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') return raw;
  if (typeof raw === 'bigint') return Number(raw);
  if (raw instanceof Date) return raw.toISOString();
  return String(raw);
}

/** A mapped value as stored equals the description's value (drivers return 0/1 for booleans, strings for bigints). */
function sameScalar(expected: ColumnScalar, raw: unknown): boolean {
  if (expected === null) return raw === null || raw === undefined;
  if (typeof expected === 'boolean') return raw === expected || raw === (expected ? 1 : 0) || raw === (expected ? '1' : '0');
  if (typeof expected === 'number') return Number(raw) === expected;
  return raw === expected;
}
