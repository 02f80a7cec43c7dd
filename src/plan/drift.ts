import { emptyCatalog, type Catalog } from '../catalog/model.js';
import type { LastRun } from '../store/tier-store.js';
import { diff } from './diff.js';
import { catalogFingerprint } from './fingerprint.js';
import type { Drift } from './plan-schema.js';
import { parseJsonDict } from '../dict.js';

/**
 * Drift: the database no longer equals what the last apply left, so someone changed
 * it outside tierctl. Pure and structured: the changes that lead from what the run left
 * to what is there now (render/plan-lines.ts words them).
 */
export function detectDrift(current: Catalog, lastRun: LastRun | null): Drift | undefined {
  if (!lastRun || catalogFingerprint(current) === lastRun.result_fingerprint) return undefined;
  const left: Catalog = lastRun.result_state ? (parseJsonDict(lastRun.result_state) as Catalog) : emptyCatalog();
  const { changes } = diff({ catalog: current, renamedFrom: {} }, left);
  return { run_id: lastRun.id, changes };
}
