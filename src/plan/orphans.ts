import type { OrphanChange } from './plan-schema.js';

/**
 * Orphan child rows: a grant, limit or billing key whose tier (or permission) row is gone,
 * left by a write outside tierctl with foreign keys off (SQLite's default). Invisible in
 * the catalog, they are drift, and the plan removes them before anything is inserted
 * (a leftover billing key would otherwise collide with a new tier's key on apply).
 */
export type OrphanRow = OrphanChange extends unknown ? (OrphanChange extends infer C ? (C extends unknown ? Omit<C, 'kind' | 'action'> : never) : never) : never;

/** `orphan:tier_limit:7:users`: names an orphan row in plans, fingerprints and drift. */
export function orphanId(o: OrphanRow): string {
  const rest = o.table === 'subscription_tier_permission' ? String(o.permission_id) : o.table === 'tier_limit' ? o.limit_key : `${o.provider}:${o.key}`;
  return `orphan:${o.table}:${o.tier_id}:${rest}`;
}

/** Orphans in a stable order, so plans and fingerprints are deterministic. */
export function sortOrphans(rows: readonly OrphanRow[]): OrphanRow[] {
  return [...rows].sort((a, b) => (orphanId(a) < orphanId(b) ? -1 : orphanId(a) > orphanId(b) ? 1 : 0));
}

/** One line for people: what the row is and what is missing. */
export function describeOrphan(o: OrphanRow): string {
  const what = o.table === 'subscription_tier_permission'
    ? `grant of permission id ${o.permission_id} to tier id ${o.tier_id}`
    : o.table === 'tier_limit'
      ? `limit ${o.limit_key} of tier id ${o.tier_id}`
      : `${o.provider} billing key ${o.key} of tier id ${o.tier_id}`;
  return `orphan row in ${o.table}: ${what} (its ${o.missing} is gone)`;
}

export function orphanChanges(orphans: readonly OrphanRow[]): OrphanChange[] {
  return sortOrphans(orphans).map((o) => ({ kind: 'orphan', action: 'delete', ...o }) as OrphanChange);
}
