import { readStorageOnly } from '../../catalog/read-storage.js';
import type { Outcome } from '../../errors.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { choice, openStore, positiveInt, withStore } from '../shared.js';
import type { RecordedRun } from '../../store/tier-store.js';
import { visible } from '../../render/visible.js';

export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const format = choice(values['format'], ['text', 'json'] as const, 'format');
  const limit = positiveInt(values['limit'], 'limit');
  // With catalog.yaml storage: in --dir, the audit runs live in its prefixed bookkeeping tables.
  const store = await openStore(values, io, { readOnly: true, app: readStorageOnly(values['dir'] as string, io.cwd) });
  return withStore(store, async (s) => {
    const rows: RecordedRun[] = s ? await s.read((tx) => s.history(tx, limit)) : [];
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
