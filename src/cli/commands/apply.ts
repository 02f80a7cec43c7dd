import { applyPlan, checkApplicable } from '../../apply/apply-plan.js';
import { TierctlError, type Outcome } from '../../errors.js';
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
import { confirmApply } from '../confirm.js';
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
    saved = await readPlanFile(planPath);
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

  const db = await connect(values, io, { busyTimeoutMs: lockTimeoutMs });
  return withDatabase(db, async (d) => {
    if (!d) throw new TierctlError('no database to apply to');
    let plan = saved;
    if (!plan) {
      plan = (await computePlan(loaded!, d, skipStripe, io.env)).plan;
      io.out(renderText(plan, style));
      checkApplicable(plan, allowDestroy);
      if (plan.changes.length && !autoApprove) {
        const ok = await confirmApply(plan, io);
        if (!ok) {
          io.err('Apply cancelled; nothing was changed.\n');
          return 'error';
        }
      }
    } else {
      io.err(`Applying ${planPath as string}: ${summaryLine(plan)}\n`);
    }
    const result = await applyPlan(d, plan, {
      allowDestroy,
      lockTimeoutMs,
      toolVersion: TOOL_VERSION,
      actor: actor(io.env),
      gitSha: gitSha(io.env, io.cwd),
      hooks: faultHooks(io.env),
      onProgress: (step) => io.err(`… ${step}\n`),
    });
    if (result.migrations.length) io.err(`Migrated: ${result.migrations.join(', ')}\n`);
    if (result.status === 'no-op') io.out(`No changes. The database already matches (run #${result.runId}).\n`);
    else io.out(`Apply complete: ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'} applied in one transaction (run #${result.runId}).\n`);
    return 'ok';
  });
}
