import type { Transaction } from 'sequelize';
import { emptyCatalog, normaliseCatalog, type Catalog, type Tier } from '../catalog/model.js';
import type { SubscribersRef } from '../catalog/load-catalog.js';
import { TierctlError, errorMessage } from '../errors.js';
import { redact } from '../secrets.js';
import type { Database } from './database.js';
import { TABLES, existingTables } from './tables.js';
import { dict } from '../dict.js';

/** The database's catalog, plus the row ids apply needs to write it. */
export interface DatabaseState {
  catalog: Catalog;
  tierIds: Record<string, number>;
  permissionIds: Record<string, number>;
  /** false when tierctl's tables do not exist yet (a fresh database plans as empty). */
  initialised: boolean;
  lastRun: LastRun | null;
}

export interface LastRun {
  id: number;
  result_fingerprint: string;
  finished_at: string;
  /** The catalog the run left (JSON), to list drifted fields. */
  result_state: string | null;
}

interface TierRow {
  id: number;
  key: string;
  name: string;
  description: string | null;
  customer_facing: boolean | number;
  display_order: number;
  status: 'active' | 'retired';
  protected: boolean | number;
  billing_provider: Tier['billing_provider'];
  fallback_price: string | null;
}

/**
 * Reads the whole catalog in a constant number of queries (one per table, however
 * many tiers there are). Run it inside a transaction for a consistent snapshot.
 */
export async function readState(db: Database | null, tx?: Transaction): Promise<DatabaseState> {
  const empty: DatabaseState = { catalog: emptyCatalog(), tierIds: dict(), permissionIds: dict(), initialised: false, lastRun: null };
  if (!db) return empty;
  const tables = await existingTables(db, tx);
  if (!tables.has(TABLES.tier)) return empty;
  const q = <T>(sql: string) => db.query<T>(sql, { transaction: tx ?? null });

  // Sequential on purpose: one connection serves the snapshot transaction.
  const tierRows = await q<TierRow>(`SELECT id, "key", name, description, customer_facing, display_order, status, protected, billing_provider, fallback_price FROM ${TABLES.tier}`);
  const permissionRows = await q<{ id: number; name: string; description: string }>(`SELECT id, name, description FROM ${TABLES.permission}`);
  const grantRows = await q<{ tier_id: number; name: string }>(`SELECT tp.tier_id, p.name FROM ${TABLES.tierPermission} tp JOIN ${TABLES.permission} p ON p.id = tp.permission_id`);
  const limitRows = await q<{ tier_id: number; limit_key: string; value: number | string | null }>(`SELECT tier_id, limit_key, value FROM ${TABLES.limit}`);
  const keyRows = await q<{ tier_id: number; key: string }>(`SELECT tier_id, "key" FROM ${TABLES.billingKey}`);
  const runRows = tables.has(TABLES.run)
    ? await q<{ id: number; result_fingerprint: string; finished_at: string | Date; result_state: string | null }>(
        `SELECT id, result_fingerprint, finished_at, result_state FROM ${TABLES.run} WHERE status IN ('applied', 'no-op') AND result_fingerprint IS NOT NULL ORDER BY id DESC LIMIT 1`,
      )
    : [];

  const byId = new Map<number, Tier>();
  const tierIds = dict<number>();
  for (const r of tierRows) {
    const id = Number(r.id);
    tierIds[r.key] = id;
    byId.set(id, {
      key: r.key,
      name: r.name,
      description: r.description,
      customer_facing: Boolean(r.customer_facing),
      display_order: Number(r.display_order),
      status: r.status,
      protected: Boolean(r.protected),
      billing_provider: r.billing_provider,
      billing_keys: [],
      fallback_price: r.fallback_price,
      limits: dict(),
      permissions: [],
    });
  }
  for (const g of grantRows) byId.get(Number(g.tier_id))?.permissions.push(g.name);
  for (const l of limitRows) {
    const t = byId.get(Number(l.tier_id));
    if (t) t.limits[l.limit_key] = l.value === null ? null : Number(l.value);
  }
  for (const k of keyRows) byId.get(Number(k.tier_id))?.billing_keys.push(k.key);

  const permissions = dict<string>();
  const permissionIds = dict<number>();
  for (const p of permissionRows) {
    permissions[p.name] = p.description;
    permissionIds[p.name] = Number(p.id);
  }
  const run = runRows[0];
  return {
    catalog: normaliseCatalog(permissions, [...byId.values()]),
    tierIds,
    permissionIds,
    initialised: true,
    lastRun: run ? { id: Number(run.id), result_fingerprint: run.result_fingerprint, finished_at: new Date(run.finished_at).toISOString(), result_state: run.result_state } : null,
  };
}

/**
 * Subscribers per tier, in one grouped query over the application's table named in
 * catalog.yaml. The identifiers were checked against a plain-identifier pattern when
 * the catalog loaded, and are quoted here as well; tier ids are bound parameters.
 */
export async function countSubscribers(db: Database | null, ref: SubscribersRef | null, tiers: Record<string, number>, tx?: Transaction): Promise<Record<string, number>> {
  const ids = Object.values(tiers);
  if (!db || !ref || ids.length === 0) return dict();
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
  const out = dict<number>();
  for (const r of rows) {
    const key = keyById.get(Number(r.tier_id));
    if (key) out[key] = Number(r.n);
  }
  return out;
}
