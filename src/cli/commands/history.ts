import type { Outcome } from '../../errors.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { choice, connect, positiveInt, withDatabase } from '../shared.js';
import { existingTables } from '../../state/tables.js';
import { TABLES } from '../../state/tables.js';
import { visible } from '../../render/visible.js';

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
  const db = await connect(values, io, { readOnly: true });
  return withDatabase(db, async (d) => {
    let rows: RunRow[] = [];
    if (d && (await existingTables(d)).has(TABLES.run)) {
      rows = await d.query<RunRow>(
        `SELECT id, started_at, finished_at, tool_version, actor, git_sha, status, base_fingerprint, result_fingerprint, changes FROM ${TABLES.run} ORDER BY id DESC LIMIT :limit`,
        { replacements: { limit } },
      );
    }
    const runs = rows.map((r) => ({
      id: Number(r.id),
      started_at: new Date(r.started_at).toISOString(),
      finished_at: r.finished_at ? new Date(r.finished_at).toISOString() : null,
      tool_version: r.tool_version,
      actor: r.actor,
      git_sha: r.git_sha,
      status: r.status,
      base_fingerprint: r.base_fingerprint,
      result_fingerprint: r.result_fingerprint,
      changes: (JSON.parse(r.changes) as unknown[]).length,
    }));
    if (format === 'json') io.out(`${JSON.stringify(runs, null, 2)}\n`);
    else if (!runs.length) io.out('No apply runs recorded yet.\n');
    else {
      io.out('  run  finished                  status   changes  actor         git sha\n');
      for (const r of runs) {
        // Audit rows are database text: nothing invisible reaches the terminal (issue 15 item 14).
        io.out(`${visible(`${String(r.id).padStart(5)}  ${(r.finished_at ?? '-').padEnd(24)}  ${String(r.status).padEnd(7)}  ${String(r.changes).padStart(7)}  ${(r.actor ?? '-').padEnd(12)}  ${(r.git_sha ?? '-').slice(0, 12)}`)}\n`);
      }
    }
    return 'ok' as const;
  });
}
