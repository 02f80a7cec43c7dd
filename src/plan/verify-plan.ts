import type { Catalog } from '../catalog/model.js';
import { StaleError, TierctlError } from '../errors.js';
import { canonicalJson } from './canonical-json.js';
import { diff, type DesiredState } from './diff.js';
import { catalogFingerprint } from './fingerprint.js';
import { databaseKeys, withImpact } from './impact.js';
import type { OrphanRow } from './orphans.js';
import type { Plan } from './plan-schema.js';
import { projectChanges } from './project-changes.js';
import { resolveStripeIds, type StripeIdColumns } from './resolve-stripe-ids.js';

/**
 * A plan file is untrusted input: anyone who can write it could drop a `blocked` entry or
 * add a delete. Apply therefore trusts none of `changes` and `blocked`; under its lock it
 * re-derives them from what the plan claims (its desired state, reached by projecting
 * its changes onto the locked base) and refuses unless they come out identical.
 * Pure: the caller reads the base state and counts subscribers under the lock.
 */

const MISMATCH_HINT = 'plan files are written by `tierctl plan --out` and must not be edited; make a fresh plan and apply that';

function mismatch(detail: string): TierctlError {
  return new TierctlError(`the plan file does not match what it claims: ${detail}; nothing was applied`, { hint: MISMATCH_HINT });
}

/** The desired state the plan's changes lead to from the locked base, with the renames they name. */
export function claimedDesiredState(plan: Plan, base: Catalog): DesiredState {
  const catalog = projectChanges(base, plan.changes);
  if (catalogFingerprint(catalog) !== plan.desired_fingerprint) {
    throw mismatch('its changes do not lead to its desired_fingerprint');
  }
  const renamedFrom: Record<string, string[]> = {};
  for (const c of plan.changes) if (c.kind === 'tier' && c.action === 'rename') renamedFrom[c.tier] = [c.from];
  return { catalog, renamedFrom };
}

/**
 * Subscriber counts the planner recorded (each tier change's `impact.subscribers`, see
 * impact.ts) against the live counts: a tier that gained (or lost) subscribers since
 * planning makes the plan stale (exit 4), before the re-derivation would call it edited.
 */
export function checkImpact(plan: Plan, live: Record<string, number> | undefined): void {
  if (!live) return;
  const dbKey = databaseKeys(plan.changes);
  const moved: string[] = [];
  for (const c of plan.changes) {
    if (c.kind !== 'tier' || c.action === 'create') continue;
    const then = c.impact?.subscribers;
    if (then === undefined) continue;
    // The count is the database row's: a renamed tier's row still carries its old key.
    const key = c.action === 'rename' ? c.from : (dbKey.get(c.tier) ?? c.tier);
    const now = Object.hasOwn(live, key) ? (live[key] as number) : 0;
    if (now === then) continue;
    const verb = now > then ? `gained ${now - then}` : `lost ${then - now}`;
    moved.push(`tier ${c.tier} (planned to ${c.action}) ${verb} subscriber${Math.abs(now - then) === 1 ? '' : 's'} since the plan: ${then} → ${now}`);
  }
  if (moved.length) {
    throw new StaleError('subscribers moved since this plan was made; nothing was applied', 'run `tierctl plan` again and review the new plan', moved);
  }
}

/**
 * Re-runs the pure diff of the claimed desired state against the locked base (protected
 * flags, subscriber counts and orphan rows as they are now) and requires the plan's own
 * `changes` exactly, with nothing blocked.
 */
export function checkPlanMatches(plan: Plan, desired: DesiredState, base: Catalog, context: { subscriberCounts: Record<string, number> | undefined; orphans: readonly OrphanRow[] }): void {
  const rederived = diff(desired, base, { ...(context.subscriberCounts ? { subscriberCounts: context.subscriberCounts } : {}), orphans: context.orphans });
  // Impact is attached as the planner attaches it (build-plan.ts), with the live counts; a plan
  // made without counts (subscriber_counts.counted false) claims none. Deletes are blocked
  // on the live counts above either way.
  const counted = plan.subscriber_counts?.counted === true ? context.subscriberCounts : undefined;
  const changes = withImpact(rederived.changes, counted);
  if (rederived.blocked.length) {
    throw mismatch(`it holds ${rederived.blocked.map((b) => `a ${b.action} of tier ${b.tier} that is blocked (${b.reason})`).join('; ')}`);
  }
  if (canonicalJson(changes) !== canonicalJson(plan.changes)) {
    const first = changes.findIndex((c, i) => canonicalJson(c) !== canonicalJson(plan.changes[i]));
    const at = first === -1 ? changes.length : first;
    throw mismatch(`its changes differ from the ones its desired state gives, from change #${at + 1} on`);
  }
}

/**
 * The IDs a plan writes into resolved columns ({stripe: price|product}) must be the ones its
 * own recorded Stripe answers (`stripe.keys`) give, or, for a plan made without Stripe, the
 * ones the locked rows already hold. Re-derived from the plan, never by asking Stripe again:
 * what was reviewed is what is written, and a plan edited to write another ID is refused.
 */
export function checkStripeIds(plan: Plan, desired: DesiredState, base: Catalog, spec: StripeIdColumns | null): void {
  if (!spec) return;
  const r = resolveStripeIds(desired, base, plan.stripe, spec);
  if (r.problems.length) throw mismatch(`its resolved Stripe IDs cannot be derived from its Stripe answers (${r.problems.map((p) => `tier ${p.tier}: ${p.message}`).join('; ')})`);
  const claimed = canonicalJson(plan.stripe.unresolved_columns ?? []);
  if (catalogFingerprint(r.catalog) !== catalogFingerprint(desired.catalog) || claimed !== canonicalJson(r.unresolved)) {
    const tier = Object.keys(desired.catalog.tiers).find((k) => canonicalJson(desired.catalog.tiers[k]?.columns) !== canonicalJson(r.catalog.tiers[k]?.columns));
    throw mismatch(`the Stripe IDs it writes${tier ? ` (tier ${tier})` : ''} are not the ones its recorded Stripe answers give`);
  }
}
