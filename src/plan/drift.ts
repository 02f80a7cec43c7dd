import type { Catalog } from '../catalog/model.js';
import type { LastRun } from '../state/read-last-run.js';
import { diff } from './diff.js';
import { stateFingerprint, type Fingerprint } from './fingerprint.js';
import { orphanChanges, type OrphanRow } from './orphans.js';
import type { Drift } from './plan-schema.js';

/**
 * Drift: the database no longer equals what the last apply left, so someone changed
 * it outside tierctl. Pure and structured: the changes that lead from what the run left
 * to what is there now (render/plan-lines.ts words them), then every orphan child row
 * (apply never leaves one). `fingerprint`: the current state's, when the caller has it.
 */
export function detectDrift(current: Catalog, lastRun: LastRun | null, orphans: readonly OrphanRow[] = [], fingerprint?: Fingerprint): Drift | undefined {
  if (!lastRun || (fingerprint ?? stateFingerprint(current, orphans)) === lastRun.result_fingerprint) return undefined;
  const orphanRows = orphanChanges(orphans);
  // The audit row's state is unreadable (see read-last-run.ts): drift is known, not its fields.
  if (!lastRun.result_state) return { run_id: lastRun.id, changes: orphanRows, unreadable_state: true };
  const { changes } = diff({ catalog: current, renamedFrom: {} }, lastRun.result_state);
  return { run_id: lastRun.id, changes: [...changes, ...orphanRows] };
}
