import { BugError, StaleError, TierctlError } from '../errors.js';
import { catalogFingerprint, changedObjects, fingerprintOf, objectFingerprints } from '../plan/fingerprint.js';
import type { Plan } from '../plan/plan-schema.js';
import type { Database } from '../state/database.js';
import { withExclusiveTransaction } from '../state/exclusive-transaction.js';
import { migrate } from '../state/migrator.js';
import { readState } from '../state/read-state.js';
import { redact } from '../secrets.js';
import { TABLES } from '../state/tables.js';
import { executeChanges, type ExecuteHooks } from './execute-changes.js';

export interface ApplyOptions {
  allowDestroy: boolean;
  lockTimeoutMs: number;
  toolVersion: string;
  actor: string | null;
  gitSha: string | null;
  hooks?: ExecuteHooks;
  onProgress?: (step: string) => void;
}

export interface ApplyResult {
  runId: number;
  status: 'applied' | 'no-op';
  migrations: string[];
  statements: number;
  resultFingerprint: string;
}

/** Refusals that need no database: a blocked plan, or deletes without --allow-destroy. */
export function checkApplicable(plan: Plan, allowDestroy: boolean): void {
  if (plan.blocked.length) {
    throw new TierctlError(`the plan has ${plan.blocked.length} blocked change${plan.blocked.length === 1 ? '' : 's'} and cannot be applied:\n${plan.blocked.map((b) => `  ! tier ${b.tier}: ${b.action}: ${b.reason}`).join('\n')}`, {
      outcome: 'destructive',
      hint: 'change the tier files so nothing is blocked (retire instead of delete, keep protected tiers), then plan again',
    });
  }
  const deletes = plan.changes.filter((c) => c.action === 'delete');
  if (deletes.length && !allowDestroy) {
    throw new TierctlError(`the plan deletes ${deletes.map((c) => (c.kind === 'tier' ? `tier ${c.tier}` : `permission ${c.permission}`)).join(', ')}`, {
      outcome: 'destructive',
      hint: 'retiring (status: retired) is the everyday way out; to delete anyway, pass --allow-destroy',
    });
  }
}

/**
 * Applies a plan: migrations, lock, fresh read, staleness check, writes, self-check,
 * audit row; all in one transaction, so a failure at any point leaves the database
 * exactly as it was.
 */
export async function applyPlan(db: Database, plan: Plan, options: ApplyOptions): Promise<ApplyResult> {
  checkApplicable(plan, options.allowDestroy);
  const startedAt = new Date().toISOString();
  const progress = options.onProgress ?? (() => undefined);
  return withExclusiveTransaction(db, options.lockTimeoutMs, async (tx) => {
    progress('migrating');
    const migrations = await migrate(db, options.lockTimeoutMs, tx);
    progress('reading state');
    const state = await readState(db, tx);
    const base = catalogFingerprint(state.catalog);
    if (base !== plan.base_fingerprint) {
      throw new StaleError(
        'the database changed since this plan was made; nothing was applied',
        'run `tierctl plan` again and review the new plan',
        changedObjects(plan.base_objects, objectFingerprints(state.catalog)),
      );
    }
    progress(`applying ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'}`);
    const statements = plan.changes.length ? await executeChanges(db, tx, state, plan.changes, options.hooks) : 0;
    const resultCatalog = plan.changes.length ? (await readState(db, tx)).catalog : state.catalog;
    const after = catalogFingerprint(resultCatalog);
    if (after !== plan.desired_fingerprint) {
      throw new BugError(`apply did not reach the planned state (${after} instead of ${plan.desired_fingerprint}); rolled back`);
    }
    progress('recording the run');
    const status = plan.changes.length ? 'applied' : 'no-op';
    // Bound, not escaped into the SQL: at 10,000 tiers the two JSON values are ~12 MB.
    await db.exec(
      `INSERT INTO ${TABLES.run} (started_at, finished_at, tool_version, base_fingerprint, result_fingerprint, plan_fingerprint, actor, git_sha, changes, result_state, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      {
        transaction: tx,
        // The audit row is an output channel like any other: redacted the same way.
        bind: [startedAt, new Date().toISOString(), options.toolVersion, base, after, fingerprintOf(plan), options.actor, options.gitSha, JSON.stringify(plan.changes), JSON.stringify(resultCatalog), status].map((v) => (typeof v === 'string' ? redact(v) : v)),
      },
    );
    const [row] = await db.query<{ id: number }>(`SELECT MAX(id) AS id FROM ${TABLES.run}`, { transaction: tx });
    return { runId: Number(row?.id), status, migrations, statements, resultFingerprint: after };
  });
}
