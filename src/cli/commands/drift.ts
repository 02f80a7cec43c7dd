import { readStorageOnly } from '../../catalog/read-storage.js';
import type { Outcome } from '../../errors.js';
import { detectDrift } from '../../plan/drift.js';
import { driftChangeLines } from '../../render/plan-lines.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { choice, openStore, withStore } from '../shared.js';

/** Exit 0: the database is what the last apply left. Exit 2: it was changed outside tierctl. */
export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const format = choice(values['format'], ['text', 'json'] as const, 'format');
  const store = await openStore(values, io, { readOnly: true, app: readStorageOnly(values['dir'] as string, io.cwd) });
  return withStore(store, async (s) => {
    const state = s ? await s.read((tx) => s.snapshot(tx)) : null;
    const lastRun = state?.lastRun ?? null;
    const drift = state ? detectDrift(state.catalog, lastRun) : undefined;
    if (format === 'json') {
      io.out(`${JSON.stringify({ drifted: Boolean(drift), last_run: lastRun?.id ?? null, changes: drift?.changes ?? [] }, null, 2)}\n`);
    } else if (!lastRun) {
      io.out('No apply has been recorded yet; nothing to compare against.\n');
    } else if (!drift) {
      io.out(`No drift: the database matches what apply run #${lastRun.id} left.\n`);
    } else {
      io.out(`Drift: the database was changed outside tierctl since apply run #${drift.run_id}:\n${driftChangeLines(drift).map((o) => `  ${o}`).join('\n')}\n`);
      io.out('Run `tierctl plan` to see how applying the files would put it back.\n');
    }
    return drift ? ('changes' as const) : ('ok' as const);
  });
}
