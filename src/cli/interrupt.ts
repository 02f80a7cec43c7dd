import type { WriteHooks as ExecuteHooks } from '../store/tier-store.js';
import { TierctlError } from '../errors.js';
import { EXIT_CODES } from '../exit-codes.js';
import type { Io } from './io.js';

/**
 * Ctrl-C (SIGINT) while an apply writes: the next write statement throws instead of
 * running, the transaction rolls back, and the person is told that nothing was
 * applied. A second Ctrl-C stops at once (the database rolls back the uncommitted
 * transaction when the connection drops). An interrupt after the last statement is
 * too late to stop the commit: the apply then reports its result as usual.
 */
export function watchInterrupt(io: Io): { hooks(base?: ExecuteHooks): ExecuteHooks; stop(): void } {
  let interrupted = false;
  const onSigint = () => {
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
        await base.beforeStatement?.(n);
        if (interrupted) throw new TierctlError('interrupted: nothing was applied', { hint: 'the transaction was rolled back; run the apply again when ready' });
      },
    }),
    stop: () => void process.off('SIGINT', onSigint),
  };
}
