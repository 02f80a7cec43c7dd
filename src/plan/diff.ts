import { SCALAR_FIELDS, type Catalog, type Tier } from '../catalog/model.js';
import { orphanChanges, orphanId, type OrphanRow } from './orphans.js';
import type { BlockedChange, Change, PlanWarning, TierFields } from './plan-schema.js';
import { appendAll } from '../append-all.js';
import { dict } from '../dict.js';
import type { PlatformPositions } from './platform-check.js';
import { parseTierRef, scopeWords, tierRef } from '../catalog/tier-ref.js';

/** What the diff needs of the desired side beyond the shared Catalog. */
export interface DesiredState {
  catalog: Catalog;
  /** New tier ref -> earlier refs on the same platform, from renamed_from (tier-ref.ts). */
  renamedFrom: Record<string, string[]>;
  /** Where each platform tier's file names its platform, for a code the app's platform table lacks (platform-check.ts). */
  platformAt?: PlatformPositions;
}

export interface DiffContext {
  /** Subscribers per tier ref of the database: a delete of a tier with any is blocked. */
  subscriberCounts?: Record<string, number>;
  /** Orphan child rows in the database; the plan removes them first. */
  orphans?: readonly OrphanRow[];
}

export interface DiffResult {
  changes: Change[];
  blocked: BlockedChange[];
  warnings: PlanWarning[];
}

/** Apply runs changes in this order: vocabulary first, then renames so keys are free, drops last. */
const PHASES = ['orphan:delete', 'permission:create', 'permission:update', 'tier:rename', 'tier:create', 'tier:update', 'tier:retire', 'tier:delete', 'permission:delete'] as const;

/**
 * The pure planner: desired (files) and actual (database) in, ordered changes out.
 * No I/O, no clock, no randomness: the same inputs always give the same plan.
 */
export function diff(desired: DesiredState, actual: Catalog, context: DiffContext = {}): DiffResult {
  const changes: Change[] = [];
  const blocked: BlockedChange[] = [];
  const warnings: PlanWarning[] = [];

  changes.push(...orphanChanges(context.orphans ?? []));
  diffPermissions(desired.catalog.permissions, actual.permissions, changes);

  // Resolve renames first: the row keeps its id (and its subscribers) under a new key.
  // Keys are refs (`key`, `key@platform`): a rename stays within its platform.
  const matchedActual = new Map<string, Tier>(); // desired ref -> actual tier
  const consumed = new Set<string>(); // actual refs matched to some desired tier
  const actualByKey = new Map<string, string[]>(); // bare key -> actual refs (every platform)
  for (const [ref, t] of Object.entries(actual.tiers)) actualByKey.set(t.key, [...(actualByKey.get(t.key) ?? []), ref]);
  for (const key of Object.keys(desired.catalog.tiers)) {
    const own = Object.hasOwn(actual.tiers, key) ? actual.tiers[key] : undefined;
    const named = Object.hasOwn(desired.renamedFrom, key) ? (desired.renamedFrom[key] as string[]) : [];
    const earlier = named.filter((old) => Object.hasOwn(actual.tiers, old));
    if (!own && !earlier.length) {
      // renamed_from names a key that exists only on another platform (or globally): a tier
      // cannot move between platforms, and guessing would re-point the row's subscribers.
      const elsewhere = named.flatMap((old) => (actualByKey.get(parseTierRef(old).key) ?? []).filter((r) => r !== old && !Object.hasOwn(desired.catalog.tiers, r)));
      if (elsewhere.length) {
        const scope = scopeWords(parseTierRef(key).platform);
        blocked.push({ tier: key, action: 'rename', reason: `renamed_from names ${elsewhere.map((r) => `"${r}"`).join(', ')}, which is on ${elsewhere.map((r) => scopeWords(parseTierRef(r).platform)).join(', ')}, not ${scope}; renamed_from stays within a tier's platform, and a tier cannot move between platforms: create the tier on its platform and retire the other (status: retired)` });
        for (const r of elsewhere) consumed.add(r);
        continue;
      }
    }
    if (own) {
      matchedActual.set(key, own);
      consumed.add(key);
      for (const old of earlier) {
        warnings.push({ tier: key, message: `renamed_from "${old}" not applied: both "${old}" and "${key}" exist in the database` });
      }
      continue;
    }
    if (earlier.length === 1) {
      const old = earlier[0] as string;
      changes.push({ kind: 'tier', action: 'rename', tier: key, from: old });
      matchedActual.set(key, actual.tiers[old] as Tier);
      consumed.add(old);
    } else if (earlier.length > 1) {
      blocked.push({ tier: key, action: 'rename', reason: `several earlier keys exist in the database (${earlier.join(', ')}); keep one in renamed_from` });
      for (const old of earlier) consumed.add(old);
    }
  }

  for (const [key, want] of Object.entries(desired.catalog.tiers)) {
    const have = matchedActual.get(key);
    if (!have) {
      if (!blocked.some((b) => b.tier === key)) changes.push({ kind: 'tier', action: 'create', tier: key, after: want });
      continue;
    }
    const retiring = have.status === 'active' && want.status === 'retired';
    const fields = diffTier(have, want, retiring);
    if (fields) changes.push({ kind: 'tier', action: 'update', tier: key, fields });
    if (retiring) {
      if (have.protected) blocked.push({ tier: key, action: 'retire', reason: 'the tier is protected in the database; protected tiers cannot be retired' });
      else changes.push({ kind: 'tier', action: 'retire', tier: key });
    }
  }

  const deleted: Tier[] = [];
  for (const [key, have] of Object.entries(actual.tiers)) {
    if (consumed.has(key)) continue;
    const subscribers = context.subscriberCounts && Object.hasOwn(context.subscriberCounts, key) ? (context.subscriberCounts[key] as number) : 0;
    if (have.protected) blocked.push({ tier: key, action: 'delete', reason: 'the tier is protected in the database; protected tiers cannot be deleted' });
    else if (subscribers > 0) blocked.push({ tier: key, action: 'delete', reason: `${subscribers} subscriber${subscribers === 1 ? '' : 's'} still on this tier; move them or retire the tier (status: retired)` });
    else changes.push({ kind: 'tier', action: 'delete', tier: key, before: have });
    deleted.push(have);
  }

  appendAll(warnings, possibleRenames(deleted, changes, desired.catalog));

  changes.sort((a, b) => phase(a) - phase(b) || subject(a).localeCompare(subject(b)));
  blocked.sort((a, b) => a.tier.localeCompare(b.tier) || a.action.localeCompare(b.action));
  warnings.sort((a, b) => (a.tier ?? '').localeCompare(b.tier ?? '') || a.message.localeCompare(b.message));
  return { changes, blocked, warnings };
}

function diffPermissions(want: Record<string, string>, have: Record<string, string>, changes: Change[]): void {
  for (const [name, description] of Object.entries(want)) {
    const before = Object.hasOwn(have, name) ? have[name] : undefined;
    if (before === undefined) changes.push({ kind: 'permission', action: 'create', permission: name, after: { description } });
    else if (before !== description) changes.push({ kind: 'permission', action: 'update', permission: name, fields: { description: { before, after: description } } });
  }
  for (const [name, description] of Object.entries(have)) {
    if (!Object.hasOwn(want, name)) changes.push({ kind: 'permission', action: 'delete', permission: name, before: { description } });
  }
}

/** Field-level differences, or undefined when the tier is unchanged (status left to `retire`). */
export function diffTier(have: Tier, want: Tier, retiring: boolean): TierFields | undefined {
  const fields: TierFields = {};
  for (const f of SCALAR_FIELDS) {
    if (f === 'status' && retiring) continue;
    if (have[f] !== want[f]) fields[f] = { before: have[f], after: want[f] };
  }
  // An unchanged tier (every tier of an up-to-date database) allocates nothing below: the
  // Sets, filtered arrays and limit records are built only for a side that differs
  // (at 10,000 tiers they were ~0.1 s of plan's CPU, with the collections they caused).
  if (!sameList(have.permissions, want.permissions)) setChange(fields, 'permissions', have.permissions, want.permissions);
  if (!sameList(have.billing_keys, want.billing_keys)) setChange(fields, 'billing_keys', have.billing_keys, want.billing_keys);
  if (!sameLimits(have.limits, want.limits)) {
    const limits = { added: dict<number | null>(), removed: dict<number | null>(), changed: dict<{ before: number | null; after: number | null }>() };
    for (const [k, v] of Object.entries(want.limits)) {
      if (!Object.hasOwn(have.limits, k)) limits.added[k] = v;
      else if (have.limits[k] !== v) limits.changed[k] = { before: have.limits[k] ?? null, after: v };
    }
    for (const [k, v] of Object.entries(have.limits)) if (!Object.hasOwn(want.limits, k)) limits.removed[k] = v;
    fields.limits = limits;
  }
  if (have.columns === undefined && want.columns === undefined) return Object.keys(fields).length ? fields : undefined;
  // App columns (storage: per_tier): both sides hold every per-tier column, null when unset.
  const columns: Record<string, { before: string | number | boolean | null; after: string | number | boolean | null }> = {};
  for (const name of [...new Set([...Object.keys(have.columns ?? {}), ...Object.keys(want.columns ?? {})])].sort()) {
    const before = have.columns?.[name] ?? null;
    const after = want.columns?.[name] ?? null;
    if (before !== after) columns[name] = { before, after };
  }
  if (Object.keys(columns).length) fields.columns = columns;
  return Object.keys(fields).length ? fields : undefined;
}

/** Same members in the same order: then no member was added or removed (a reorder falls through to the Set comparison). */
function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The members of a set field each side lacks; recorded only when there are some (a reorder or a repeat is no change). */
function setChange(fields: TierFields, name: 'permissions' | 'billing_keys', before: readonly string[], after: readonly string[]): void {
  // Sets: a tier may list thousands of permissions, and includes() in a filter is quadratic.
  const had = new Set(before);
  const has = new Set(after);
  const added = after.filter((x) => !had.has(x));
  const removed = before.filter((x) => !has.has(x));
  if (added.length || removed.length) fields[name] = { added, removed };
}

/** Same limit names with the same values (key order aside), so no limit was added, removed or changed. */
function sameLimits(have: Record<string, number | null>, want: Record<string, number | null>): boolean {
  let count = 0;
  for (const k in want) {
    if (!Object.hasOwn(want, k)) continue;
    if (!Object.hasOwn(have, k) || have[k] !== want[k]) return false;
    count++;
  }
  for (const k in have) if (Object.hasOwn(have, k)) count--;
  return count === 0;
}

/**
 * A deleted tier and a created tier that share billing keys or a name are probably one
 * tier renamed without renamed_from. The plan says so instead of guessing.
 */
function possibleRenames(deleted: readonly Tier[], changes: readonly Change[], desired: Catalog): PlanWarning[] {
  const out: PlanWarning[] = [];
  const created = changes.filter((c) => c.kind === 'tier' && c.action === 'create').map((c) => desired.tiers[c.tier] as Tier);
  // Indexed by billing key and by name: thousands of deletes against thousands of creates
  // must not compare every pair.
  const byBillingKey = new Map<string, Tier[]>();
  const byName = new Map<string, Tier[]>();
  const index = (map: Map<string, Tier[]>, k: string, t: Tier) => {
    const list = map.get(k);
    if (list) list.push(t);
    else map.set(k, [t]);
  };
  const order = new Map(created.map((t, i) => [t, i]));
  for (const fresh of created) {
    for (const k of new Set(fresh.billing_keys)) index(byBillingKey, k, fresh);
    index(byName, fresh.name, fresh);
  }
  for (const old of deleted) {
    const matches = new Set<Tier>(byName.get(old.name) ?? []);
    for (const k of old.billing_keys) for (const t of byBillingKey.get(k) ?? []) matches.add(t);
    for (const fresh of [...matches].sort((a, b) => (order.get(a) as number) - (order.get(b) as number))) {
      const [from, to] = [tierRef(old), tierRef(fresh)];
      if ((old.platform ?? null) === (fresh.platform ?? null)) {
        out.push({ tier: to, message: `possible rename of "${from}" to "${to}"; add renamed_from: [${old.key}] to keep the row and its subscribers` });
      } else {
        out.push({ tier: to, message: `"${from}" (${scopeWords(old.platform)}) and "${to}" (${scopeWords(fresh.platform)}) look alike, but a tier cannot move between platforms: this plan creates one row and deletes the other (its subscribers do not follow)` });
      }
    }
  }
  return out;
}

function phase(c: Change): number {
  return PHASES.indexOf(`${c.kind}:${c.action}` as (typeof PHASES)[number]);
}

function subject(c: Change): string {
  return c.kind === 'tier' ? c.tier : c.kind === 'permission' ? c.permission : orphanId(c);
}

/** Deleting a tier or a permission; removing an orphan row deletes nothing anyone can use. */
export function isDestructive(c: Change): boolean {
  return c.action === 'delete' && c.kind !== 'orphan';
}

/** Tiers the plan may delete: in the database, neither in the files nor renamed. Used to count subscribers only where it matters. */
export function deletionCandidates(desired: DesiredState, actual: Catalog): string[] {
  const renamed = new Set(Object.values(desired.renamedFrom).flat());
  return Object.keys(actual.tiers).filter((k) => !Object.hasOwn(desired.catalog.tiers, k) && !renamed.has(k));
}
