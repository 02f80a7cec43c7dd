import { parseJsonDict } from '../dict.js';
import type { Catalog } from '../catalog/model.js';

/** What the last successful apply left, for drift. */
export interface LastRun {
  id: number;
  result_fingerprint: string;
  finished_at: string | null;
  /** The catalog the run left, or null when the row does not hold a readable one. */
  result_state: Catalog | null;
}

export interface LastRunRead {
  run: LastRun | null;
  /** Damage found in the row (by run id), for the command to report; the command goes on. */
  problems: string[];
}

/**
 * Pure: the last applied run's audit row in, what can be trusted of it out. The audit table
 * is a log, not the catalog: a damaged row (hand-edited, truncated) is reported by id and
 * read as far as it can be, never an exception that stops plan, apply or drift.
 */
export function lastRunFromRow(row: Record<string, unknown> | undefined, table = 'reconcile_run'): LastRunRead {
  if (!row) return { run: null, problems: [] };
  const id = Number(row['id']);
  const problems: string[] = [];
  const finishedAt = timestamp(row['finished_at']);
  if (finishedAt === undefined) problems.push(`audit row ${table} #${id}: finished_at ${JSON.stringify(String(row['finished_at']))} is not a timestamp`);
  let state: Catalog | null = null;
  const raw = row['result_state'];
  if (raw !== null && raw !== undefined) {
    state = catalogJson(raw);
    if (!state) problems.push(`audit row ${table} #${id}: result_state is not a readable catalog (JSON); drift can be detected but not listed`);
  }
  const fingerprint = typeof row['result_fingerprint'] === 'string' ? row['result_fingerprint'] : '';
  return { run: { id, result_fingerprint: fingerprint, finished_at: finishedAt ?? null, result_state: state }, problems };
}

/** An ISO timestamp, null for SQL NULL, undefined for something that is not a time. */
export function timestamp(value: unknown): string | null | undefined {
  if (value === null || value === undefined) return null;
  if (!(value instanceof Date) && typeof value !== 'string' && typeof value !== 'number') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function catalogJson(raw: unknown): Catalog | null {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = parseJsonDict(raw);
    } catch {
      return null;
    }
  }
  const v = value as { permissions?: unknown; tiers?: unknown } | null;
  if (!v || typeof v !== 'object' || !v.permissions || typeof v.permissions !== 'object' || !v.tiers || typeof v.tiers !== 'object') return null;
  // Shallow shape of every tier, so the drift diff cannot trip over a damaged one.
  for (const t of Object.values(v.tiers as Record<string, unknown>)) {
    const tier = t as { permissions?: unknown; billing_keys?: unknown; limits?: unknown } | null;
    if (!tier || typeof tier !== 'object' || !Array.isArray(tier.permissions) || !Array.isArray(tier.billing_keys) || !tier.limits || typeof tier.limits !== 'object') return null;
  }
  return v as Catalog;
}
