import { verifyBilling } from '../billing/verify-billing.js';
import { compareDiagnostics, type Diagnostic } from '../catalog/diagnostic.js';
import { billingKeyPosition, billingPosition, permissionPosition, platformPositions, type LoadedCatalog, type SubscribersRef } from '../catalog/load-catalog.js';
import type { SourceAt } from '../store/storage-description.js';
import { resolveStripeIds, stripeIdColumns, type StripeIdColumns } from './resolve-stripe-ids.js';
import { unknownPlatformProblems } from './platform-check.js';
import { emptyCatalog, type Catalog } from '../catalog/model.js';
import { loadCatalogAtRef } from '../catalog/read-catalog-git.js';
import { InvalidCatalogError } from '../errors.js';
import { releaseGarbage } from '../release-garbage.js';
import type { StoreSnapshot, StoreTransaction, TierStore } from '../store/tier-store.js';
import { TOOL_VERSION } from '../version.js';
import { buildPlan, type PlanInput } from './build-plan.js';
import type { DesiredState } from './diff.js';
import { detectDrift } from './drift.js';
import { stateFingerprints, type StateFingerprints } from './fingerprint.js';
import type { OrphanRow } from './orphans.js';
import type { Drift, Plan, StripeReport } from './plan-schema.js';

export const NO_SUBSCRIBERS_TABLE = 'catalog.yaml names no subscribers table (subscribers: { table, column })';
export const AGAINST_GIT_REF = 'plan --against compares files with files; subscribers live in the database';

/** The other side of a plan: what is there now (a database, or the files at a git ref). */
export interface ActualSide {
  catalog: Catalog;
  /**
   * Subscribers per tier key (every tier; the planner looks at those it would delete), or
   * why they could not be counted: that fails the plan only when it deletes a tier.
   */
  subscriberCounts: Record<string, number> | { failed: Error } | { unavailable: string };
  /** Where subscribers were counted (null: nowhere, so no change records a count). */
  subscribers?: Plan['subscribers'];
  /** Child rows whose tier or permission is gone: the plan removes them first. */
  orphans?: OrphanRow[];
  drift?: Drift | undefined;
  /** The app's platform table (storage: resolving platforms through it): a tier file may only name its codes. */
  platforms?: { table: string; codes: string[] };
  /** Damage found in the audit row read for drift (by run id): notes, never a failure. */
  problems?: string[];
  /** Columns of this side's storage holding IDs Stripe resolves (resolve-stripe-ids.ts); absent for files and tierctl's tables. */
  stripeIds?: StripeIdColumns | null;
  /** The fingerprints of `catalog` with `orphans`, when the reader computed them (for drift): the plan records them as its base. */
  fingerprints?: StateFingerprints;
}

/** What assembling needs of the desired side: its state, where catalog.yaml says subscribers are, where each tier's billing: is. */
export type DesiredSide = DesiredState & { subscribers?: SubscribersRef | null; billingAt?: (tier: string) => SourceAt };

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
 * Read, then assemble (Changesets' getReleasePlan): Stripe verification and the read of the
 * other side run side by side, then the pure planner puts them together. Both are awaited
 * before anything fails, so a caller never closes the database under a read that is still
 * running (a Stripe failure used to close SQLite under the open read transaction).
 */
export async function readAndPlan(loaded: LoadedCatalog, readActual: () => Promise<ActualSide>, options: { skipStripe: boolean; env: NodeJS.ProcessEnv }): Promise<Plan> {
  const [billing, actual] = await Promise.allSettled([verifiedBilling(loaded, options.skipStripe, options.env), readActual()]);
  if (actual.status === 'rejected') throw actual.reason;
  if (billing.status === 'rejected') throw billing.reason;
  return assemblePlan(desiredSide(loaded), actual.value, billing.value);
}

/** The loaded files as the desired side of a plan. */
export function desiredSide(loaded: LoadedCatalog): DesiredSide {
  return { catalog: loaded.catalog, renamedFrom: loaded.renamedFrom, subscribers: loaded.subscribers, billingAt: (tier) => billingPosition(loaded, tier), platformAt: platformPositions(loaded) };
}

/** Assemble: the pure planner over what was read. Subscribers that could not be counted fail only a plan that deletes. */
export function assemblePlan(files: DesiredSide, actual: ActualSide, billing: Pick<PlanInput, 'stripe' | 'notes'>): Plan {
  if (actual.platforms) {
    const unknown = unknownPlatformProblems(files.catalog, actual.platforms, files.platformAt);
    if (unknown.length) throw new InvalidCatalogError(unknown, `tier files against ${actual.platforms.table}`);
  }
  const { desired, stripe } = withStripeIds(files, actual, billing.stripe);
  const counts = actual.subscriberCounts;
  // Where catalog.yaml says subscribers are (apply checks the plan says the same), else the store's.
  const fromFiles = desired.subscribers;
  const table: NonNullable<PlanInput['subscribersTable']> | null = fromFiles ? { table: fromFiles.table, column: fromFiles.column } : fromFiles === null ? null : (actual.subscribers ?? null);
  // What each change's impact can say about subscribers: a count, or why there is none (never a silent 0).
  const subscribers: PlanInput['subscribers'] =
    'unavailable' in counts
      ? { counted: false, reason: counts.unavailable as string }
      : table === null
        ? { counted: false, reason: NO_SUBSCRIBERS_TABLE }
        : 'failed' in counts
          ? { counted: false, reason: (counts.failed as Error).message }
          : { counted: true, counts };
  const plan = buildPlan({
    desired,
    actual: actual.catalog,
    context: { subscriberCounts: subscribers.counted ? subscribers.counts : {}, orphans: actual.orphans ?? [] },
    subscribersTable: table,
    subscribers,
    ...billing,
    stripe,
    notes: [...(billing.notes ?? []), ...(actual.problems ?? []).map((message) => ({ message }))],
    drift: actual.drift,
    toolVersion: TOOL_VERSION,
    ...(actual.fingerprints ? { actualFingerprints: actual.fingerprints } : {}),
  });
  const deletes = plan.changes.some((c) => c.kind === 'tier' && c.action === 'delete') || plan.blocked.some((b) => b.action === 'delete');
  if ('failed' in counts && deletes) throw counts.failed;
  return plan;
}

/**
 * The desired side with the columns Stripe resolves filled in (from verification's answers,
 * or the rows' own values without them); a tier whose column cannot get a value fails the
 * plan at its billing: line. Files planned against files (--against) resolve nothing.
 */
function withStripeIds(files: DesiredSide, actual: ActualSide, stripe: StripeReport): { desired: DesiredSide; stripe: StripeReport } {
  if (!actual.stripeIds) return { desired: files, stripe };
  const r = resolveStripeIds(files, actual.catalog, stripe, actual.stripeIds);
  if (r.problems.length) {
    const diagnostics: Diagnostic[] = r.problems
      .map((p) => ({ ...(files.billingAt?.(p.tier) ?? { file: `tier ${p.tier}`, line: 1, col: 1 }), message: p.message, hint: p.hint }))
      .sort(compareDiagnostics);
    throw new InvalidCatalogError(diagnostics, 'resolved Stripe IDs');
  }
  return { desired: { ...files, catalog: r.catalog }, stripe: r.unresolved.length ? { ...stripe, unresolved_columns: r.unresolved } : stripe };
}

/** The database side inside a transaction the caller holds (a read snapshot, or apply's lock). */
export async function readSide(store: TierStore, tx: StoreTransaction, snapshot: StoreSnapshot, options: { lastRun?: boolean; fingerprints?: StateFingerprints } = {}): Promise<ActualSide> {
  // Apply's plan-less path skips the audit row: drift is for people reading a plan.
  const last = options.lastRun === false ? { run: null, problems: [] } : await store.lastRun(tx);
  // Last in the transaction: on PostgreSQL a failed statement ends the transaction's reads.
  const subscriberCounts = await store.countSubscribers(tx, snapshot).catch((err: Error) => ({ failed: err }));
  const ref = store.description.subscribers;
  const platform = store.description.tier.platform;
  // Once for drift and the plan's base (each a full pass over the catalog at 10,000 tiers).
  const fingerprints = options.fingerprints ?? stateFingerprints(snapshot.catalog, snapshot.orphans);
  return {
    ...(platform?.kind === 'table' && snapshot.platforms ? { platforms: { table: platform.table, codes: snapshot.platforms } } : {}),
    catalog: snapshot.catalog,
    subscriberCounts,
    subscribers: ref ? { table: ref.table, column: ref.column } : null,
    orphans: snapshot.orphans,
    drift: detectDrift(snapshot.catalog, last.run, snapshot.orphans, fingerprints.state),
    problems: last.problems,
    stripeIds: stripeIdColumns(store.description),
    fingerprints,
  };
}

/** The database side: one read-only snapshot, subscribers counted in one grouped query. No store: an empty database. */
export function readStore(store: TierStore | null): () => Promise<ActualSide> {
  return async () => {
    if (!store) return { catalog: emptyCatalog(), subscriberCounts: {} };
    return store.read(async (tx) => {
      const snapshot = await store.snapshot(tx);
      releaseGarbage(snapshot.catalog); // the driver's rows, before the plan is made next to the snapshot (release-garbage.ts)
      return readSide(store, tx, snapshot);
    });
  };
}

/** The pull-request side: the tier files at a git ref (no database; absent files plan as empty). */
export function readGitRef(ref: string, dir: string, cwd: string): () => Promise<ActualSide> {
  return async () => {
    const base = await loadCatalogAtRef(ref, dir, cwd);
    if (base !== 'absent' && !base.ok) throw new InvalidCatalogError(base.diagnostics, `tier files at ${ref}`);
    return { catalog: base === 'absent' ? emptyCatalog() : base.loaded.catalog, subscriberCounts: { unavailable: AGAINST_GIT_REF } };
  };
}
