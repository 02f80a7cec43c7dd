import { summarizePlan, summaryLine } from '../plan/build-plan.js';
import type { Plan } from '../plan/plan-schema.js';
import { impactMarkdown } from './impact-lines.js';
import { blockedLines, changeLines, driftLines, formatAmount, stripeLine, warningLines } from './plan-lines.js';
import { visible } from './visible.js';

export const MARKDOWN_MARKER = '<!-- tierctl-plan -->';
/** GitHub comments cap at 65,536 characters; stay well under. */
export const MARKDOWN_MAX_BYTES = 60 * 1024;

/**
 * Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY: counts and warnings
 * first, details folded, a hidden marker so a workflow updates one comment in place.
 * Every section is fitted into MARKDOWN_MAX_BYTES (2,500 tiers of warnings once made
 * 203 KB, over GitHub's 65,536-character comment limit): sections that do not fit are
 * cut with a note, and the final string is measured.
 */
export function renderMarkdown(plan: Plan, title = 'tierctl plan'): string {
  const s = summarizePlan(plan);
  const head: string[] = [MARKDOWN_MARKER, `### ${title}`, ''];
  if (s.blocked) head.push(`> [!CAUTION]\n> **${s.blocked} blocked change${s.blocked === 1 ? '' : 's'}**: this plan cannot be applied.`, '');
  else if (s.destructive) head.push(`> [!WARNING]\n> **Destructive**: this plan deletes ${s.tiers.delete} tier${s.tiers.delete === 1 ? '' : 's'}${s.permissions.delete ? ` and ${s.permissions.delete} permission${s.permissions.delete === 1 ? '' : 's'}` : ''}; apply needs \`--allow-destroy\`.`, '');
  if (!plan.stripe.verified) head.push(`> [!WARNING]\n> ${escapeMd(stripeLine(plan))}`, '');
  head.push('| | tiers | permissions |', '|---|---:|---:|');
  head.push(`| create | ${s.tiers.create} | ${s.permissions.create} |`, `| update | ${s.tiers.update} | ${s.permissions.update} |`);
  head.push(`| rename | ${s.tiers.rename} | |`, `| retire | ${s.tiers.retire} | |`, `| delete | ${s.tiers.delete} | ${s.permissions.delete} |`);
  head.push('', `**${summaryLine(plan)}**`, '');
  if (plan.stripe.verified) head.push(stripeLine(plan), '');
  const headText = `${head.join('\n')}\n`;
  const close = '</details>\n';
  // What is left for the sections, with room for their wrappers and "not shown" notes.
  let budget = MARKDOWN_MAX_BYTES - bytes(headText) - 1024;

  // Blast radius above the fold (who is on the tiers this plan changes), fitted like every section.
  const keptImpact = fit(impactMarkdown(plan, escapeMd), Math.floor(budget / 3), 'impact line', 'the JSON plan lists them all');
  budget -= keptImpact.used;

  const notes = [...blockedLines(plan), ...driftLines(plan), ...warningLines(plan)].map((l) => `${l.depth ? '  ' : ''}- ${escapeMd(l.text)}`);
  // Warnings come first but may not crowd out the changes: at most half of what is left.
  const keptNotes = fit(notes, Math.floor(budget / 2), 'warning line', 'the JSON plan lists them all');
  budget -= keptNotes.used;

  const stripeRows = Object.entries(plan.stripe.keys).map(
    ([key, f]) => `| ${codeCell(key)} | ${escapeMd(f.tier)} | ${escapeMd(f.product_name ?? f.product)} | ${escapeMd(formatAmount(f))} |`,
  );
  const keptStripe = fit(stripeRows, Math.floor(budget / 3), 'Stripe price', 'the JSON plan lists them all');
  budget -= keptStripe.used;

  const body: string[] = [];
  for (const c of plan.changes) {
    // Inside a ```diff fence nothing is Markdown; only a fence of its own could end it.
    for (const l of changeLines(c)) body.push(`${l.mark === '→' || l.mark === '!' ? '!' : l.mark}${l.depth ? '     ' : ' '}${l.text}`.replace(/`{3,}/g, "'''"));
  }
  const keptBody = fit(body, budget, 'line', 'see the JSON plan artifact');

  let out = headText;
  if (keptImpact.lines.length) out += `${keptImpact.lines.join('\n')}\n`;
  if (keptNotes.lines.length) out += `${keptNotes.lines.join('\n')}\n\n`;
  if (keptStripe.lines.length) {
    out += `<details><summary>Stripe prices (${stripeRows.length})</summary>\n\n| lookup key | tier | product | price |\n|---|---|---|---|\n${keptStripe.lines.join('\n')}\n\n${close}\n`;
  }
  if (keptBody.lines.length) {
    const cut = keptBody.lines.at(-1)?.startsWith('… ') ? keptBody.lines.pop() : undefined;
    out += `<details><summary>Changes (${plan.changes.length})</summary>\n\n\`\`\`diff\n${keptBody.lines.join('\n')}\n\`\`\`\n${cut ? `${cut}\n` : ''}\n${close}`;
  }
  // The sections were budgeted; this is the guarantee whatever a future section adds.
  if (bytes(out) > MARKDOWN_MAX_BYTES) out = `${truncateBytes(out, MARKDOWN_MAX_BYTES - 200)}\n\n… cut at ${MARKDOWN_MAX_BYTES} bytes; see the JSON plan artifact\n`;
  return out;
}

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The lines that fit in `budget` bytes, then one "… N more" note for the rest. */
function fit(lines: readonly string[], budget: number, noun: string, where: string): { lines: string[]; used: number } {
  const kept: string[] = [];
  let used = 0;
  const room = Math.max(0, budget - 120);
  for (const line of lines) {
    const cost = bytes(line) + 1;
    if (used + cost > room) break;
    kept.push(line);
    used += cost;
  }
  const cut = lines.length - kept.length;
  if (cut > 0) {
    const note = `… ${cut} more ${noun}${cut === 1 ? '' : 's'} not shown; ${where}`;
    kept.push(note);
    used += bytes(note) + 1;
  }
  return { lines: kept, used };
}

/** A prefix of at most `max` UTF-8 bytes, cut at a line break when there is one. */
function truncateBytes(text: string, max: number): string {
  const cut = Buffer.from(text, 'utf8').subarray(0, max).toString('utf8').replace(/\uFFFD$/, '');
  const nl = cut.lastIndexOf('\n');
  return nl > 0 ? cut.slice(0, nl) : cut;
}

/** A lookup key as code, unless it holds what would end the code span or the cell (then escaped text). */
function codeCell(text: string): string {
  return /[`|\\]/.test(text) || visible(text) !== text ? escapeMd(text) : `\`${text}\``;
}

/** Backslash-escapes what Markdown would read as markup (tables, code, emphasis, links, HTML), after making invisible characters visible. */
export function escapeMd(text: string): string {
  return visible(text).replace(/([\\`*_<>|[\]()#!~&])/g, '\\$1');
}
