import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { loadCatalogAtRef } from '../../catalog/read-catalog-git.js';
import { InvalidCatalogError, type Outcome } from '../../errors.js';
import { buildPlan, planOutcome } from '../../plan/build-plan.js';
import type { Plan } from '../../plan/plan-schema.js';
import { writePlanFile } from '../../plan/plan-file.js';
import { emptyCatalog } from '../../catalog/model.js';
import { renderMarkdown } from '../../render/markdown.js';
import { PLAN_FORMATS, renderPlan } from '../../render/render-plan.js';
import { wantsColor } from '../../render/style.js';
import { TOOL_VERSION } from '../../version.js';
import type { Values } from '../command-spec.js';
import { computePlan, verifiedBilling } from '../compute-plan.js';
import { loadInteractiveUi } from '../interactive-ui.js';
import type { Io } from '../io.js';
import { choice, connect, loadDesired, withDatabase } from '../shared.js';

export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const format = choice(values['format'], PLAN_FORMATS, 'format');
  const dir = values['dir'] as string;
  const skipStripe = values['skip-stripe'] === true;
  const loaded = await loadDesired(dir, io);

  let plan: Plan;
  const against = values['against'] as string | undefined;
  if (against) {
    const base = await loadCatalogAtRef(against, dir, io.cwd);
    if (base !== 'absent' && !base.ok) throw new InvalidCatalogError(base.diagnostics, `tier files at ${against}`);
    plan = buildPlan({
      desired: loaded,
      actual: base === 'absent' ? emptyCatalog() : base.loaded.catalog,
      ...(await verifiedBilling(loaded, skipStripe, io.env)),
      toolVersion: TOOL_VERSION,
    });
  } else {
    const db = await connect(values, io, { readOnly: true });
    plan = await withDatabase(db, async (d) => (await computePlan(loaded, d, skipStripe, io.env)).plan);
  }

  if (values['out']) {
    // Relative to the command's working directory (io.cwd), which is not always process.cwd().
    await writePlanFile(path.resolve(io.cwd, values['out'] as string), plan);
    io.err(`Saved the plan to ${values['out'] as string}; apply it with: tierctl apply ${values['out'] as string}\n`);
  }
  if (values['summary-file']) await appendFile(path.resolve(io.cwd, values['summary-file'] as string), renderMarkdown(plan));
  if (!plan.stripe.verified && format !== 'text') io.err(`WARNING: Stripe lookup keys were NOT verified (${plan.stripe.reason ?? 'no key'}).\n`);
  // A person at a terminal gets the Ink view; pipes, CI and the other formats plain text.
  if (format === 'text' && io.interactive) (await loadInteractiveUi(io)).showPlan(plan);
  else io.out(renderPlan(plan, format, format === 'text' && wantsColor({ isTTY: io.stdoutIsTTY }, io.env)));

  const outcome = planOutcome(plan);
  return values['detailed-exitcode'] === true ? outcome : 'ok';
}
