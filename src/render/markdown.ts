import { summarizePlan, summaryLine } from '../plan/build-plan.js';
import type { Plan } from '../plan/plan-schema.js';
import { impactMarkdown } from './impact-lines.js';
import { blockedLines, changeLines, driftLines, formatAmount, stripeLine, warningLines } from './plan-lines.js';

export const MARKDOWN_MARKER = '<!-- tierctl-plan -->';
/** GitHub comments cap at 65,536 characters; stay well under. */
export const MARKDOWN_MAX_BYTES = 60 * 1024;

/**
 * Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY: counts and warnings
 * first, details folded, a hidden marker so a workflow updates one comment in place.
 */
export function renderMarkdown(plan: Plan, title = 'tierctl plan'): string {
  const s = summarizePlan(plan);
  const head: string[] = [MARKDOWN_MARKER, `### ${title}`, ''];
  if (s.blocked) head.push(`> [!CAUTION]\n> **${s.blocked} blocked change${s.blocked === 1 ? '' : 's'}**: this plan cannot be applied.`, '');
  else if (s.destructive) head.push(`> [!WARNING]\n> **Destructive**: this plan deletes ${s.tiers.delete} tier${s.tiers.delete === 1 ? '' : 's'}${s.permissions.delete ? ` and ${s.permissions.delete} permission${s.permissions.delete === 1 ? '' : 's'}` : ''}; apply needs \`--allow-destroy\`.`, '');
  if (!plan.stripe.verified) head.push(`> [!WARNING]\n> ${stripeLine(plan)}`, '');
  head.push('| | tiers | permissions |', '|---|---:|---:|');
  head.push(`| create | ${s.tiers.create} | ${s.permissions.create} |`, `| update | ${s.tiers.update} | ${s.permissions.update} |`);
  head.push(`| rename | ${s.tiers.rename} | |`, `| retire | ${s.tiers.retire} | |`, `| delete | ${s.tiers.delete} | ${s.permissions.delete} |`);
  head.push('', `**${summaryLine(plan)}**`, '');
  // Blast radius above the fold: who is on the tiers this plan changes, and what they lose.
  head.push(...impactMarkdown(plan, escapeMd));

  const notes = [...blockedLines(plan), ...driftLines(plan), ...warningLines(plan)];
  if (notes.length) head.push(...notes.map((l) => `${l.depth ? '  ' : ''}- ${escapeMd(l.text)}`), '');
  if (plan.stripe.verified) head.push(stripeLine(plan), '');

  const body: string[] = [];
  for (const c of plan.changes) {
    for (const l of changeLines(c)) body.push(`${l.mark === '→' || l.mark === '!' ? '!' : l.mark}${l.depth ? '     ' : ' '}${l.text}`);
  }
  const open = `<details><summary>Changes (${plan.changes.length})</summary>\n\n\`\`\`diff\n`;
  const close = '```\n\n</details>\n';
  const keys = Object.entries(plan.stripe.keys);
  if (keys.length && keys.length <= 200) {
    head.push(`<details><summary>Stripe prices (${keys.length})</summary>`, '', '| lookup key | tier | product | price |', '|---|---|---|---|');
    for (const [key, f] of keys) head.push(`| \`${key}\` | ${f.tier} | ${escapeMd(f.product_name ?? f.product)} | ${formatAmount(f)} |`);
    head.push('', '</details>', '');
  }
  const headText = `${head.join('\n')}\n`;
  if (!body.length) return headText;

  const budget = MARKDOWN_MAX_BYTES - Buffer.byteLength(headText + open + close) - 200;
  let used = 0;
  const kept: string[] = [];
  for (const line of body) {
    const cost = Buffer.byteLength(line) + 1;
    if (used + cost > budget) break;
    kept.push(line.replace(/```/g, "'''"));
    used += cost;
  }
  const cut = body.length - kept.length;
  const tail = cut ? `… ${cut} more line${cut === 1 ? '' : 's'} not shown; see the JSON plan artifact\n` : '';
  return `${headText}${open}${kept.join('\n')}\n${tail}${close}`;
}

function escapeMd(text: string): string {
  return text.replace(/([\\`*_<>|[\]])/g, '\\$1');
}
