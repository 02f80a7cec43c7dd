import type { Plan } from '../plan/plan-schema.js';

export async function confirmWithInk(_plan: Plan): Promise<boolean> {
  return false;
}
