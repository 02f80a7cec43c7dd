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
  if (blocked.length) out.push(style.red(style.bold('Blocked (this plan cannot be applied):')), ...blocked.map((l) => style.red(`  ${l.mark} ${l.text}`)), '');
  const drift = driftLines(plan);
  const warnings = warningLines(plan);
  if (drift.length || warnings.length) out.push(style.yellow('Warnings:'), ...[...drift, ...warnings].map(paint), '');
  out.push(plan.stripe.verified ? stripeLine(plan) : style.red(style.bold(stripeLine(plan))));
  out.push(...stripeFactLines(plan).map((l) => style.dim(`    ${l.text}`)));
  out.push(style.bold(summaryLine(plan)));
  return `${out.join('\n')}\n`;
}
