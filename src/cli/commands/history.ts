import { TierctlError, type Outcome } from '../../errors.js';
import { timestamp } from '../../state/read-last-run.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { choice, connect, positiveInt, withDatabase } from '../shared.js';
import { existingTables } from '../../state/tables.js';
import { TABLES } from '../../state/tables.js';

interface RunRow {
  id: number;
  started_at: string;
  finished_at: string | null;
  tool_version: string;
  actor: string | null;
  git_sha: string | null;
  status: string;
  base_fingerprint: string;
  result_fingerprint: string | null;
  changes: string;
}

export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const format = choice(values['format'], ['text', 'json'] as const, 'format');
  const limit = positiveInt(values['limit'], 'limit');
  // 0 would list nothing and then say no runs exist, which is false.
  if (limit < 1) throw new TierctlError('--limit must be at least 1', { hint: 'for example --limit 20' });
  const db = await connect(values, io, { readOnly: true });
  return withDatabase(db, async (d) => {
    let rows: RunRow[] = [];
    if (d && (await existingTables(d)).has(TABLES.run)) {
      rows = await d.query<RunRow>(
        `SELECT id, started_at, finished_at, tool_version, actor, git_sha, status, base_fingerprint, result_fingerprint, changes FROM ${TABLES.run} ORDER BY id DESC LIMIT :limit`,
        { replacements: { limit } },
      );
    }
    const runs = rows.map((r) => auditEntry(r, (problem) => io.err(`warning: ${problem}\n`)));
    if (format === 'json') io.out(`${JSON.stringify(runs, null, 2)}\n`);
    else if (!runs.length) io.out('No apply runs recorded yet.\n');
    else {
      io.out('  run  finished                  status   changes  actor         git sha\n');
      for (const r of runs) {
        io.out(`${String(r.id).padStart(5)}  ${(r.finished_at ?? '-').padEnd(24)}  ${r.status.padEnd(7)}  ${String(r.changes ?? '?').padStart(7)}  ${(r.actor ?? '-').padEnd(12)}  ${(r.git_sha ?? '-').slice(0, 12)}\n`);
      }
    }
    return 'ok' as const;
  });
}

/**
 * One audit row for display. The audit table is a log anyone with SQL access can damage:
 * a value that cannot be read is shown as null (`-`, `?`) and reported by run id, and the
 * rest of the history still prints.
 */
function auditEntry(r: RunRow, warn: (problem: string) => void) {
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
