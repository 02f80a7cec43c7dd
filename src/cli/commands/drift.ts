import { TierctlError, type Outcome } from '../../errors.js';
import { detectDrift } from '../../plan/drift.js';
import { resolveDatabase } from '../../state/database-url.js';
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
    const state = d ? await withReadTransaction(d, (tx) => readState(d, tx)) : await readState(null);
    // A scheduled drift check against a mistyped URL must fail, not report "nothing to compare" forever.
    if (!state.initialised && values['allow-empty'] !== true) {
      const target = resolveDatabase(values['database'] as string | undefined, io.env, io.cwd);
      throw new TierctlError(
        d || target.dialect !== 'sqlite'
          ? `no tierctl tables in ${target.display}: nothing to check drift against`
          : `database file not found: ${target.storage} (from ${target.display}); nothing to check drift against`,
        { hint: 'check --database / $DATABASE_URL; if nothing was ever applied to this database, pass --allow-empty' },
      );
    }
    const drift = detectDrift(state.catalog, state.lastRun);
    if (format === 'json') {
      io.out(`${JSON.stringify({ drifted: Boolean(drift), last_run: state.lastRun?.id ?? null, objects: drift?.objects ?? [] }, null, 2)}\n`);
    } else if (!state.lastRun) {
      io.out('No apply has been recorded yet; nothing to compare against.\n');
    } else if (!drift) {
      io.out(`No drift: the database matches what apply run #${state.lastRun.id} left.\n`);
    } else {
      io.out(`Drift: the database was changed outside tierctl since apply run #${drift.run_id}:\n${drift.objects.map((o) => `  ${o}`).join('\n')}\n`);
      io.out('Run `tierctl plan` to see how applying the files would put it back.\n');
    }
    return drift ? ('changes' as const) : ('ok' as const);
  });
}
