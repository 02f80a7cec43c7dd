import type { Transaction } from 'sequelize';
import type { Tier } from '../catalog/model.js';
import { BugError } from '../errors.js';
import type { Change } from '../plan/plan-schema.js';
import { projectChanges } from '../plan/project-changes.js';
import type { Database } from '../state/database.js';
import type { DatabaseState } from '../state/read-state.js';
import { TABLES } from '../state/tables.js';
import { chunk, placeholders, valuesClause } from './write-batches.js';
import { toDict } from '../dict.js';

export interface ExecuteHooks {
  /** Called before every write statement; tests use it to inject a fault at statement N. */
  beforeStatement?: (n: number) => void | Promise<void>;
}

const TIER_COLUMNS = ['key', 'name', 'description', 'customer_facing', 'display_order', 'status', 'protected', 'billing_provider', 'fallback_price', 'created_at', 'updated_at'] as const;
const UPDATABLE = TIER_COLUMNS.filter((c) => c !== 'created_at' && c !== 'key');

/**
 * Writes a plan's changes inside the caller's transaction, in batches: statements
 * grow with the number of tables and batches, not with rows. Child rows (grants,
 * limits, billing keys) of touched tiers are replaced wholesale, old rows first,
 * so a billing key can move between tiers within one apply.
 */
export async function executeChanges(db: Database, tx: Transaction, state: DatabaseState, changes: readonly Change[], hooks: ExecuteHooks = {}): Promise<number> {
  let statements = 0;
  const run = async (sql: string, replacements?: unknown[] | Record<string, unknown>) => {
    statements++;
    await hooks.beforeStatement?.(statements);
    await db.exec(sql, { transaction: tx, ...(replacements ? { replacements } : {}) });
  };
  const now = new Date().toISOString();
  const q = (id: string) => db.quote(id);
  const target = projectChanges(state.catalog, changes);
  const tierIds = toDict(state.tierIds);

  // 1. Permission vocabulary: creates in batches, description updates one by one (rare).
  const permCreates = changes.filter((c): c is Extract<Change, { kind: 'permission'; action: 'create' }> => c.kind === 'permission' && c.action === 'create');
  for (const part of chunk(permCreates)) {
    await run(`INSERT INTO ${TABLES.permission} (name, description) VALUES ${valuesClause(part.length, 2)}`, part.flatMap((c) => [c.permission, c.after.description]));
  }
  for (const c of changes) {
    if (c.kind === 'permission' && c.action === 'update') {
      await run(`UPDATE ${TABLES.permission} SET description = ? WHERE name = ?`, [c.fields.description.after, c.permission]);
    }
  }

  // 2. Renames keep the row id; two steps so swapped keys never collide on uq_subscription_tier_key.
  const renames = changes.filter((c): c is Extract<Change, { action: 'rename' }> => c.action === 'rename');
  for (const r of renames) {
    const id = tierIds[r.from];
    if (id === undefined) throw new BugError(`rename of unknown tier ${r.from}`);
    await run(`UPDATE ${TABLES.tier} SET ${q('key')} = ? WHERE id = ?`, [`~rename~${id}`, id]);
  }
  for (const r of renames) {
    const id = tierIds[r.from] as number;
    await run(`UPDATE ${TABLES.tier} SET ${q('key')} = ?, updated_at = ? WHERE id = ?`, [r.tier, now, id]);
    delete tierIds[r.from];
    tierIds[r.tier] = id;
  }

  // 3. Drop child rows of every tier that is updated or deleted; they are rewritten below.
  const touched = new Set<string>();
  const deletes: string[] = [];
  for (const c of changes) {
    if (c.kind !== 'tier') continue;
    if (c.action === 'update') touched.add(c.tier);
    if (c.action === 'delete') deletes.push(c.tier);
  }
  const idsOf = (keys: Iterable<string>) => [...keys].map((k) => {
    const id = tierIds[k];
    if (id === undefined) throw new BugError(`no row id for tier ${k}`);
    return id;
  });
  const childTables = [TABLES.tierPermission, TABLES.limit, TABLES.billingKey];
  for (const ids of chunk(idsOf([...touched, ...deletes]))) {
    for (const table of childTables) await run(`DELETE FROM ${table} WHERE tier_id IN (${placeholders(ids.length)})`, ids);
  }
  for (const ids of chunk(idsOf(deletes))) {
    await run(`DELETE FROM ${TABLES.tier} WHERE id IN (${placeholders(ids.length)})`, ids);
  }
  for (const k of deletes) delete tierIds[k];

  // 4. New tiers in batches, then their ids in one query per batch.
  const creates = changes.filter((c): c is Extract<Change, { action: 'create'; kind: 'tier' }> => c.kind === 'tier' && c.action === 'create').map((c) => c.after);
  const row = (t: Tier) => [t.key, t.name, t.description, t.customer_facing, t.display_order, t.status, t.protected, t.billing_provider, t.fallback_price, now, now];
  for (const part of chunk(creates)) {
    await run(`INSERT INTO ${TABLES.tier} (${TIER_COLUMNS.map(q).join(', ')}) VALUES ${valuesClause(part.length, TIER_COLUMNS.length)}`, part.flatMap(row));
    const keys = part.map((t) => t.key);
    const rows = await db.query<{ id: number; key: string }>(`SELECT id, ${q('key')} FROM ${TABLES.tier} WHERE ${q('key')} IN (${placeholders(keys.length)})`, { transaction: tx, replacements: keys });
    for (const r of rows) tierIds[r.key] = Number(r.id);
  }

  // 5. Updated and retired tiers: one upsert per batch sets every column from the target state.
  const rewritten = [...new Set(changes.filter((c) => c.kind === 'tier' && (c.action === 'update' || c.action === 'retire')).map((c) => (c as { tier: string }).tier))];
  for (const part of chunk(rewritten)) {
    const values = part.flatMap((k) => [tierIds[k], ...row(target.tiers[k] as Tier)]);
    await run(
      `INSERT INTO ${TABLES.tier} (id, ${TIER_COLUMNS.map(q).join(', ')}) VALUES ${valuesClause(part.length, TIER_COLUMNS.length + 1)} ` +
        `ON CONFLICT (id) DO UPDATE SET ${UPDATABLE.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')}`,
      values,
    );
  }

  // 6. Child rows of created and updated tiers, from the target state.
  const permissionIds = toDict(state.permissionIds);
  if (permCreates.length) {
    const names = permCreates.map((c) => c.permission);
    for (const part of chunk(names)) {
      const rows = await db.query<{ id: number; name: string }>(`SELECT id, name FROM ${TABLES.permission} WHERE name IN (${placeholders(part.length)})`, { transaction: tx, replacements: part });
      for (const r of rows) permissionIds[r.name] = Number(r.id);
    }
  }
  const childOwners = [...creates.map((t) => t.key), ...touched];
  const grants: unknown[][] = [];
  const limits: unknown[][] = [];
  const keys: unknown[][] = [];
  for (const k of childOwners) {
    const t = target.tiers[k] as Tier;
    const id = tierIds[k];
    for (const p of t.permissions) grants.push([id, permissionIds[p]]);
    for (const [name, value] of Object.entries(t.limits)) limits.push([id, name, value]);
    for (const key of t.billing_keys) keys.push([id, t.billing_provider, key]);
  }
  const insertRows = async (table: string, columns: string[], rows: unknown[][]) => {
    for (const part of chunk(rows)) await run(`INSERT INTO ${table} (${columns.map(q).join(', ')}) VALUES ${valuesClause(part.length, columns.length)}`, part.flat());
  };
  await insertRows(TABLES.tierPermission, ['tier_id', 'permission_id'], grants);
  await insertRows(TABLES.limit, ['tier_id', 'limit_key', 'value'], limits);
  await insertRows(TABLES.billingKey, ['tier_id', 'provider', 'key'], keys);

  // 7. Permissions no longer declared (their grants are gone by now).
  const permDeletes = changes.filter((c) => c.kind === 'permission' && c.action === 'delete').map((c) => (c as { permission: string }).permission);
  for (const part of chunk(permDeletes)) await run(`DELETE FROM ${TABLES.permission} WHERE name IN (${placeholders(part.length)})`, part);
  return statements;
}
