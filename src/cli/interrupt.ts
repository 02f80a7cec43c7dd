import type { WriteHooks as ExecuteHooks } from '../store/tier-store.js';
import { TierctlError } from '../errors.js';
import { EXIT_CODES } from '../exit-codes.js';
import type { Io } from './io.js';

/**
 * Ctrl-C (SIGINT) during an apply:
 * - before the first write statement (reading, planning, waiting for the lock), the process
 *   ends at once, killed by the signal: nothing was written, and an uncommitted transaction
 *   or a lock wait ends with the connection (the kill-point suites prove even SIGKILL is
 *   safe there);
 * - while it writes, the next write statement throws instead of running, the transaction
 *   rolls back, and the person is told that nothing was applied. A second Ctrl-C stops at
 *   once (the database rolls back the uncommitted transaction when the connection drops).
 * An interrupt after the last statement is too late to stop the commit: the apply then
 * reports its result as usual.
 */
export function watchInterrupt(io: Io): { hooks(base?: ExecuteHooks): ExecuteHooks; stop(): void } {
  let interrupted = false;
  let writing = false;
  const onSigint = () => {
    if (!writing) {
      io.err('\ninterrupted before anything was written: stopping; nothing was applied\n');
      // Die of the signal itself, as a program without a handler would (the shell reports
      // 130). process.exit() would first join libuv's threads, and one of them may be
      // sleeping in SQLite's busy wait for the lock until --lock-timeout.
      process.off('SIGINT', onSigint);
      process.kill(process.pid, 'SIGINT');
      return;
    }
    if (interrupted) {
      io.err('\ninterrupted again: stopping now; the database rolls back the uncommitted transaction\n');
      process.exit(EXIT_CODES.error);
    }
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  return {
    hooks: (base = {}) => ({
      ...base,
      async beforeStatement(n) {
        writing = true;
        await base.beforeStatement?.(n);
        if (interrupted) throw new TierctlError('interrupted: nothing was applied', { hint: 'the transaction was rolled back; run the apply again when ready' });
      },
    }),
    stop: () => void process.off('SIGINT', onSigint),
  };
}
