import { describeOrphan } from '../plan/orphans.js';
import type { Change, ChangeImpact, Plan, StripeKeyFacts, TierFields } from '../plan/plan-schema.js';
import type { Tier } from '../catalog/model.js';
import { visible } from './visible.js';

/**
 * The plan as a list of marked lines, shared by the text, Markdown and Ink views
 * so the three cannot tell different stories.
 */
export type Mark = '+' | '~' | '-' | '→' | '!' | ' ';
export interface PlanLine {
  mark: Mark;
  depth: 0 | 1;
  text: string;
}

const show = (v: unknown): string => (v === null ? 'null' : typeof v === 'string' ? JSON.stringify(v) : String(v));
const limitValue = (v: number | null): string => (v === null ? 'unlimited' : String(v));

/** Every line's text passes through `visible`: names and values come from files, the database and Stripe. */
const safe = (lines: PlanLine[]): PlanLine[] => lines.map((l) => ({ ...l, text: visible(l.text) }));

export function changeLines(c: Change): PlanLine[] {
  return safe(rawChangeLines(c));
}

function rawChangeLines(c: Change): PlanLine[] {
  if (c.kind === 'permission') {
    switch (c.action) {
      case 'create':
        return [{ mark: '+', depth: 0, text: `permission ${c.permission}: ${show(c.after.description)}` }];
      case 'update':
        return [{ mark: '~', depth: 0, text: `permission ${c.permission}: ${show(c.fields.description.before)} → ${show(c.fields.description.after)}` }];
      case 'delete':
        return [{ mark: '-', depth: 0, text: `permission ${c.permission} will be deleted` }];
    }
  }
  if (c.kind === 'orphan') return [{ mark: '-', depth: 0, text: `${describeOrphan(c)} will be removed` }];
  switch (c.action) {
    case 'create':
      return [{ mark: '+', depth: 0, text: `tier ${c.tier} will be created` }, ...tierLines(c.after, '+')];
    case 'update':
      return [{ mark: '~', depth: 0, text: `tier ${c.tier} will be updated` }, ...fieldLines(c.fields)];
    case 'rename':
      return [{ mark: '→', depth: 0, text: `tier ${c.from} will be renamed to ${c.tier} (row and subscribers kept)` }];
    case 'retire':
      return [{ mark: '~', depth: 0, text: `tier ${c.tier} will be retired (kept for subscribers, no new signups)${subscribersNote(c.impact)}` }];
    case 'delete':
      return [{ mark: '-', depth: 0, text: `tier ${c.tier} will be DELETED${subscribersNote(c.impact)}` }, ...tierLines(c.before, '-')];
  }
}

function subscribersNote(impact: ChangeImpact | undefined): string {
  return impact ? ` [${impact.subscribers} subscriber${impact.subscribers === 1 ? '' : 's'}]` : '';
}

function tierLines(t: Tier, mark: Mark): PlanLine[] {
  const lines: PlanLine[] = [
    ...(t.platform !== undefined ? [{ mark, depth: 1 as const, text: `platform: ${t.platform}` }] : []),
    { mark, depth: 1, text: `name: ${show(t.name)}` },
    ...(t.description !== null ? [{ mark, depth: 1 as const, text: `description: ${show(t.description)}` }] : []),
    { mark, depth: 1, text: `status: ${t.status}${t.protected ? ', protected' : ''}${t.customer_facing ? '' : ', internal'}, display_order ${t.display_order}` },
    { mark, depth: 1, text: `billing: ${t.billing_provider}${t.billing_keys.length ? ` [${t.billing_keys.join(', ')}]` : ''}${t.fallback_price !== null ? `, fallback ${show(t.fallback_price)}` : ''}` },
  ];
  if (t.permissions.length) lines.push({ mark, depth: 1, text: `permissions: ${t.permissions.join(', ')}` });
  const limits = Object.entries(t.limits);
  if (limits.length) lines.push({ mark, depth: 1, text: `limits: ${limits.map(([k, v]) => `${k}=${limitValue(v)}`).join(', ')}` });
  const columns = Object.entries(t.columns ?? {});
  if (columns.length) lines.push({ mark, depth: 1, text: `columns: ${columns.map(([k, v]) => `${k}=${show(v)}`).join(', ')}` });
  return lines;
}

function fieldLines(f: TierFields): PlanLine[] {
  const lines: PlanLine[] = [];
  for (const [name, value] of Object.entries(f)) {
    if (name === 'permissions' || name === 'billing_keys') {
      const v = value as { added: string[]; removed: string[] };
      for (const a of v.added) lines.push({ mark: '+', depth: 1, text: `${name}: ${a}` });
      for (const r of v.removed) lines.push({ mark: '-', depth: 1, text: `${name}: ${r}` });
    } else if (name === 'limits') {
      const v = value as NonNullable<TierFields['limits']>;
      for (const [k, x] of Object.entries(v.added)) lines.push({ mark: '+', depth: 1, text: `limits.${k}: ${limitValue(x)}` });
      for (const [k, x] of Object.entries(v.changed)) lines.push({ mark: '~', depth: 1, text: `limits.${k}: ${limitValue(x.before)} → ${limitValue(x.after)}` });
      for (const [k, x] of Object.entries(v.removed)) lines.push({ mark: '-', depth: 1, text: `limits.${k}: ${limitValue(x)}` });
    } else if (name === 'columns') {
      const v = value as NonNullable<TierFields['columns']>;
      for (const [k, x] of Object.entries(v)) lines.push({ mark: '~', depth: 1, text: `columns.${k}: ${show(x.before)} → ${show(x.after)}` });
    } else {
      const v = value as { before: unknown; after: unknown };
      lines.push({ mark: '~', depth: 1, text: `${name}: ${show(v.before)} → ${show(v.after)}` });
    }
  }
  return lines;
}

export function blockedLines(plan: Plan): PlanLine[] {
  return safe(plan.blocked.map((b) => ({ mark: '!', depth: 0, text: `tier ${b.tier}: ${b.action} is blocked: ${b.reason}` })));
}

export function warningLines(plan: Plan): PlanLine[] {
  return safe(plan.warnings.map((w) => ({ mark: '!', depth: 0, text: w.tier ? `tier ${w.tier}: ${w.message}` : w.message })));
}

export function stripeLine(plan: Plan): string {
  const n = Object.keys(plan.stripe.keys).length;
  if (plan.stripe.verified) return `Stripe: ${n} lookup key${n === 1 ? '' : 's'} verified against Stripe.`;
  const unresolved = plan.stripe.unresolved_columns ?? [];
  const left = unresolved.length ? ` The Stripe IDs in ${unresolved.join(', ')} were not compared: existing rows keep theirs, new rows get none.` : '';
  return visible(`WARNING: Stripe lookup keys were NOT verified${plan.stripe.reason ? ` (${plan.stripe.reason})` : ''}.${left}`);
}

export function driftLines(plan: Plan): PlanLine[] {
  if (!plan.drift) return [];
  return safe([
    { mark: '!', depth: 0, text: `drift: the database was changed outside tierctl since apply run #${plan.drift.run_id}; this plan reverts it` },
    ...driftChangeLines(plan.drift).map((text) => ({ mark: '!' as const, depth: 1 as const, text })),
  ]);
}

/** Drift's changes in the past tense ("tier pro was changed", then its fields), one string per line. */
export function driftChangeLines(drift: NonNullable<Plan['drift']>): string[] {
  const past = (text: string) =>
    text.replace(' will be DELETED', ' was deleted').replace(' will be deleted', ' was deleted').replace(' will be created', ' was added').replace(' will be updated', ' was changed').replace(' will be retired', ' was retired').replace(' will be removed', ' is present');
  const unreadable = drift.unreadable_state ? [`! the database differs from what run #${drift.run_id} left (its recorded state is unreadable, so the fields cannot be listed)`] : [];
  return [...unreadable, ...drift.changes.flatMap((c) => changeLines(c).map((l) => `${l.depth ? '    ' : ''}${l.mark} ${past(l.text)}`))];
}

/** "9.00 USD / month" from Stripe's minor units (display only: never a price source). */
export function formatAmount(f: StripeKeyFacts): string {
  const amount = f.unit_amount === null ? 'custom amount' : `${(f.unit_amount / 100).toFixed(2)} ${f.currency.toUpperCase()}`;
  return f.interval ? `${amount} / ${f.interval}` : `${amount} once`;
}

/**
 * What Stripe said about the lookup keys of the tiers this plan creates or changes,
 * for the reviewer to check the right prices are named (unchanged tiers stay quiet).
 */
export function stripeFactLines(plan: Plan): PlanLine[] {
  const touched = new Set(plan.changes.filter((c) => c.kind === 'tier' && (c.action === 'create' || c.action === 'update')).map((c) => (c as { tier: string }).tier));
  return safe(
    Object.entries(plan.stripe.keys)
      .filter(([, f]) => touched.has(f.tier))
      .map(([key, f]) => ({ mark: ' ' as const, depth: 1 as const, text: `${key} → ${f.product_name ?? f.product} (${f.product}), ${formatAmount(f)}, ${f.price}${f.livemode ? '' : ', test mode'}` })),
  );
}
