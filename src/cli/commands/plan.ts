import path from 'node:path';
import { TierctlError, type Outcome } from '../../errors.js';
import { planOutcome } from '../../plan/build-plan.js';
import { readAndPlan, readGitRef, readStore } from '../../plan/read-and-plan.js';
import type { Plan } from '../../plan/plan-schema.js';
import { renderJson } from '../../render/json.js';
import { impactRows } from '../../plan/impact.js';
import { reductionReport } from '../../render/impact-lines.js';
import { renderMarkdown } from '../../render/markdown.js';
import { resolveDatabase } from '../../state/database-url.js';
import { dialectFor } from '../../store/dialects/index.js';
import { PLAN_FORMATS, renderPlan } from '../../render/render-plan.js';
import { wantsColor } from '../../render/style.js';
import type { Values } from '../command-spec.js';
import { loadInteractiveUi } from '../interactive-ui.js';
import type { Io } from '../io.js';
import { appendSummaryOutput, writePlanOutput, type ProtectedPaths } from '../output-files.js';
import { choice, loadDesired, openStore, withStore } from '../shared.js';

export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const format = choice(values['format'], PLAN_FORMATS, 'format');
  const dir = values['dir'] as string;
  const skipStripe = values['skip-stripe'] === true;
  const loaded = await loadDesired(dir, io);

  let plan: Plan;
  const against = values['against'] as string | undefined;
  if (against) {
    plan = await readAndPlan(loaded, readGitRef(against, dir, io.cwd), { skipStripe, env: io.env });
  } else {
    // On a terminal, say what is happening while Stripe and the database are read (as apply does).
    const ui = io.interactive ? await loadInteractiveUi(io) : undefined;
    const progress = ui?.startProgress();
    progress?.step(skipStripe ? 'reading the database' : 'verifying Stripe lookup keys and reading the database');
    try {
      const store = await openStore(values, io, { readOnly: true, subscribers: loaded.subscribers, app: loaded });
      plan = await withStore(store, (s) => readAndPlan(loaded, readStore(s), { skipStripe, env: io.env }));
    } catch (err) {
      await progress?.fail();
      throw err;
    }
    await progress?.done();
  }

  if (values['out'] && values['summary-file'] && path.resolve(io.cwd, values['out'] as string) === path.resolve(io.cwd, values['summary-file'] as string)) {
    throw new TierctlError('--out and --summary-file name the same file', { hint: 'the plan (JSON) and the summary (Markdown) need two files' });
  }
  const protectedPaths = (): ProtectedPaths => ({ cwd: io.cwd, tierDir: dir, databaseFile: sqliteFile(values, io) });
  if (values['out']) {
    writePlanOutput(path.resolve(io.cwd, values['out'] as string), renderJson(plan), protectedPaths());
    io.err(
      plan.blocked.length
        ? `Saved the plan to ${values['out'] as string}; it holds blocked changes and cannot be applied.\n`
        : `Saved the plan to ${values['out'] as string}; apply it with: ${applyCommand(values, plan)}\n`,
    );
  }
  if (values['summary-file']) appendSummaryOutput(path.resolve(io.cwd, values['summary-file'] as string), renderMarkdown(plan), protectedPaths());
  if (!plan.stripe.verified && format !== 'text') io.err(`WARNING: Stripe lookup keys were NOT verified (${plan.stripe.reason ?? 'no key'}).\n`);
  // A person at a terminal gets the Ink view; pipes, CI and the other formats plain text.
  if (format === 'text' && io.interactive) (await loadInteractiveUi(io)).showPlan(plan);
  else io.out(renderPlan(plan, format, format === 'text' && wantsColor({ isTTY: io.stdoutIsTTY }, io.env)));

  const outcome = planOutcome(plan);
  // --fail-on-reduction: every change that takes something from a tier's subscribers needs a human (exit 3).
  if (values['fail-on-reduction'] === true) {
    const reducing = impactRows(plan.changes).filter((r) => r.effect === 'reduces');
    if (reducing.length) {
      io.err(`${reductionReport(reducing)}
`);
      return 'destructive';
    }
  }
  return values['detailed-exitcode'] === true ? outcome : 'ok';
}

/** The database file --database / $DATABASE_URL / the default names (SQLite), to keep output files off it. */
function sqliteFile(values: Values, io: Io): string | null {
  try {
    const target = resolveDatabase(values['database'] as string | undefined, io.env, io.cwd);
    return dialectFor(target.dialect).localFile(target);
  } catch {
    return null;
  }
}

/**
 * The apply command that will accept this saved plan: apply refuses an unverified
 * plan without --skip-stripe and a destructive one without --allow-destroy, so the
 * suggestion carries them (the database URL is not repeated: it may hold a password).
 */
function applyCommand(values: Values, plan: Plan): string {
  const out = values['out'] as string;
  const words = ['tierctl', 'apply', /^[\w./-]+$/.test(out) ? out : `'${out.replace(/'/g, `'\\''`)}'`];
  if (!plan.stripe.verified) words.push('--skip-stripe');
  const notes: string[] = [];
  if (plan.changes.some((c) => c.action === 'delete')) {
    words.push('--allow-destroy');
    notes.push('it deletes tiers; retiring them is the safe way out');
  }
  if (values['database'] !== undefined) notes.push('with the same --database');
  return `${words.join(' ')}${notes.length ? ` (${notes.join('; ')})` : ''}`;
}
