import type { Catalog } from '../catalog/model.js';
import { diff, isDestructive, type DesiredState, type DiffContext } from './diff.js';
import { catalogFingerprint, stateFingerprints, type StateFingerprints } from './fingerprint.js';
import { withImpact } from './impact.js';
import type { Drift, Plan, PlanWarning, StripeReport } from './plan-schema.js';

export const PLAN_FORMAT_VERSION = 1;

export interface PlanInput {
  desired: DesiredState;
  actual: Catalog;
  context?: DiffContext;
  /** Where catalog.yaml says subscribers are; apply counts them again under its lock. */
  subscribersTable?: Plan['subscribers'];
  /**
   * Subscribers per tier key of the database (every tier, one grouped query), or why they
   * could not be counted. Gives each change's `impact` its count; also what the diff blocks
   * deletes on, unless `context` brings its own counts.
   */
  subscribers?: { counted: true; counts: Record<string, number> } | { counted: false; reason: string };
  stripe: StripeReport;
  drift?: Drift | undefined;
  /** Notes from outside the diff (e.g. billing keys no verifier could check). */
  notes?: PlanWarning[];
  toolVersion: string;
  /** `stateFingerprints(actual, context.orphans)` when the reader already has them (read-and-plan.ts computes them once for drift and plan). */
  actualFingerprints?: StateFingerprints;
}

/** Pure: assembles the plan file value. Key order here is the order in the JSON file. */
export function buildPlan(input: PlanInput): Plan {
  const counts = input.subscribers?.counted ? input.subscribers.counts : undefined;
  const context: DiffContext = { ...(counts ? { subscriberCounts: counts } : {}), ...input.context };
  const { changes: planned, blocked, warnings } = diff(input.desired, input.actual, context);
  const changes = withImpact(planned, counts);
  const base = input.actualFingerprints ?? stateFingerprints(input.actual, input.context?.orphans);
  const plan: Plan = {
    format_version: PLAN_FORMAT_VERSION,
    tool_version: input.toolVersion,
    base_fingerprint: base.state,
    desired_fingerprint: catalogFingerprint(input.desired.catalog),
    base_objects: base.objects,
    ...(input.subscribersTable !== undefined ? { subscribers: input.subscribersTable } : {}),
    ...(input.subscribers ? { subscriber_counts: input.subscribers.counted ? { counted: true } : { counted: false, reason: input.subscribers.reason } } : {}),
    changes,
    blocked,
    warnings: [...warnings, ...(input.notes ?? [])],
    ...(input.drift ? { drift: input.drift } : {}),
    stripe: input.stripe,
  };
  return plan;
}

export interface PlanSummary {
  tiers: { create: number; update: number; rename: number; retire: number; delete: number };
  permissions: { create: number; update: number; delete: number };
  /** Orphan child rows to remove (see orphans.ts). */
  orphans: number;
  blocked: number;
  total: number;
  destructive: boolean;
}

export function summarizePlan(plan: Plan): PlanSummary {
  const s: PlanSummary = {
    tiers: { create: 0, update: 0, rename: 0, retire: 0, delete: 0 },
    permissions: { create: 0, update: 0, delete: 0 },
    orphans: 0,
    blocked: plan.blocked.length,
    total: plan.changes.length,
    destructive: false,
  };
  for (const c of plan.changes) {
    if (c.kind === 'tier') s.tiers[c.action]++;
    else if (c.kind === 'permission') s.permissions[c.action]++;
    else s.orphans++;
    if (isDestructive(c)) s.destructive = true;
  }
  return s;
}

/** ok: nothing to do; changes: safe to apply; destructive: deletes or blocked entries. */
export function planOutcome(plan: Plan): 'ok' | 'changes' | 'destructive' {
  const s = summarizePlan(plan);
  if (s.blocked > 0 || s.destructive) return 'destructive';
  return s.total > 0 ? 'changes' : 'ok';
}

export function summaryLine(plan: Plan): string {
  const s = summarizePlan(plan);
  const t = s.tiers;
  let line = `Plan: ${t.create} to create, ${t.update} to update, ${t.rename} to rename, ${t.retire} to retire, ${t.delete} to delete`;
  const p = s.permissions;
  if (p.create + p.update + p.delete > 0) line += `; permissions: ${p.create} to create, ${p.update} to update, ${p.delete} to delete`;
  if (s.orphans) line += `; ${s.orphans} orphan row${s.orphans === 1 ? '' : 's'} to remove`;
  if (s.blocked) line += `; ${s.blocked} blocked`;
  return `${line}.`;
}
