import { emptyCatalog, type Catalog } from '../catalog/model.js';
import { changeLines } from '../render/plan-lines.js';
import type { LastRun } from '../state/read-state.js';
import { diff } from './diff.js';
import { catalogFingerprint } from './fingerprint.js';
import type { Drift } from './plan-schema.js';
import { parseJsonDict } from '../dict.js';

/**
 * Drift: the database no longer equals what the last apply left, so someone changed
 * it outside tierctl. Pure: lists each drifted field as "what the run left → what is there now".
 */
export function detectDrift(current: Catalog, lastRun: LastRun | null): Drift | undefined {
  if (!lastRun || catalogFingerprint(current) === lastRun.result_fingerprint) return undefined;
  const left: Catalog = lastRun.result_state ? (parseJsonDict(lastRun.result_state) as Catalog) : emptyCatalog();
  const { changes } = diff({ catalog: current, renamedFrom: {} }, left);
  const objects = changes.flatMap((c) => changeLines(c).map((l) => `${l.depth ? '    ' : ''}${l.mark} ${l.text.replace(' will be DELETED', ' was deleted').replace(' will be created', ' was added').replace(' will be updated', ' was changed').replace(' will be retired', ' was retired')}`));
  return { run_id: lastRun.id, objects };
}
