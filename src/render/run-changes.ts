import type { Change } from '../plan/plan-schema.js';
import { changeLines, type PlanLine } from './plan-lines.js';
import { PLAIN, type Style } from './style.js';

/**
 * What one past apply run changed (`tierctl history --run N`), drawn with the plan's
 * own lines so a run reads exactly like the plan that produced it. Pure.
 */
export function renderRunChanges(changes: readonly Change[], style: Style = PLAIN): string {
  if (!changes.length) return 'No changes: the database already matched.\n';
  const paint = (l: PlanLine): string => {
    const text = `${l.depth === 0 ? '  ' : '      '}${l.mark} ${l.text}`;
    return l.mark === '+' ? style.green(text) : l.mark === '-' ? style.red(text) : l.mark === '~' || l.mark === '!' ? style.yellow(text) : l.mark === '→' ? style.cyan(text) : text;
  };
  return `${changes.map((c) => changeLines(c).map(paint).join('\n')).join('\n\n')}\n`;
}
