import { readStorageOnly } from '../../catalog/read-storage.js';
import { TierctlError, type Outcome } from '../../errors.js';
import { detectDrift } from '../../plan/drift.js';
import { orphanChanges } from '../../plan/orphans.js';
import { driftChangeLines } from '../../render/plan-lines.js';
import { resolveDatabase } from '../../state/database-url.js';
import { dialectFor } from '../../store/dialects/index.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { choice, openStore, withStore } from '../shared.js';

/** Exit 0: the database is what the last apply left. Exit 2: it was changed outside tierctl. */
export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const format = choice(values['format'], ['text', 'json'] as const, 'format');
  const store = await openStore(values, io, { readOnly: true, app: readStorageOnly(values['dir'] as string, io.cwd) });
  return withStore(store, async (s) => {
    const read = s ? await s.read(async (tx) => ({ state: await s.snapshot(tx), last: await s.lastRun(tx) })) : null;
    // A scheduled drift check against a mistyped URL must fail, not report "nothing to compare" forever.
    if (!read?.state.initialised && values['allow-empty'] !== true) {
      const target = resolveDatabase(values['database'] as string | undefined, io.env, io.cwd);
      // No store at all: a read-only open found no database file to read.
      const file = dialectFor(target.dialect).localFile(target);
      throw new TierctlError(
        s || file === null
          ? `no tierctl tables in ${target.display}: nothing to check drift against`
          : `database file not found: ${file} (from ${target.display}); nothing to check drift against`,
        { hint: 'check --database / $DATABASE_URL; if nothing was ever applied to this database, pass --allow-empty' },
      );
    }
    const last = read?.last ?? { run: null, problems: [] as string[] };
    // A damaged audit row is reported by id; drift goes on with what could be read of it.
    for (const p of last.problems) io.err(`warning: ${p}\n`);
    const orphans = read?.state.orphans ?? [];
    const drift = read ? detectDrift(read.state.catalog, last.run, orphans) : undefined;
    // Orphan rows are drift even before the first apply: tierctl never leaves one.
    const shown = drift ?? (orphans.length ? { run_id: 0, changes: orphanChanges(orphans) } : undefined);
    const drifted = Boolean(shown);
    if (format === 'json') {
      io.out(`${JSON.stringify({ drifted, last_run: last.run?.id ?? null, changes: shown?.changes ?? [], problems: last.problems }, null, 2)}\n`);
    } else if (!drifted && !last.run) {
      io.out('No apply has been recorded yet; nothing to compare against.\n');
    } else if (!drifted && last.run) {
      io.out(`No drift: the database matches what apply run #${last.run.id} left.\n`);
    } else if (shown) {
      const since = last.run ? ` since apply run #${last.run.id}` : '';
      io.out(`Drift: the database was changed outside tierctl${since}:\n${driftChangeLines(shown).map((o) => `  ${o}`).join('\n')}\n`);
      io.out('Run `tierctl plan` to see how applying the files would put it back.\n');
    }
    return drifted ? ('changes' as const) : ('ok' as const);
  });
}
