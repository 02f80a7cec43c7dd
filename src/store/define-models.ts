import type { DataTypes as SequelizeDataTypes, ModelAttributes, ModelStatic, Model, Sequelize } from 'sequelize';
import { bookkeepingTables, type ColumnSource, type StorageDescription } from './storage-description.js';

type DataTypes = typeof SequelizeDataTypes;
export type AnyModel = ModelStatic<Model>;

/**
 * The Sequelize models of a storage description (`sequelize.define`, one per table it
 * names): Sequelize then owns quoting, types, JSON and booleans per dialect. Models carry
 * only the columns the description names, so nothing else in an app's table is read or
 * written; timestamps are the description's (`timestamp` sources), never Sequelize's own.
 */
export interface StoreModels {
  tier: AnyModel;
  /** Permission vocabulary and grants (join storage only). */
  permission: AnyModel | null;
  grant: AnyModel | null;
  /** The app's platform table, read only (platform.kind 'table'). */
  platform: AnyModel | null;
  /** Limit rows (rows storage only). */
  limit: AnyModel | null;
  /** Billing-key rows (rows storage only). */
  billingKey: AnyModel | null;
  /** tierctl's audit table. */
  run: AnyModel;
  /** tierctl's migration records (umzug's storage). */
  migration: AnyModel;
}

const OPTIONS = { timestamps: false, freezeTableName: true } as const;

export function defineModels(sequelize: Sequelize, types: DataTypes, d: StorageDescription): StoreModels {
  const define = (table: string, attributes: ModelAttributes) => sequelize.define(`tierctl:${table}`, attributes, { ...OPTIONS, tableName: table });
  const tierAttributes: ModelAttributes = {};
  if (d.tier.idColumn) tierAttributes[d.tier.idColumn] = { type: types.INTEGER, primaryKey: true, autoIncrement: true };
  tierAttributes[d.tier.keyColumn] = { type: types.STRING, allowNull: false, ...(d.tier.idColumn ? {} : { primaryKey: true }) };
  for (const [column, source] of Object.entries(d.tier.columns)) tierAttributes[column] = { type: columnType(types, source, d.tier.types?.[column]) };
  const p = d.tier.platform;
  if (p) tierAttributes[p.column] = { type: p.kind === 'table' ? types.INTEGER : types.STRING, allowNull: true };
  const tier = define(d.tier.table, tierAttributes);
  const platform = p?.kind === 'table' ? define(p.table, { [p.idColumn]: { type: types.INTEGER, primaryKey: true }, [p.codeColumn]: { type: types.STRING } }) : null;

  let permission: AnyModel | null = null;
  let grant: AnyModel | null = null;
  if (d.permissions.kind === 'join') {
    const v = d.permissions.vocabulary;
    permission = define(v.table, {
      [v.idColumn]: { type: types.INTEGER, primaryKey: true, autoIncrement: true },
      [v.nameColumn]: { type: types.STRING, allowNull: false },
      ...(v.descriptionColumn ? { [v.descriptionColumn]: { type: types.TEXT } } : {}),
    });
    grant = define(d.permissions.table, {
      [d.permissions.tierIdColumn]: { type: types.INTEGER, primaryKey: true },
      [d.permissions.permissionIdColumn]: { type: types.INTEGER, primaryKey: true },
    });
  }
  const limit =
    d.limits.kind === 'rows'
      ? define(d.limits.table, {
          [d.limits.tierIdColumn]: { type: types.INTEGER, primaryKey: true },
          [d.limits.nameColumn]: { type: types.STRING, primaryKey: true },
          [d.limits.valueColumn]: { type: types.BIGINT },
        })
      : null;
  const billingKey =
    d.billingKeys.kind === 'rows'
      ? define(d.billingKeys.table, {
          [d.billingKeys.tierIdColumn]: { type: types.INTEGER, primaryKey: true },
          [d.billingKeys.providerColumn]: { type: types.STRING, primaryKey: true },
          [d.billingKeys.keyColumn]: { type: types.STRING, primaryKey: true },
        })
      : null;

  const names = bookkeepingTables(d.bookkeeping.prefix);
  const run = define(names.run, {
    id: { type: types.INTEGER, primaryKey: true, autoIncrement: true },
    // Text, not DATE: the audit keeps the ISO strings apply wrote, identically on both databases.
    started_at: { type: types.STRING },
    finished_at: { type: types.STRING },
    tool_version: { type: types.STRING },
    base_fingerprint: { type: types.STRING },
    result_fingerprint: { type: types.STRING },
    plan_fingerprint: { type: types.STRING },
    actor: { type: types.STRING },
    git_sha: { type: types.STRING },
    changes: { type: types.TEXT },
    result_state: { type: types.TEXT },
    status: { type: types.STRING },
  });
  const migration = define(names.migration, {
    name: { type: types.STRING, primaryKey: true },
    applied_at: { type: types.STRING },
  });
  return { tier, platform, permission, grant, limit, billingKey, run, migration };
}

/** SQL types a description may name for an app column (store-mapped fills them from describeTable). */
export type ColumnTypeName = 'string' | 'text' | 'integer' | 'bigint' | 'boolean' | 'json' | 'date' | 'decimal';

function columnType(types: DataTypes, source: ColumnSource, declared: ColumnTypeName | undefined) {
  if (declared) return byName(types, declared);
  switch (source.kind) {
    case 'field':
      if (source.field === 'customer_facing' || source.field === 'protected') return types.BOOLEAN;
      if (source.field === 'display_order') return types.INTEGER;
      if (source.field === 'description') return types.TEXT;
      return types.STRING;
    case 'map': {
      const sample = Object.values(source.values).find((v) => v !== null);
      return typeof sample === 'boolean' ? types.BOOLEAN : typeof sample === 'number' ? types.INTEGER : types.STRING;
    }
    case 'timestamp':
      return types.DATE;
    case 'limit':
      return types.BIGINT;
    case 'billing-key':
    case 'stripe':
      return types.STRING;
    case 'permissions-json':
      return types.JSON;
    case 'tier-column':
      return types.STRING;
  }
}

function byName(types: DataTypes, name: ColumnTypeName) {
  return { string: types.STRING, text: types.TEXT, integer: types.INTEGER, bigint: types.BIGINT, boolean: types.BOOLEAN, json: types.JSON, date: types.DATE, decimal: types.DECIMAL }[name];
}
