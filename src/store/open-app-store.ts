import type { Diagnostic } from '../catalog/diagnostic.js';
import type { LoadedCatalog } from '../catalog/load-catalog.js';
import { InvalidCatalogError } from '../errors.js';
import { openDatabase, type Database, type OpenOptions } from '../state/database.js';
import type { DatabaseTarget } from '../state/database-url.js';
import { checkLiveTables, describeTables, tablesToDescribe, unnamedRequiredColumns, type LiveColumn, type LiveTables } from './live-table-check.js';
import { createSequelizeTierStore, type SequelizeStoreOptions } from './sequelize-tier-store.js';
import type { StorageDescription, TierTableDescription } from './storage-description.js';
import type { TierStore } from './tier-store.js';

/**
 * Opens the store over an app's own tables (catalog.yaml `storage:`): the live tables are
 * described first (one describeTable per table), the description is checked against them
 * (live-table-check.ts) and refused at its line before anything is read or written, and
 * the per-tier columns' SQL types come from the live table, so Sequelize binds a price as
 * a decimal and reads it back as one.
 */
export async function openAppStore(
  target: DatabaseTarget,
  loaded: Pick<LoadedCatalog, 'storage' | 'catalog' | 'sources' | 'catalogSource'>,
  options: OpenOptions & SequelizeStoreOptions = {},
): Promise<TierStore> {
  const storage = loaded.storage;
  if (!storage) throw new Error('openAppStore needs a storage description');
  const db = await openDatabase(target, options);
  try {
    const live = db ? await describeLive(db, storage.description) : Object.fromEntries(tablesToDescribe(storage.description).map((t) => [t, null]));
    const problems: Diagnostic[] = checkLiveTables(loaded as LoadedCatalog, live, db ? await keysIfNeeded(db, storage.description, live) : undefined);
    if (problems.length || !db) throw new InvalidCatalogError(problems, `storage: against ${target.display}`);
    return await createSequelizeTierStore(db, withLiveTypes(storage.description, live), options);
  } catch (err) {
    await db?.close().catch(() => undefined);
    throw err;
  }
}

async function describeLive(db: Database, d: StorageDescription): Promise<LiveTables> {
  const qi = db.sequelize.getQueryInterface();
  return describeTables((t) => qi.describeTable(t) as Promise<Record<string, LiveColumn>>, tablesToDescribe(d), (t) => db.engine.preciseColumnTypes(db.sequelize, t));
}

/**
 * The keys the tier table holds, read only when it has a NOT NULL column without a default
 * that the description leaves out: then creating a tier would fail, updating one would not,
 * and the check needs to know which tiers are new (one SELECT of the key column).
 */
async function keysIfNeeded(db: Database, d: StorageDescription, live: LiveTables): Promise<Set<string> | undefined> {
  const columns = live[d.tier.table];
  if (!columns || unnamedRequiredColumns(d, columns).length === 0) return undefined;
  const options = { attributes: [d.tier.keyColumn], raw: true } as Parameters<ReturnType<Database['sequelize']['getQueryInterface']>['select']>[2];
  const rows = (await db.sequelize.getQueryInterface().select(null, d.tier.table, options)) as unknown as Record<string, unknown>[];
  return new Set(rows.map((r) => String(r[d.tier.keyColumn])));
}

type ColumnTypeName = NonNullable<TierTableDescription['types']>[string];

/** The SQL type family of a live column, as the store's models name it. */
export function columnTypeName(liveType: string): ColumnTypeName {
  const t = liveType.toUpperCase();
  if (/^(BIGINT|INT8)\b/.test(t)) return 'bigint';
  if (/^(INTEGER|INT|INT4|INT2|SMALLINT|MEDIUMINT)\b/.test(t)) return 'integer';
  if (/^(BOOLEAN|BOOL|TINYINT\(1\))/.test(t)) return 'boolean';
  if (/^(NUMERIC|DECIMAL|REAL|DOUBLE|FLOAT)/.test(t)) return 'decimal';
  if (/^JSONB?\b/.test(t)) return 'json';
  if (/^(DATE|DATETIME|TIMESTAMP|TIME)/.test(t)) return 'date';
  if (/^(TEXT|CLOB|MEDIUMTEXT|LONGTEXT)/.test(t)) return 'text';
  return 'string';
}

/** The description with each per-tier column's type taken from the live table. */
function withLiveTypes(d: StorageDescription, live: LiveTables): StorageDescription {
  const columns = live[d.tier.table];
  if (!columns) return d;
  const types: Record<string, ColumnTypeName> = { ...d.tier.types };
  const notNull: string[] = [];
  for (const [column, source] of Object.entries(d.tier.columns)) {
    const info = columns[column];
    if (info && source.kind === 'tier-column') types[column] = columnTypeName(info.type);
    // A resolved Stripe ID that finds no price is null, unless the column cannot hold null.
    if (info && source.kind === 'stripe' && !info.allowNull) notNull.push(column);
  }
  return { ...d, tier: { ...d.tier, types, ...(notNull.length ? { notNull } : {}) } };
}
