import { verifyBilling } from '../billing/verify-billing.js';
import type { Diagnostic } from '../catalog/diagnostic.js';
import { billingKeyPosition, type LoadedCatalog } from '../catalog/load-catalog.js';
import { InvalidCatalogError } from '../errors.js';
import { buildPlan, type PlanInput } from '../plan/build-plan.js';
import { deletionCandidates } from '../plan/diff.js';
import { detectDrift } from '../plan/drift.js';
import type { Plan } from '../plan/plan-schema.js';
import type { Database } from '../state/database.js';
import { countSubscribers, readState, type DatabaseState } from '../state/read-state.js';
import { withReadTransaction } from '../state/read-transaction.js';
import { TOOL_VERSION } from '../version.js';
import { toDict } from '../dict.js';

/**
 * Verifies the desired catalog's billing keys and fails, at each key's position in its
 * tier file, on any problem; otherwise returns what the plan records about them.
 * Shared by every way of planning (database or git ref) so none can skip the check.
 */
export async function verifiedBilling(loaded: LoadedCatalog, skipStripe: boolean, env: NodeJS.ProcessEnv): Promise<Pick<PlanInput, 'stripe' | 'notes'>> {
  const billing = await verifyBilling(loaded.catalog, { skipStripe, env });
  if (billing.problems.length) {
    const diagnostics: Diagnostic[] = billing.problems.map((p) => ({ ...billingKeyPosition(loaded, p.tier, p.key), message: p.message, ...(p.hint ? { hint: p.hint } : {}) }));
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
          const candidates = deletionCandidates(loaded, state.catalog);
          const ids = toDict(candidates.map((k) => [k, state.tierIds[k] as number] as const));
          const subscriberCounts = await countSubscribers(db, loaded.subscribers, ids, tx);
          return { state, subscriberCounts };
        })
      : readState(null).then((state) => ({ state, subscriberCounts: {} })),
  ]);
  const plan = buildPlan({
    desired: loaded,
    actual: read.state.catalog,
    context: { subscriberCounts: read.subscriberCounts },
    ...billing,
    drift: detectDrift(read.state.catalog, read.state.lastRun),
    toolVersion: TOOL_VERSION,
  });
  return { plan, state: read.state };
}
