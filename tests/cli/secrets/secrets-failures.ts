import { beforeAll, expect } from 'vitest';
import type { CliResult } from '../../support/cli.js';
import { runMain } from '../../support/run-main.js';
import { STACK_FRAME, expectNoSecret, secretsHarness, type SecretsHarness, type SecretsRun } from './secrets-harness.js';

/**
 * The failure files' common part: the database is applied once first (in the test process:
 * set-up, not the subject), then each case's commands fail as real processes, and none may
 * print a secret or (outside TIERCTL_DEBUG) a stack trace, nor store one in the audit table.
 */
export function failuresHarness(): { h: SecretsHarness; fails: (...runs: SecretsRun[]) => Promise<CliResult[]> } {
  const h = secretsHarness();
  beforeAll(async () => {
    const r = await runMain(['apply', '--auto-approve', '--skip-stripe', ...h.withUrl()], { cwd: h.cwd });
    expect(r.code, r.stderr).toBe(0);
  });
  const fails = async (...runs: SecretsRun[]): Promise<CliResult[]> => {
    const results = await h.run(...runs);
    runs.forEach((r, i) => {
      const result = results[i]!;
      expect(result.code, `${r.label} should fail: ${result.stdout}${result.stderr}`).not.toBe(0);
      expectNoSecret(result.stdout, `${r.label} stdout`);
      expectNoSecret(result.stderr, `${r.label} stderr`);
      if (!r.env?.['TIERCTL_DEBUG']) expect(result.stderr, r.label).not.toMatch(STACK_FRAME);
    });
    // Nothing the failures did reached the audit table: still only the set-up's run.
    const audit = await h.db.sql('SELECT * FROM reconcile_run');
    expect(audit).toHaveLength(1);
    expectNoSecret(JSON.stringify(audit), 'reconcile_run');
    return results;
  };
  return { h, fails };
}
