import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection, run between the big phases of a command (files parsed, state
 * read, plan made). At 10,000 tiers each phase leaves 50–100 MB of garbage (parse trees,
 * driver rows, diff copies) while the live data is ~45 MB, and V8 lets the heap grow well
 * past that before collecting: peak RSS then depends on when V8 happens to collect and
 * swung from 250 to 340 MB run to run. Collecting at the boundaries keeps every phase
 * starting from the live set (apply's peak 225–245 MB). Costs tens of milliseconds.
 *
 * Only for big catalogs: with a few hundred tiers the phases leave a few MB, and a full
 * collection of whatever else shares the heap costs far more than it frees (run through
 * `main` in the test process, it tripled the CPU time of the in-process suites).
 *
 * `gc` is obtained the way jest-leak-detector does it: expose it for a moment, take it from
 * a fresh context, hide it again. Where that is refused, this does nothing.
 */
let collect: (() => void) | null | undefined;

/** Below this many tiers a phase's garbage is small enough to leave to V8. */
export const RELEASE_GARBAGE_MIN_TIERS = 2_000;

export function releaseGarbage(catalog: { tiers: Readonly<Record<string, unknown>> | readonly unknown[] }): void {
  if (Object.keys(catalog.tiers).length < RELEASE_GARBAGE_MIN_TIERS) return;
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
      setFlagsFromString('--no-expose-gc');
    } catch {
      collect = null;
    }
  }
  collect?.();
}
