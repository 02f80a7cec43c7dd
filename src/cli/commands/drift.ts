import type { Outcome } from '../../errors.js';
import { detectDrift } from '../../plan/drift.js';
import { describeOrphan } from '../../plan/orphans.js';
import { readLastRun } from '../../state/read-last-run.js';
import { readState } from '../../state/read-state.js';
import { withReadTransaction } from '../../state/read-transaction.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { choice, connect, withDatabase } from '../shared.js';

/** Exit 0: the database is what the last apply left. Exit 2: it was changed outside tierctl. */
export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const format = choice(values['format'], ['text', 'json'] as const, 'format');
  const db = await connect(values, io, { readOnly: true });
  return withDatabase(db, async (d) => {
    const read = d
      ? await withReadTransaction(d, async (tx) => ({ state: await readState(d, tx), last: await readLastRun(d, tx) }))
      : { state: await readState(null), last: { run: null, problems: [] as string[] } };
    const { state, last } = read;
    for (const p of last.problems) io.err(`warning: ${p}\n`);
    const drift = detectDrift(state.catalog, last.run, state.orphans);
    // Orphan rows are drift even before the first apply: tierctl never leaves one.
    const objects = drift?.objects ?? state.orphans.map((o) => `! ${describeOrphan(o)}`);
    const drifted = objects.length > 0;
    if (format === 'json') {
      io.out(`${JSON.stringify({ drifted, last_run: last.run?.id ?? null, objects, problems: last.problems }, null, 2)}\n`);
    } else if (!drifted && !last.run) {
      io.out('No apply has been recorded yet; nothing to compare against.\n');
    } else if (!drifted && last.run) {
      io.out(`No drift: the database matches what apply run #${last.run.id} left.\n`);
    } else {
      const since = last.run ? ` since apply run #${last.run.id}` : '';
      io.out(`Drift: the database was changed outside tierctl${since}:\n${objects.map((o) => `  ${o}`).join('\n')}\n`);
      io.out('Run `tierctl plan` to see how applying the files would put it back.\n');
    }
    return drifted ? ('changes' as const) : ('ok' as const);
  });
}
