import type { Plan } from '../plan/plan-schema.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { COLOR, PLAIN } from './style.js';
import { renderText } from './text.js';

export type PlanFormat = 'text' | 'markdown' | 'json';
export const PLAN_FORMATS: readonly PlanFormat[] = ['text', 'markdown', 'json'];

export function renderPlan(plan: Plan, format: PlanFormat, color: boolean): string {
  switch (format) {
    case 'json': return renderJson(plan);
    case 'markdown': return renderMarkdown(plan);
    case 'text': return renderText(plan, color ? COLOR : PLAIN);
  }
}
