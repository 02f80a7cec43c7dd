import type { Outcome } from '../../errors.js';
import { migrate, migrationStatus } from '../../state/migrator.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { connect, positiveInt, withDatabase } from '../shared.js';

export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const statusOnly = values['status'] === true;
  const lockTimeoutMs = positiveInt(values['lock-timeout'], 'lock-timeout');
  const db = await connect(values, io, statusOnly ? { readOnly: true } : { busyTimeoutMs: lockTimeoutMs });
  return withDatabase(db, async (d) => {
    if (statusOnly) {
      const s = await migrationStatus(d);
      for (const name of s.executed) io.out(`applied  ${name}\n`);
      for (const name of s.pending) io.out(`pending  ${name}\n`);
      return 'ok' as const;
    }
    const applied = await migrate(d!, lockTimeoutMs);
    if (applied.length) for (const name of applied) io.out(`applied  ${name}\n`);
    else io.out(`No pending migrations; ${d!.display} is up to date.\n`);
    return 'ok' as const;
  });
}
