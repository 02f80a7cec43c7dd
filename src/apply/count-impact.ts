import type { Transaction } from 'sequelize';
import type { SubscribersRef } from '../catalog/load-catalog.js';
import { impactCandidates, type DesiredState } from '../plan/diff.js';
import type { Database } from '../state/database.js';
import { countSubscribers, type DatabaseState } from '../state/read-state.js';

/**
 * Subscribers of every tier the plan may delete or retire, in one grouped query; undefined
 * when catalog.yaml names no subscribers table (nothing to count, no impact recorded).
 */
export async function countImpact(db: Database, desired: DesiredState & { subscribers: SubscribersRef | null }, state: DatabaseState, tx: Transaction): Promise<Record<string, number> | undefined> {
  if (!desired.subscribers) return undefined;
  const candidates = impactCandidates(desired, state.catalog);
  const ids: Record<string, number> = {};
  for (const [key, actualKey] of Object.entries(candidates)) ids[key] = state.tierIds[actualKey] as number;
  return countSubscribers(db, desired.subscribers, ids, tx);
}
