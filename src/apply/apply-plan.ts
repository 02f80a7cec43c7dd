import { BugError, StaleError, TierctlError } from '../errors.js';
import type { Catalog } from '../catalog/model.js';
import { canonicalJson } from '../plan/canonical-json.js';
import { changedObjects, fingerprintOf, fingerprintOfJson, objectFingerprints, stateFingerprint, stateFingerprints } from '../plan/fingerprint.js';
import { isDestructive } from '../plan/diff.js';
import { checkImpact, checkPlanMatches, checkStripeIds, claimedDesiredState } from '../plan/verify-plan.js';
import type { PlanInput } from '../plan/build-plan.js';
import type { Plan } from '../plan/plan-schema.js';
import { assemblePlan, readSide, type DesiredSide } from '../plan/read-and-plan.js';
import { stripeIdColumns } from '../plan/resolve-stripe-ids.js';
import type { AppliedWrites, StoreSnapshot, StoreTransaction, TierStore, WriteHooks } from '../store/tier-store.js';
import { redact } from '../secrets.js';
import { releaseGarbage } from '../release-garbage.js';

export interface ApplyOptions {
  allowDestroy: boolean;
  lockTimeoutMs: number;
  toolVersion: string;
  actor: string | null;
  gitSha: string | null;
  hooks?: WriteHooks;
  onProgress?: (step: string) => void;
}

export interface ApplyResult {
  runId: number;
  status: 'applied' | 'no-op';
  migrations: string[];
  statements: number;
  resultFingerprint: string;
}

/** Refusals that need no database: a blocked plan, or deletes without --allow-destroy. */
export function checkApplicable(plan: Plan, allowDestroy: boolean): void {
  if (plan.blocked.length) {
    throw new TierctlError(`the plan has ${plan.blocked.length} blocked change${plan.blocked.length === 1 ? '' : 's'} and cannot be applied:\n${plan.blocked.map((b) => `  ! tier ${b.tier}: ${b.action}: ${b.reason}`).join('\n')}`, {
      outcome: 'destructive',
      hint: 'change the tier files so nothing is blocked (retire instead of delete, keep protected tiers), then plan again',
    });
  }
  const deletes = plan.changes.filter(isDestructive);
  if (deletes.length && !allowDestroy) {
    throw new TierctlError(`the plan deletes ${deletes.map((c) => (c.kind === 'tier' ? `tier ${c.tier}` : c.kind === 'permission' ? `permission ${c.permission}` : c.table)).join(', ')}`, {
      outcome: 'destructive',
      hint: 'retiring (status: retired) is the everyday way out; to delete anyway, pass --allow-destroy',
    });
  }
}

/** `apply` without a plan file: the files, planned against the state read under the lock. */
export interface DesiredApply {
  desired: DesiredSide;
  billing: Pick<PlanInput, 'stripe' | 'notes'>;
  /** Sees the plan before anything is written (to show it); throwing refuses it, rolling back. */
  onPlan(plan: Plan): void;
}

/**
 * Applies a saved plan, or plans the files and applies them, under one lock: migrations,
 * one read of the state, the staleness and re-derivation checks (a saved plan) or the plan
 * itself (the files), writes, self-check, audit row; all in one transaction, so a failure at any point
 * leaves the database exactly as it was. The state is read once; the self-check compares
 * the planned state with the written tiers read back (store.apply's `result`).
 */
export async function applyPlan(store: TierStore, what: Plan | DesiredApply, options: ApplyOptions): Promise<ApplyResult & { plan: Plan }> {
  const saved = 'format_version' in what ? what : undefined;
  if (saved) checkApplicable(saved, options.allowDestroy);
  const startedAt = new Date().toISOString();
  const progress = options.onProgress ?? (() => undefined);
  const at = options.hooks?.at;
  await at?.('before-begin');
  return store.write(options.lockTimeoutMs, async (tx) => {
    progress('migrating');
    const migrations = await store.migrate(tx);
    progress('reading state');
    const state = await store.snapshot(tx);
    // Sized by the larger side: from empty the state has no tiers while the files have 10,000
    // (sized by the state alone, apply from empty skipped every collection and peaked at 356–375 MB).
    const scale = { tiers: largerTiers(state.catalog, saved ? saved.changes : (what as DesiredApply).desired.catalog.tiers) };
    releaseGarbage(scale); // the driver's rows are garbage now; the plan is made next to the live state only
    // A plan made here records the state's object fingerprints too: one pass gives both (fingerprint.ts).
    const fingerprints = saved ? undefined : stateFingerprints(state.catalog, state.orphans);
    const base = fingerprints?.state ?? stateFingerprint(state.catalog, state.orphans);
    let plan: Plan;
    if (saved) {
      plan = saved;
      if (base !== plan.base_fingerprint) {
        throw new StaleError(
          'the database changed since this plan was made; nothing was applied',
          'run `tierctl plan` again and review the new plan',
          changedObjects(plan.base_objects, objectFingerprints(state.catalog, state.orphans)),
        );
      }
    } else {
      const desired = what as DesiredApply;
      plan = assemblePlan(desired.desired, await readSide(store, tx, state, { lastRun: false, ...(fingerprints ? { fingerprints } : {}) }), desired.billing);
      desired.onPlan(plan);
      checkApplicable(plan, options.allowDestroy);
    }
    // A saved plan is untrusted input, checked against the locked state before any write. A
    // plan made just above from this same snapshot and these counts would only be derived
    // a second time (one more diff of the whole catalog, one more subscriber count).
    if (saved) await verifyUnderLock(store, tx, plan, state);
    // Computed before the writes, so its canonical text is not alive next to the audit row's at the peak.
    const planFingerprint = fingerprintOf(plan);
    releaseGarbage(scale); // the diff's intermediate copies, before the writes build their rows
    progress(`applying ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'}`);
    let written: AppliedWrites | undefined = plan.changes.length ? await store.apply(tx, state, plan.changes, options.hooks) : { statements: 0, result: state.catalog };
    const statements = written.statements;
    // One canonical text serves the fingerprint and the audit row's result_state (valid JSON of the catalog).
    const resultJson = canonicalJson(written.result);
    // The read-back catalog is its text from here on; dropped with the write batches before the audit row's texts are built.
    written = undefined;
    releaseGarbage(scale);
    const after = fingerprintOfJson(resultJson);
    if (after !== plan.desired_fingerprint) {
      throw new BugError(`apply did not reach the planned state (${after} instead of ${plan.desired_fingerprint}); rolled back`);
    }
    progress('recording the run');
    const status = plan.changes.length ? 'applied' : 'no-op';
    const runId = await store.recordRun(tx, {
      started_at: startedAt,
      finished_at: new Date().toISOString(),
      tool_version: options.toolVersion,
      base_fingerprint: base,
      result_fingerprint: after,
      plan_fingerprint: planFingerprint,
      // The audit row is an output channel like any other: redacted the same way.
      actor: options.actor === null ? null : redact(options.actor),
      git_sha: options.gitSha === null ? null : redact(options.gitSha),
      changes: redact(JSON.stringify(plan.changes)),
      result_state: redact(resultJson),
      status,
    });
    await at?.('last-write');
    return { runId, status, migrations, statements, resultFingerprint: after, plan };
  }, at ? () => at('during-commit') : undefined);
}

/**
 * Trusts nothing the plan says that the locked state can check: re-derives the plan from its
 * claimed desired state against the locked base, with protected flags, subscriber counts
 * (one grouped query) and orphan rows as they are now.
 */
async function verifyUnderLock(store: TierStore, tx: StoreTransaction, plan: Plan, state: StoreSnapshot): Promise<void> {
  const desired = claimedDesiredState(plan, state.catalog);
  // Counted where the plan says subscribers are (apply opens the store with plan.subscribers);
  // a plan that names no table records no impact, and catalog.yaml must agree (apply.ts).
  let live: Record<string, number> | undefined;
  if (plan.subscribers && store.description.subscribers) {
    try {
      live = await store.countSubscribers(tx, state);
    } catch (err) {
      // As when planning (read-and-plan.ts): subscribers that cannot be counted fail only a plan
      // that deletes or recorded a count; otherwise it carries no count to compare.
      if (plan.changes.some((c) => c.kind === 'tier' && (c.action === 'delete' || (c.action !== 'create' && c.impact?.subscribers !== undefined)))) throw err;
    }
  }
  checkImpact(plan, live);
  checkStripeIds(plan, desired, state.catalog, stripeIdColumns(store.description));
  checkPlanMatches(plan, desired, state.catalog, { subscriberCounts: live, orphans: state.orphans });
}

/** Whichever has more entries, the state's tiers or the other side's (a saved plan's changes, the files' tiers), as releaseGarbage measures size. */
function largerTiers(state: Catalog, other: Record<string, unknown> | readonly unknown[]): Record<string, unknown> | readonly unknown[] {
  return Object.keys(other).length > Object.keys(state.tiers).length ? other : state.tiers;
}
