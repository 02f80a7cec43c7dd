import { createInterface } from 'node:readline/promises';
import type { Plan } from '../plan/plan-schema.js';
import { summaryLine } from '../plan/build-plan.js';
import type { Io } from './io.js';

/** Asks on the terminal; only "yes" proceeds (as Terraform does). */
export async function confirmApply(plan: Plan, io: Io): Promise<boolean> {
  if (io.interactive && io.env['TIERCTL_NO_INK'] !== '1') {
    const { confirmWithInk } = await import('../ui/confirm-view.js');
    return confirmWithInk(plan);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${summaryLine(plan)}\nDo you want to apply these changes? Only 'yes' will be accepted: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}
