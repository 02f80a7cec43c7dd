import { readStorageOnly } from '../../catalog/read-storage.js';
import { TierctlError, type Outcome } from '../../errors.js';
import { parseRunChanges } from '../../plan/run-changes.js';
import { renderRunChanges } from '../../render/run-changes.js';
import { COLOR, PLAIN, wantsColor } from '../../render/style.js';
import { timestamp } from '../../state/read-last-run.js';
import type { RecordedRun, TierStore } from '../../store/tier-store.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { choice, openStore, positiveInt, withStore } from '../shared.js';
import { visible } from '../../render/visible.js';

export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const format = choice(values['format'], ['text', 'json'] as const, 'format');
  const limit = positiveInt(values['limit'], 'limit', 20);
  // 0 would list nothing and then say no runs exist, which is false.
  if (limit < 1) throw new TierctlError('--limit must be at least 1', { hint: 'for example --limit 20' });
  const runId = values['run'] === undefined ? undefined : positiveInt(values['run'], 'run', 1);
  // With catalog.yaml storage: in --dir, the audit runs live in its prefixed bookkeeping tables.
  const store = await openStore(values, io, { readOnly: true, app: readStorageOnly(values['dir'] as string, io.cwd) });
  if (runId !== undefined) return withStore(store, (s) => showRun(s, runId, format, io));
  return withStore(store, async (s) => {
    const rows: RecordedRun[] = s ? await s.read((tx) => s.history(tx, limit)) : [];
    const runs = rows.map((r) => auditEntry(r, (problem) => io.err(`warning: ${problem}\n`)));
    if (format === 'json') io.out(`${JSON.stringify(runs, null, 2)}\n`);
    else if (!runs.length) io.out('No apply runs recorded yet.\n');
    else {
      io.out('  run  finished                  status   changes  actor         git sha\n');
      for (const r of runs) {
        // Audit rows are database text: nothing invisible reaches the terminal (issue 15 item 14).
        io.out(`${visible(`${String(r.id).padStart(5)}  ${(r.finished_at ?? '-').padEnd(24)}  ${String(r.status).padEnd(7)}  ${String(r.changes ?? '?').padStart(7)}  ${(r.actor ?? '-').padEnd(12)}  ${(r.git_sha ?? '-').slice(0, 12)}`)}\n`);
      }
    }
    return 'ok' as const;
  });
}

/** `history --run N`: one run's record and what it changed, read back from its audit row. */
async function showRun(s: TierStore | null, id: number, format: 'text' | 'json', io: Io): Promise<Outcome> {
  const rows = s ? await s.read((tx) => s.history(tx, 1, { id })) : [];
  const row = rows[0];
  if (!row) throw new TierctlError(`no apply run #${id} is recorded in this database`, { hint: 'tierctl history lists the recorded runs' });
  const changes = await parseRunChanges(row.changes, id);
  const record = {
    id: Number(row.id),
    started_at: timestamp(row.started_at) ?? null,
    finished_at: timestamp(row.finished_at) ?? null,
    tool_version: row.tool_version,
    actor: row.actor,
    git_sha: row.git_sha,
    status: row.status,
    base_fingerprint: row.base_fingerprint,
    result_fingerprint: row.result_fingerprint,
    changes,
  };
  if (format === 'json') {
    io.out(`${JSON.stringify(record, null, 2)}\n`);
    return 'ok';
  }
  const style = wantsColor({ isTTY: io.stdoutIsTTY }, io.env) ? COLOR : PLAIN;
  io.out(
    `Apply run #${record.id}: ${record.status}, finished ${record.finished_at ?? '-'} by ${record.actor ?? 'unknown'}` +
      `${record.git_sha ? ` at ${record.git_sha.slice(0, 12)}` : ''} (tierctl ${record.tool_version})\n\n`,
  );
  io.out(renderRunChanges(changes, style));
  return 'ok';
}

/**
 * One audit row for display. The audit table is a log anyone with SQL access can damage:
 * a value that cannot be read is shown as null (`-`, `?`) and reported by run id, and the
 * rest of the history still prints.
 */
function auditEntry(r: RecordedRun, warn: (problem: string) => void) {
  const id = Number(r.id);
  const time = (column: 'started_at' | 'finished_at') => {
    const t = timestamp(r[column]);
    if (t === undefined) warn(`audit row reconcile_run #${id}: ${column} ${JSON.stringify(String(r[column]))} is not a timestamp`);
    return t ?? null;
  };
  let changes: number | null = null;
  try {
    const parsed: unknown = JSON.parse(r.changes);
    if (!Array.isArray(parsed)) throw new Error('not a list');
    changes = parsed.length;
  } catch {
    warn(`audit row reconcile_run #${id}: changes is not a JSON list of changes`);
  }
  return {
    id,
    started_at: time('started_at'),
    finished_at: time('finished_at'),
    tool_version: r.tool_version,
    actor: r.actor,
    git_sha: r.git_sha,
    status: r.status,
    base_fingerprint: r.base_fingerprint,
    result_fingerprint: r.result_fingerprint,
    changes,
  };
}
