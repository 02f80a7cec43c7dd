import type { Change, ChangeImpact, SubscriberCounts, TierChange, TierFields } from './plan-schema.js';

/**
 * Blast radius (issue 12): what each tier change does to the subscribers already on the
 * tier. Pure, a function of the change alone plus the counts the reader brought.
 *
 * - reduces: a limit goes down, or from unlimited to a number; a limit appears where the
 *   tier had none (a new cap); a permission is removed; the tier is retired or deleted.
 * - extends: the opposite (a limit goes up or to unlimited, a cap is removed, a permission
 *   is added, a retired tier is offered again).
 * - neutral: everything else (name, description, display order, visibility, billing keys,
 *   fallback price, protection, a rename).
 * A change that both reduces and extends counts as reducing: a reviewer must see it.
 */
export type Effect = ChangeImpact['effect'];

const limitValue = (v: number | null): string => (v === null ? 'unlimited' : String(v));

export function classifyChange(c: TierChange): Omit<ChangeImpact, 'subscribers'> | undefined {
  const reduces: string[] = [];
  const extend: string[] = [];
  switch (c.action) {
    case 'create':
      return undefined; // nobody is on a tier that does not exist yet
    case 'retire':
      reduces.push('retired: no new signups');
      break;
    case 'delete':
      reduces.push('tier deleted');
      break;
    case 'rename':
      break;
    case 'update':
      classifyFields(c.fields, reduces, extend);
      break;
  }
  return { effect: reduces.length ? 'reduces' : extend.length ? 'extends' : 'neutral', reduces, extends: extend };
}

function classifyFields(f: TierFields, reduces: string[], extend: string[]): void {
  if (f.limits) {
    for (const [name, v] of Object.entries(f.limits.changed)) {
      const text = `limits.${name}: ${limitValue(v.before)} → ${limitValue(v.after)}`;
      if (lessThan(v.after, v.before)) reduces.push(text);
      else extend.push(text);
    }
    for (const [name, v] of Object.entries(f.limits.added)) if (v !== null) reduces.push(`limits.${name}: not set → ${v}`);
    for (const [name, v] of Object.entries(f.limits.removed)) if (v !== null) extend.push(`limits.${name}: ${v} → not set`);
  }
  for (const p of f.permissions?.removed ?? []) reduces.push(`permission ${p} removed`);
  for (const p of f.permissions?.added ?? []) extend.push(`permission ${p} added`);
  if (f.status && f.status.before === 'retired' && f.status.after === 'active') extend.push('offered again (status: retired → active)');
}

/** a < b, where null is unlimited (greater than every number). */
function lessThan(a: number | null, b: number | null): boolean {
  if (a === null) return false;
  if (b === null) return true;
  return a < b;
}

/** The database key of each planned tier: a renamed tier's row still carries its old key. */
export function databaseKeys(changes: readonly Change[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of changes) if (c.kind === 'tier' && c.action === 'rename') out.set(c.tier, c.from);
  return out;
}

/**
 * Adds `impact` to every tier change except creates, keeping whatever an `impact` already
 * holds; `counts` (tier key in the database -> subscribers) is undefined when they could
 * not be counted, and then no change claims a number.
 */
export function withImpact(changes: readonly Change[], counts: Readonly<Record<string, number>> | undefined): Change[] {
  const dbKey = databaseKeys(changes);
  return changes.map((c) => {
    if (c.kind !== 'tier') return c;
    const effect = classifyChange(c);
    if (!effect) return c;
    const key = c.action === 'rename' ? c.from : (dbKey.get(c.tier) ?? c.tier);
    const previous = 'impact' in c ? c.impact : undefined;
    const impact: ChangeImpact = { ...previous, ...(counts ? { subscribers: counts[key] ?? 0 } : {}), ...effect };
    return { ...c, impact } as Change;
  });
}

/** One row per tier the plan changes for existing subscribers (creates left out), in plan order. */
export interface ImpactRow {
  tier: string;
  subscribers: number | undefined;
  effect: Effect;
  reduces: string[];
  extends: string[];
}

export function impactRows(changes: readonly Change[]): ImpactRow[] {
  const rows = new Map<string, ImpactRow>();
  for (const c of changes) {
    if (c.kind !== 'tier' || c.action === 'create' || !c.impact) continue;
    const row = rows.get(c.tier) ?? { tier: c.tier, subscribers: c.impact.subscribers, effect: 'neutral', reduces: [], extends: [] };
    row.reduces.push(...c.impact.reduces);
    row.extends.push(...c.impact.extends);
    row.subscribers ??= c.impact.subscribers;
    row.effect = row.reduces.length ? 'reduces' : row.extends.length ? 'extends' : 'neutral';
    rows.set(c.tier, row);
  }
  return [...rows.values()];
}

/** Rows that take something from subscribers who exist (or may: counts unavailable). */
export function reductions(changes: readonly Change[], counted: boolean): ImpactRow[] {
  return impactRows(changes).filter((r) => r.effect === 'reduces' && (!counted || (r.subscribers ?? 0) > 0));
}

export function subscriberCountsOf(plan: { subscriber_counts?: SubscriberCounts }): SubscriberCounts {
  return plan.subscriber_counts ?? { counted: false, reason: 'the plan was made without counting subscribers' };
}

export function subscribersText(n: number | undefined): string {
  return n === undefined ? 'unknown' : `${n} subscriber${n === 1 ? '' : 's'}`;
}
