import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest (measured; a file over ~5 s belongs here), started first. Without
 * a results cache (a clean clone, CI) vitest orders files by size, and the slowest files
 * are short: the kill-point suites are 15 lines each. Started last, one of them runs
 * alone on one worker while the other has finished: the whole suite waits for it.
 * With a cache, vitest's own order (longest first, by last duration) is kept within each rank.
 */
const SLOW_FIRST = [
  'tests/integration/kill-points-postgres.test.ts',
  'tests/integration/kill-points.test.ts',
  'tests/integration/concurrency.test.ts',
  'tests/cli/secrets/secrets-success.test.ts',
  'tests/integration/kill-points-deletes.test.ts',
  'tests/integration/faults.test.ts',
  // The Orion example's round trip (14.5 s on a busy machine).
  'tests/integration/orion-example.test.ts',
  'tests/cli/apply-workflow.test.ts',
  'tests/cli/smoke.test.ts',
  'tests/cli/pr-plan-workflow.test.ts',
  'tests/cli/apply-tty.test.ts',
  // Real processes and the waits of SIGINT delivery (10 s on a busy machine).
  'tests/integration/interrupt.test.ts',
  'tests/cli/package.test.ts',
  'tests/cli/hostile-input.test.ts',
  'tests/cli/stripe-output-safety.test.ts',
  'tests/integration/apply.test.ts',
  'tests/integration/apply-untrusted-plan.test.ts',
  'tests/cli/terminal-ux.test.ts',
  'tests/cli/plan.test.ts',
  'tests/cli/plan-output-safety.test.ts',
  'tests/cli/secrets/secrets-stripe-and-files.test.ts',
  'tests/cli/secrets/secrets-database-failures.test.ts',
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = SLOW_FIRST.findIndex((p) => f.moduleId.endsWith(`/${p}`));
      return i === -1 ? SLOW_FIRST.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}
