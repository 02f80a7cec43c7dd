import type { Catalog } from '../catalog/model.js';
import { changeLines } from '../render/plan-lines.js';
import type { LastRun } from '../state/read-last-run.js';
import { diff } from './diff.js';
import { stateFingerprint } from './fingerprint.js';
import { describeOrphan, type OrphanRow } from './orphans.js';
import type { Drift } from './plan-schema.js';

/**
 * Drift: the database no longer equals what the last apply left, so someone changed
 * it outside tierctl. Pure: lists each drifted field as "what the run left → what is there now",
 * and every orphan child row (apply never leaves one).
 */
export function detectDrift(current: Catalog, lastRun: LastRun | null, orphans: readonly OrphanRow[] = []): Drift | undefined {
  if (!lastRun || stateFingerprint(current, orphans) === lastRun.result_fingerprint) return undefined;
  const orphanLines = orphans.map((o) => `! ${describeOrphan(o)}`);
  if (!lastRun.result_state) {
    // The audit row's state is unreadable (see read-last-run.ts): drift is known, not its details.
    return { run_id: lastRun.id, objects: [`! the database differs from what run #${lastRun.id} left (its recorded state is unreadable, so the fields cannot be listed)`, ...orphanLines] };
  }
  const left = lastRun.result_state;
  const { changes } = diff({ catalog: current, renamedFrom: {} }, left);
  const objects = changes.flatMap((c) => changeLines(c).map((l) => `${l.depth ? '    ' : ''}${l.mark} ${l.text.replace(' will be DELETED', ' was deleted').replace(' will be created', ' was added').replace(' will be updated', ' was changed').replace(' will be retired', ' was retired')}`));
  return { run_id: lastRun.id, objects: [...objects, ...orphanLines] };
}
