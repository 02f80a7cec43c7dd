import { verifyBilling } from '../billing/verify-billing.js';
import { compareDiagnostics, type Diagnostic } from '../catalog/diagnostic.js';
import { billingKeyPosition, permissionPosition, type LoadedCatalog } from '../catalog/load-catalog.js';
import { InvalidCatalogError, TierctlError } from '../errors.js';
import { buildPlan, type PlanInput } from '../plan/build-plan.js';
import { deletionCandidates } from '../plan/diff.js';
import { detectDrift } from '../plan/drift.js';
import type { Plan } from '../plan/plan-schema.js';
import type { Database } from '../state/database.js';
import { countSubscribers, readState, type DatabaseState } from '../state/read-state.js';
import { withReadTransaction } from '../state/read-transaction.js';
import { TOOL_VERSION } from '../version.js';

export const NO_SUBSCRIBERS_TABLE = 'catalog.yaml names no subscribers table (subscribers: { table, column })';
export const AGAINST_GIT_REF = 'plan --against compares files with files; subscribers live in the database';

/**
 * Verifies the desired catalog's billing keys and fails, at each key's position in its
 * tier file, on any problem; otherwise returns what the plan records about them.
 * Shared by every way of planning (database or git ref) so none can skip the check.
 */
export async function verifiedBilling(loaded: LoadedCatalog, skipStripe: boolean, env: NodeJS.ProcessEnv): Promise<Pick<PlanInput, 'stripe' | 'notes'>> {
  const billing = await verifyBilling(loaded.catalog, { skipStripe, env, stripeFeatures: loaded.stripeFeatures });
  if (billing.problems.length) {
    const diagnostics: Diagnostic[] = billing.problems
      .map((p) => ({ ...(p.permission !== undefined ? permissionPosition(loaded, p.tier, p.permission) : billingKeyPosition(loaded, p.tier, p.key)), message: p.message, ...(p.hint ? { hint: p.hint } : {}) }))
      .sort(compareDiagnostics);
    throw new InvalidCatalogError(diagnostics, 'billing keys');
  }
  return { stripe: { verified: billing.verified, ...(billing.reason ? { reason: billing.reason } : {}), keys: billing.facts }, notes: billing.notes };
}

/**
 * Read, then assemble: Stripe verification and the database snapshot run side by
 * side, then the pure planner puts them together. Billing problems fail the plan
 * with the key's position in its tier file.
 */
export async function computePlan(loaded: LoadedCatalog, db: Database | null, skipStripe: boolean, env: NodeJS.ProcessEnv): Promise<{ plan: Plan; state: DatabaseState }> {
  const [billing, read] = await Promise.all([
    verifiedBilling(loaded, skipStripe, env),
    db
      ? withReadTransaction(db, async (tx) => {
          const state = await readState(db, tx);
          // Every tier, one grouped statement (the last of the snapshot): deletes are blocked on it, and each change's impact shows it.
          try {
            return { state, subscribers: { counted: true, counts: await countSubscribers(db, loaded.subscribers, state.tierIds, tx) } as const };
          } catch (err) {
            // Deletes stay refused until subscribers can be counted; any other plan goes on, saying the counts are unavailable.
            if (!(err instanceof TierctlError) || deletionCandidates(loaded, state.catalog).length) throw err;
            return { state, subscribers: { counted: false, reason: err.message } as const };
          }
        })
      : readState(null).then((state) => ({ state, subscribers: { counted: true, counts: {} } as const })),
  ]);
  const plan = buildPlan({
    desired: loaded,
    actual: read.state.catalog,
    subscribers: loaded.subscribers ? read.subscribers : { counted: false, reason: NO_SUBSCRIBERS_TABLE },
    ...billing,
    drift: detectDrift(read.state.catalog, read.state.lastRun),
    toolVersion: TOOL_VERSION,
  });
  return { plan, state: read.state };
}
