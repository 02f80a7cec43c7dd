import { summaryLine } from '../plan/build-plan.js';
import type { Plan } from '../plan/plan-schema.js';
import { blockedLines, changeLines, driftLines, stripeFactLines, stripeLine, warningLines, type PlanLine } from './plan-lines.js';
import { impactTextLines } from './impact-lines.js';
import { PLAIN, type Style } from './style.js';

/** Terraform-style text: one block per change, a closing "Plan: …" line. Pure. */
export function renderText(plan: Plan, style: Style = PLAIN): string {
  const out: string[] = [];
  const paint = (l: PlanLine): string => {
    const indent = l.depth === 0 ? '  ' : '      ';
    const text = `${indent}${l.mark} ${l.text}`;
    switch (l.mark) {
      case '+': return style.green(text);
      case '-': return style.red(text);
      case '~': return style.yellow(text);
      case '→': return style.cyan(text);
      case '!': return style.yellow(text);
      default: return text;
    }
  };
  if (plan.changes.length === 0 && plan.blocked.length === 0) {
    out.push('No changes. The database matches the tier files.');
  } else {
    const impact = impactTextLines(plan);
    if (impact.length) out.push(style.bold(impact[0] as string), ...impact.slice(1).map((l) => (l.startsWith('  !') ? style.red(l) : l)), '');
    out.push('tierctl will perform these actions:', '');
    for (const c of plan.changes) {
      for (const l of changeLines(c)) out.push(paint(l));
      out.push('');
    }
  }
  const blocked = blockedLines(plan);
  if (blocked.length) {
    out.push(style.red(style.bold('Blocked (this plan cannot be applied):')));
    for (const l of blocked) out.push(style.red(`  ${l.mark} ${l.text}`));
    out.push('');
  }
  const drift = driftLines(plan);
  const warnings = warningLines(plan);
  if (drift.length || warnings.length) {
    out.push(style.yellow('Warnings:'));
    for (const l of [...drift, ...warnings]) out.push(paint(l));
    out.push('');
  }
  out.push(plan.stripe.verified ? stripeLine(plan) : style.red(style.bold(stripeLine(plan))));
  for (const l of stripeFactLines(plan)) out.push(style.dim(`    ${l.text}`));
  out.push(style.bold(summaryLine(plan)));
  return `${out.join('\n')}\n`;
}
