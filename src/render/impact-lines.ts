import { impactRows, subscriberCountsOf, subscribersText, type ImpactRow } from '../plan/impact.js';
import type { Plan } from '../plan/plan-schema.js';
import type { PlanLine } from './plan-lines.js';

/**
 * The plan's blast radius as the text and Markdown views show it, first thing: which tiers
 * change for people already on them, how many people, and what they lose or gain.
 */

/** At most this many rows above the fold; the rest are in the JSON plan. */
export const MAX_IMPACT_ROWS = 50;
/** A cell longer than this is cut (a tier that loses 40 permissions). */
const MAX_CELL = 300;

const cut = (text: string) => (text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text);

export function effectText(r: ImpactRow): string {
  const parts: string[] = [];
  if (r.reduces.length) parts.push(`reduces: ${r.reduces.join('; ')}`);
  if (r.extends.length) parts.push(`extends: ${r.extends.join('; ')}`);
  return parts.length ? parts.join(' · ') : 'neutral (nothing subscribers use changes)';
}

/** "counts unavailable: <why>" when the plan could not count, else undefined. */
export function unavailableNote(plan: Plan): string | undefined {
  const c = subscriberCountsOf(plan);
  return c.counted ? undefined : `subscriber counts unavailable: ${c.reason ?? 'not counted'}`;
}

/** The block's title and one marked line per tier (! reduces, + extends), for the text and Ink views. */
export function impactPlanLines(plan: Plan): { title: string; lines: PlanLine[] } | undefined {
  const rows = impactRows(plan.changes);
  if (!rows.length) return undefined;
  const note = unavailableNote(plan);
  const lines: PlanLine[] = rows.slice(0, MAX_IMPACT_ROWS).map((r) => ({
    mark: r.effect === 'reduces' ? '!' : r.effect === 'extends' ? '+' : ' ',
    depth: 0,
    text: `tier ${r.tier}${note ? '' : `: ${subscribersText(r.subscribers)}`} · ${effectText(r)}`,
  }));
  if (rows.length > MAX_IMPACT_ROWS) lines.push({ mark: ' ', depth: 0, text: `… ${rows.length - MAX_IMPACT_ROWS} more tiers; see the JSON plan` });
  return { title: `Impact on subscribers${note ? ` (${note})` : ''}:`, lines };
}

/** Plain-text block (no styling): a heading and one line per tier. Empty when no existing tier changes. */
export function impactTextLines(plan: Plan): string[] {
  const block = impactPlanLines(plan);
  return block ? [block.title, ...block.lines.map((l) => `  ${l.mark} ${l.text}`)] : [];
}

/** Markdown: a callout for reductions that reach subscribers, then "tier · subscribers · reduces/extends". */
export function impactMarkdown(plan: Plan, escape: (text: string) => string): string[] {
  const rows = impactRows(plan.changes);
  if (!rows.length) return [];
  const note = unavailableNote(plan);
  const out: string[] = [];
  const reducing = rows.filter((r) => r.effect === 'reduces');
  const hurting = note ? reducing : reducing.filter((r) => (r.subscribers ?? 0) > 0);
  if (hurting.length) {
    const who = hurting.slice(0, 10).map((r) => (note ? `**${r.tier}**` : `**${r.tier}** (${r.subscribers ?? 0})`)).join(', ');
    const more = hurting.length > 10 ? `, and ${hurting.length - 10} more` : '';
    if (note) out.push(`> [!IMPORTANT]\n> **${hurting.length} tier${hurting.length === 1 ? '' : 's'} reduce${hurting.length === 1 ? 's' : ''} what subscribers get**: ${who}${more}. Subscriber counts unavailable here; check how many are affected before merging.`, '');
    else {
      const total = hurting.reduce((n, r) => n + (r.subscribers ?? 0), 0);
      out.push(`> [!IMPORTANT]\n> **Reduces what ${total} subscriber${total === 1 ? '' : 's'} get${total === 1 ? 's' : ''}** on ${hurting.length} tier${hurting.length === 1 ? '' : 's'}: ${who}${more}.`, '');
    }
  }
  out.push('| tier | subscribers | reduces / extends |', '|---|---:|---|');
  for (const r of rows.slice(0, MAX_IMPACT_ROWS)) {
    const n = note ? 'n/a' : String(r.subscribers ?? 0);
    const cell = [
      r.reduces.length ? `**reduces**: ${escape(cut(r.reduces.join('; ')))}` : '',
      r.extends.length ? `extends: ${escape(cut(r.extends.join('; ')))}` : '',
    ].filter(Boolean).join('<br>');
    out.push(`| ${escape(r.tier)} | ${n} | ${cell || 'neutral'} |`);
  }
  if (rows.length > MAX_IMPACT_ROWS) out.push('', `… ${rows.length - MAX_IMPACT_ROWS} more tiers in the JSON plan.`);
  if (note) out.push('', `_${escape(note.charAt(0).toUpperCase() + note.slice(1))}._`);
  out.push('');
  return out;
}

/** What --fail-on-reduction prints on stderr before exiting 3. */
export function reductionReport(rows: readonly ImpactRow[]): string {
  return [
    `error: ${rows.length} tier${rows.length === 1 ? '' : 's'} reduce${rows.length === 1 ? 's' : ''} what subscribers get (--fail-on-reduction):`,
    ...rows.map((r) => `  ! tier ${r.tier} (${subscribersText(r.subscribers)}): ${r.reduces.join('; ')}`),
    'hint: review the reductions with the people they affect; run the plan without --fail-on-reduction to accept them',
  ].join('\n');
}
