import type { Transaction } from 'sequelize';
import { emptyCatalog, normaliseCatalog, type Catalog, type Tier } from '../catalog/model.js';
import { sortOrphans, type OrphanRow } from '../plan/orphans.js';
import type { SubscribersRef } from '../catalog/load-catalog.js';
import { TierctlError, errorMessage } from '../errors.js';
import { redact } from '../secrets.js';
import type { Database } from './database.js';
import { booleanValue, enumValue, integerValue, limitValue, nullableTextValue, textValue } from './row-values.js';
import { TABLES, existingTables } from './tables.js';

/** The database's catalog, plus the row ids apply needs to write it. */
export interface DatabaseState {
  catalog: Catalog;
  tierIds: Record<string, number>;
  permissionIds: Record<string, number>;
  /** false when tierctl's tables do not exist yet (a fresh database plans as empty). */
  initialised: boolean;
  /** Child rows whose tier (or permission) is gone: drift, and removed by the next apply. */
  orphans: OrphanRow[];
}

type Row = Record<string, unknown>;

/**
 * Reads the whole catalog in a constant number of queries (one per table, however
 * many tiers there are). Run it inside a transaction for a consistent snapshot.
 * Every value is checked (row-values.ts): a row that holds nonsense is an error naming
 * it. The audit table is not read here: the app's runtime path must not depend on it
 * (see read-last-run.ts).
 */
export async function readState(db: Database | null, tx?: Transaction): Promise<DatabaseState> {
  const empty: DatabaseState = { catalog: emptyCatalog(), tierIds: {}, permissionIds: {}, initialised: false, orphans: [] };
  if (!db) return empty;
  const tables = await existingTables(db, tx);
  if (!tables.has(TABLES.tier)) return empty;
  const q = (sql: string) => db.query<Row>(sql, { transaction: tx ?? null });

  // Sequential on purpose: one connection serves the snapshot transaction.
  const tierRows = await q(`SELECT id, "key", name, description, customer_facing, display_order, status, protected, billing_provider, fallback_price FROM ${TABLES.tier}`);
  const permissionRows = await q(`SELECT id, name, description FROM ${TABLES.permission}`);
  // LEFT JOIN: a grant whose permission row is gone must show up as an orphan, not vanish.
  const grantRows = await q(`SELECT tp.tier_id, tp.permission_id, p.name FROM ${TABLES.tierPermission} tp LEFT JOIN ${TABLES.permission} p ON p.id = tp.permission_id`);
  const limitRows = await q(`SELECT tier_id, limit_key, value FROM ${TABLES.limit}`);
  const keyRows = await q(`SELECT tier_id, provider, "key" FROM ${TABLES.billingKey}`);
  return assembleState(tierRows, permissionRows, grantRows, limitRows, keyRows);
}

/** Pure: rows in, checked catalog out. */
export function assembleState(tierRows: Row[], permissionRows: Row[], grantRows: Row[], limitRows: Row[], keyRows: Row[]): DatabaseState {
  const byId = new Map<number, Tier>();
  const tierIds: Record<string, number> = {};
  for (const r of tierRows) {
    const id = integerValue({ table: TABLES.tier, row: 'a row' }, 'id', r['id']);
    const key = textValue({ table: TABLES.tier, row: `row id ${id}` }, 'key', r['key']);
    const ref = { table: TABLES.tier, row: `tier ${JSON.stringify(key)}` };
    tierIds[key] = id;
    byId.set(id, {
      key,
      name: textValue(ref, 'name', r['name']),
      description: nullableTextValue(ref, 'description', r['description']),
      customer_facing: booleanValue(ref, 'customer_facing', r['customer_facing']),
      display_order: integerValue(ref, 'display_order', r['display_order']),
      status: enumValue(ref, 'status', r['status'], ['active', 'retired'] as const),
      protected: booleanValue(ref, 'protected', r['protected']),
      billing_provider: enumValue(ref, 'billing_provider', r['billing_provider'], ['stripe', 'whop', 'exempt'] as const),
      billing_keys: [],
      fallback_price: nullableTextValue(ref, 'fallback_price', r['fallback_price']),
      limits: {},
      permissions: [],
    });
  }
  const keyOf = (id: number) => JSON.stringify(byId.get(id)?.key);
  const orphans: OrphanRow[] = [];
  for (const g of grantRows) {
    const ref = { table: TABLES.tierPermission, row: 'a row' };
    const tierId = integerValue(ref, 'tier_id', g['tier_id']);
    const permissionId = integerValue(ref, 'permission_id', g['permission_id']);
    const tier = byId.get(tierId);
    if (!tier || g['name'] === null || g['name'] === undefined) {
      orphans.push({ table: TABLES.tierPermission, tier_id: tierId, permission_id: permissionId, missing: tier ? 'permission' : 'tier' });
      continue;
    }
    tier.permissions.push(textValue({ table: TABLES.permission, row: `id ${permissionId}` }, 'name', g['name']));
  }
  for (const l of limitRows) {
    const tierId = integerValue({ table: TABLES.limit, row: 'a row' }, 'tier_id', l['tier_id']);
    const name = textValue({ table: TABLES.limit, row: `tier id ${tierId}` }, 'limit_key', l['limit_key']);
    const tier = byId.get(tierId);
    if (!tier) {
      orphans.push({ table: TABLES.limit, tier_id: tierId, limit_key: name, missing: 'tier' });
      continue;
    }
    tier.limits[name] = limitValue({ table: TABLES.limit, row: `tier ${keyOf(tierId)}, limit ${JSON.stringify(name)}` }, 'value', l['value']);
  }
  for (const k of keyRows) {
    const tierId = integerValue({ table: TABLES.billingKey, row: 'a row' }, 'tier_id', k['tier_id']);
    const ref = { table: TABLES.billingKey, row: `tier id ${tierId}` };
    const provider = textValue(ref, 'provider', k['provider']);
    const key = textValue(ref, 'key', k['key']);
    const tier = byId.get(tierId);
    if (!tier) {
      orphans.push({ table: TABLES.billingKey, tier_id: tierId, provider, key, missing: 'tier' });
      continue;
    }
    tier.billing_keys.push(key);
  }

  const permissions: Record<string, string> = {};
  const permissionIds: Record<string, number> = {};
  for (const p of permissionRows) {
    const id = integerValue({ table: TABLES.permission, row: 'a row' }, 'id', p['id']);
    const name = textValue({ table: TABLES.permission, row: `id ${id}` }, 'name', p['name']);
    permissions[name] = textValue({ table: TABLES.permission, row: `permission ${JSON.stringify(name)}` }, 'description', p['description']);
    permissionIds[name] = id;
  }
  return {
    catalog: normaliseCatalog(permissions, [...byId.values()]),
    tierIds,
    permissionIds,
    initialised: true,
    orphans: sortOrphans(orphans),
  };
}

/**
 * Subscribers per tier, in one grouped query over the application's table named in
 * catalog.yaml. The identifiers were checked against a plain-identifier pattern when
 * the catalog loaded, and are quoted here as well; tier ids are bound parameters.
 */
export async function countSubscribers(db: Database | null, ref: SubscribersRef | null, tiers: Record<string, number>, tx?: Transaction): Promise<Record<string, number>> {
  const ids = Object.values(tiers);
  if (!db || !ref || ids.length === 0) return {};
  const column = db.quote(ref.column);
  let rows: { tier_id: number | string; n: number | string }[];
  try {
    rows = await db.query(`SELECT ${column} AS tier_id, COUNT(*) AS n FROM ${db.quote(ref.table)} WHERE ${column} IN (:ids) GROUP BY ${column}`, {
      transaction: tx ?? null,
      replacements: { ids },
    });
  } catch (err) {
    throw new TierctlError(`cannot count subscribers in ${ref.table}.${ref.column}: ${redact(errorMessage((err as { original?: unknown }).original ?? err))}`, {
      hint: 'fix subscribers: in catalog.yaml (table and column the application uses), or remove it; deletes stay refused until subscribers can be counted',
    });
  }
  const keyById = new Map(Object.entries(tiers).map(([k, id]) => [id, k]));
  const out: Record<string, number> = {};
  for (const r of rows) {
    const key = keyById.get(Number(r.tier_id));
    if (key) out[key] = Number(r.n);
  }
  return out;
}
