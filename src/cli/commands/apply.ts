import path from 'node:path';
import { applyPlan, checkApplicable, type ApplyResult, type DesiredApply } from '../../apply/apply-plan.js';
import { BugError, TierctlError, type Outcome } from '../../errors.js';
import { summaryLine } from '../../plan/build-plan.js';
import { loadCatalogDir } from '../../catalog/read-catalog-dir.js';
import { canonicalJson } from '../../plan/canonical-json.js';
import { readPlanFile } from '../../plan/plan-file.js';
import type { Plan } from '../../plan/plan-schema.js';
import { renderText } from '../../render/text.js';
import { COLOR, PLAIN, wantsColor } from '../../render/style.js';
import { TOOL_VERSION } from '../../version.js';
import type { Values } from '../command-spec.js';
import { readAndPlan, readStore, verifiedBilling } from '../../plan/read-and-plan.js';
import { billingPosition, platformPositions, type LoadedCatalog } from '../../catalog/load-catalog.js';
import { canAsk, type Io } from '../io.js';
import { readStorageOnly } from '../../catalog/read-storage.js';
import { actor, gitSha, loadDesired, openStore, positiveInt, withStore } from '../shared.js';
import { loadInteractiveUi } from '../interactive-ui.js';
import { faultHooks } from '../test-hooks.js';
import { watchInterrupt } from '../interrupt.js';

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
    await checkSubscribersRef(saved, values['dir'] as string, io);
  } else if (!autoApprove && !canAsk(io)) {
    throw new TierctlError('apply without a plan file needs confirmation, and there is no terminal to ask', {
      hint: 'pass --auto-approve, or apply a reviewed plan: tierctl plan --out plan.json && tierctl apply plan.json',
    });
  }

  let loaded = saved ? undefined : await loadDesired(values['dir'] as string, io);
  // A key is needed only when some tier is billed by Stripe (there is nothing else to verify).
  if (loaded && !skipStripe && !io.env['STRIPE_API_KEY'] && Object.values(loaded.catalog.tiers).some((t) => t.billing_provider === 'stripe')) {
    throw new TierctlError('STRIPE_API_KEY is not set, so the Stripe lookup keys cannot be verified', {
      hint: 'set STRIPE_API_KEY (a restricted key with Prices: read and Products: read is enough), or pass --skip-stripe',
    });
  }

  // Decided once: a person at a terminal gets the Ink view (prompt and progress on
  // stderr), anything else plain text. With stdout piped (`apply | tee log`) but a
  // terminal on stdin and stderr, the plan goes to stdout as text and the question
  // is still asked on the terminal.
  const asks = !saved && !autoApprove;
  const ui = io.interactive || (asks && canAsk(io)) ? await loadInteractiveUi(io) : undefined;
  const releaseInput = asks ? ui?.discardTypeahead() : undefined;
  try {
    return await applyWith(ui, releaseInput);
  } finally {
    releaseInput?.();
  }

  async function applyWith(ui: Awaited<ReturnType<typeof loadInteractiveUi>> | undefined, releaseInput: (() => void) | undefined): Promise<Outcome> {
  // A saved plan still needs catalog.yaml's storage: to know which tables it is for. Only
  // opening the store reads it (the live-table check, at the tier files' lines); the writer
  // drops it once open, so the parsed files are not held through the writes.
  let app: NonNullable<Parameters<typeof openStore>[2]>['app'] = loaded ?? readStorageOnly(values['dir'] as string, io.cwd);
  const storeOptions = { busyTimeoutMs: lockTimeoutMs, subscribers: loaded?.subscribers ?? saved?.subscribers ?? null };
  const applyOptions = {
    allowDestroy,
    lockTimeoutMs,
    toolVersion: TOOL_VERSION,
    actor: actor(io.env),
    gitSha: gitSha(io.env, io.cwd),
    hooks: faultHooks(io.env),
  };
  // Ctrl-C while writing: the next statement throws, the transaction rolls back.
  const interruptible: typeof applyPlan = async (db, input, options) => {
    const interrupt = watchInterrupt(io);
    try {
      return await applyPlan(db, input, { ...options, hooks: interrupt.hooks(options.hooks) });
    } finally {
      interrupt.stop();
    }
  };
  // Opened for writing only once there is something to write: a SQLite file this run
  // created and left without a table (a failed first apply) is removed at close.
  const openWriter = async () => {
    const store = await openStore(values, io, { ...storeOptions, app, removeIfLeftEmpty: true });
    app = null;
    return store;
  };

  if (!saved && autoApprove && !ui) {
    // No one to ask: plan against the state read under the lock and apply it in the same
    // transaction, so the state is read once (Stripe is verified first, outside the lock).
    const billing = await verifiedBilling(loaded!, skipStripe, io.env);
    const desired = desiredSide(loaded!);
    // Past here only `desired` (the catalog, and each file's text for an error's line) is needed.
    loaded = undefined;
    return withStore<Outcome>(await openWriter(), async (d) => {
      if (!d) throw new TierctlError('no database to apply to');
      const result = await interruptible(d, { desired, billing, onPlan: (p) => io.out(renderText(p, style)) }, { ...applyOptions, onProgress: (step) => io.err(`… ${step}\n`) });
      await finish(result, undefined);
      return 'ok';
    });
  }

  let plan = saved;
  if (!plan) {
    // Planned read-only: a missing SQLite file is not created while the plan is computed,
    // shown and confirmed, so a cancelled (or refused) apply leaves no file behind.
    // applyPlan re-reads under its lock and refuses (stale) if the database moved meanwhile.
    const reader = await openStore(values, io, { ...storeOptions, app, readOnly: true });
    const planning = ui?.startProgress();
    planning?.step(skipStripe ? 'reading the database' : 'verifying Stripe lookup keys and reading the database');
    try {
      plan = await withStore(reader, (r) => readAndPlan(loaded!, readStore(r), { skipStripe, env: io.env }));
      loaded = undefined;
    } catch (err) {
      await planning?.fail();
      throw err;
    }
    await planning?.done();
    if (ui && io.stdoutIsTTY) ui.showPlan(plan);
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
  releaseInput?.();
  const confirmed = plan;
  return withStore<Outcome>(await openWriter(), async (d) => {
    if (!d) throw new TierctlError('no database to apply to');
    const progress = ui?.startProgress();
    let result: ApplyResult & { plan: Plan };
    try {
      result = await interruptible(d, confirmed, { ...applyOptions, onProgress: (step) => (progress ? progress.step(step) : io.err(`… ${step}\n`)) });
    } catch (err) {
      await progress?.fail('Nothing was changed.');
      throw err;
    }
    await finish(result, progress);
    return 'ok';
  });
  }

  async function finish(result: ApplyResult & { plan: Plan }, progress: { done(message: string): Promise<void> } | undefined): Promise<void> {
    const message =
      result.status === 'no-op'
        ? `No changes. The database already matches (run #${result.runId}).`
        : `Apply complete: ${result.plan.changes.length} change${result.plan.changes.length === 1 ? '' : 's'} applied in one transaction (run #${result.runId}).`;
    const migrated = result.migrations.length ? `Migrated: ${result.migrations.join(', ')}\n` : '';
    if (progress) {
      // Nothing else may write to the terminal while Ink owns the live region.
      await progress.done(message);
      if (migrated) io.err(migrated);
      // stdout is a pipe or file (`apply | tee log`): the record of the run belongs there too.
      if (!io.stdoutIsTTY) io.out(`${message}\n`);
    } else {
      if (migrated) io.err(migrated);
      io.out(`${message}\n`);
    }
  }
}

/**
 * What planning under the lock needs from the files, without the rest of them. A function of
 * its own, and its closure holds only the sources: a closure over the caller's scope kept the
 * whole LoadedCatalog alive through the writes (with every file's position maps, built when
 * the billing positions were taken for every tier up front). A billing position is found only
 * for an error, from the file's text (parse-yaml.ts: sources keep no parsed value).
 */
function desiredSide(files: LoadedCatalog): DesiredApply['desired'] {
  const at = { sources: files.sources, catalogSource: files.catalogSource };
  return {
    catalog: files.catalog,
    renamedFrom: files.renamedFrom,
    billingAt: (tier: string) => billingPosition(at, tier),
    platformAt: platformPositions(files),
  };
}

/**
 * The plan names where subscribers are counted; a plan edited to say "nowhere" would let
 * apply delete a tier that still has subscribers. When the tier files are here (the usual
 * release checkout), their catalog.yaml must say the same as the plan.
 */
async function checkSubscribersRef(plan: Plan, dir: string, io: Io): Promise<void> {
  const files = await loadCatalogDir(dir, io.cwd).catch(() => undefined);
  if (!files?.ok) return; // no readable tier files: the plan is all there is
  const fromFiles = files.loaded.subscribers;
  if (canonicalJson(fromFiles) !== canonicalJson(plan.subscribers ?? null)) {
    throw new TierctlError(`the plan file does not match what it claims: it counts subscribers in ${plan.subscribers ? `${plan.subscribers.table}.${plan.subscribers.column}` : 'no table'}, ${dir}/catalog.yaml in ${fromFiles ? `${fromFiles.table}.${fromFiles.column}` : 'no table'}; nothing was applied`, {
      hint: 'plan files are written by `tierctl plan --out` and must not be edited; make a fresh plan and apply that',
    });
  }
}
