import path from 'node:path';
import { applyPlan, checkApplicable, type ApplyResult } from '../../apply/apply-plan.js';
import { BugError, TierctlError, type Outcome } from '../../errors.js';
import { summaryLine } from '../../plan/build-plan.js';
import { readPlanFile } from '../../plan/plan-file.js';
import type { Plan } from '../../plan/plan-schema.js';
import { renderText } from '../../render/text.js';
import { COLOR, PLAIN, wantsColor } from '../../render/style.js';
import { TOOL_VERSION } from '../../version.js';
import type { Values } from '../command-spec.js';
import { computePlan } from '../compute-plan.js';
import type { Io } from '../io.js';
import { actor, connect, gitSha, loadDesired, positiveInt, withDatabase } from '../shared.js';
import { loadInteractiveUi } from '../interactive-ui.js';
import { faultHooks } from '../test-hooks.js';

export async function run(values: Values, positionals: string[], io: Io): Promise<Outcome> {
  const planPath = positionals[0];
  const skipStripe = values['skip-stripe'] === true;
  const autoApprove = values['auto-approve'] === true;
  const allowDestroy = values['allow-destroy'] === true;
  const lockTimeoutMs = positiveInt(values['lock-timeout'], 'lock-timeout');
  const style = wantsColor({ isTTY: io.stdoutIsTTY }, io.env) ? COLOR : PLAIN;

  let saved: Plan | undefined;
  if (planPath) {
    saved = await readPlanFile(path.resolve(io.cwd, planPath), planPath);
    if (!saved.stripe.verified && !skipStripe) {
      throw new TierctlError(`the plan's Stripe lookup keys were not verified (${saved.stripe.reason ?? 'unknown reason'})`, {
        hint: 'plan again with STRIPE_API_KEY set, or pass --skip-stripe to apply anyway',
      });
    }
    checkApplicable(saved, allowDestroy);
  } else if (!autoApprove && !io.interactive) {
    throw new TierctlError('apply without a plan file needs confirmation, and there is no terminal to ask', {
      hint: 'pass --auto-approve, or apply a reviewed plan: tierctl plan --out plan.json && tierctl apply plan.json',
    });
  }

  const loaded = saved ? undefined : await loadDesired(values['dir'] as string, io);
  if (loaded && !skipStripe && !io.env['STRIPE_API_KEY']) {
    throw new TierctlError('STRIPE_API_KEY is not set, so the Stripe lookup keys cannot be verified', {
      hint: 'set STRIPE_API_KEY (a restricted key with Prices: read and Products: read is enough), or pass --skip-stripe',
    });
  }

  // Decided once: a person at a terminal gets the Ink view, anything else plain text.
  const ui = io.interactive ? await loadInteractiveUi(io) : undefined;
  const db = await connect(values, io, { busyTimeoutMs: lockTimeoutMs });
  return withDatabase(db, async (d) => {
    if (!d) throw new TierctlError('no database to apply to');
    let plan = saved;
    if (!plan) {
      const planning = ui?.startProgress();
      planning?.step(skipStripe ? 'reading the database' : 'verifying Stripe lookup keys and reading the database');
      try {
        plan = (await computePlan(loaded!, d, skipStripe, io.env)).plan;
      } catch (err) {
        await planning?.fail();
        throw err;
      }
      await planning?.done();
      if (ui) ui.showPlan(plan);
      else io.out(renderText(plan, style));
      checkApplicable(plan, allowDestroy);
      if (plan.changes.length && !autoApprove) {
        // Unreachable without a terminal: that case was refused above.
        if (!ui) throw new BugError('confirmation requested without a terminal');
        if (!(await ui.confirmApply(plan))) {
          io.err('Apply cancelled; nothing was changed.\n');
          return 'error';
        }
      }
    } else {
      io.err(`Applying ${planPath as string}: ${summaryLine(plan)}\n`);
    }
    const progress = ui?.startProgress();
    let result: ApplyResult;
    try {
      result = await applyPlan(d, plan, {
        allowDestroy,
        lockTimeoutMs,
        toolVersion: TOOL_VERSION,
        actor: actor(io.env),
        gitSha: gitSha(io.env, io.cwd),
        hooks: faultHooks(io.env),
        onProgress: (step) => (progress ? progress.step(step) : io.err(`… ${step}\n`)),
      });
    } catch (err) {
      await progress?.fail('Nothing was changed.');
      throw err;
    }
    const message =
      result.status === 'no-op'
        ? `No changes. The database already matches (run #${result.runId}).`
        : `Apply complete: ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'} applied in one transaction (run #${result.runId}).`;
    const migrated = result.migrations.length ? `Migrated: ${result.migrations.join(', ')}\n` : '';
    if (progress) {
      // Nothing else may write to the terminal while Ink owns the live region.
      await progress.done(message);
      if (migrated) io.err(migrated);
    } else {
      if (migrated) io.err(migrated);
      io.out(`${message}\n`);
    }
    return 'ok';
  });
}
