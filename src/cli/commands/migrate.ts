import { readStorageOnly } from '../../catalog/read-storage.js';
import type { Outcome } from '../../errors.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { openStore, positiveInt, withStore } from '../shared.js';
import { MIGRATIONS } from '../../../migrations/index.js';

export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const statusOnly = values['status'] === true;
  const lockTimeoutMs = positiveInt(values['lock-timeout'], 'lock-timeout');
  const app = readStorageOnly(values['dir'] as string, io.cwd);
  const store = await openStore(values, io, statusOnly ? { readOnly: true, app } : { busyTimeoutMs: lockTimeoutMs, app });
  return withStore(store, async (s) => {
    if (statusOnly) {
      const status = s ? await s.read((tx) => s.migrationStatus(tx)) : { executed: [], pending: MIGRATIONS.map((m) => m.name) };
      for (const name of status.executed) io.out(`applied  ${name}\n`);
      for (const name of status.pending) io.out(`pending  ${name}\n`);
      return 'ok' as const;
    }
    const applied = await s!.write(lockTimeoutMs, (tx) => s!.migrate(tx));
    if (applied.length) for (const name of applied) io.out(`applied  ${name}\n`);
    else io.out(`No pending migrations; ${s!.display} is up to date.\n`);
    return 'ok' as const;
  });
}
