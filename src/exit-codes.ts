import type { Outcome } from './errors.js';

/** The one map from outcome to process exit code (DESIGN.md, "Exit codes"). */
export const EXIT_CODES: Readonly<Record<Outcome, number>> = {
  ok: 0,
  error: 1,
  changes: 2,
  destructive: 3,
  stale: 4,
};

/** 2 and 3 are only reported with --detailed-exitcode; otherwise a successful plan is 0. */
export function exitCodeFor(outcome: Outcome, detailed: boolean): number {
  if (!detailed && (outcome === 'changes' || outcome === 'destructive')) return EXIT_CODES.ok;
  return EXIT_CODES[outcome];
}
