import { TierctlError } from '../errors.js';
import type { WriteHooks } from '../store/tier-store.js';

/**
 * Fault injection for the test suite only, driven by environment variables so the
 * real process can be made to fail (or slow down) at a chosen write statement.
 */
export function faultHooks(env: NodeJS.ProcessEnv): WriteHooks {
  const failAt = Number(env['TIERCTL_TEST_FAIL_AT_STATEMENT'] ?? 0);
  const delayMs = Number(env['TIERCTL_TEST_STATEMENT_DELAY_MS'] ?? 0);
  if (!failAt && !delayMs) return {};
  return {
    async beforeStatement(n) {
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      if (failAt && n === failAt) throw new TierctlError(`injected fault at write statement ${n}`);
    },
  };
}
