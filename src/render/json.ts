import type { Plan } from '../plan/plan-schema.js';

/** The plan file's bytes: stable key order, two-space indent, trailing newline. */
export function renderJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
