import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tierctl, workdirWithTiers } from '../support/cli.js';
import { CLI_ENTRY, inkModules, recordResolutions } from '../support/resolutions.js';

/**
 * Ink is loaded lazily: a run without a person at a terminal (a pipe, CI=true) must
 * never resolve Ink, React or tierctl's ui/ modules. The positive control (an
 * interactive run does load them) is in apply-tty.test.ts.
 */
describe('non-interactive runs never load Ink', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = workdirWithTiers();
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  const cases: { name: string; args: string[]; env: Record<string, string | undefined> }[] = [
    { name: 'validate under CI=true', args: ['validate'], env: {} },
    { name: 'plan under CI=true', args: ['plan', '--skip-stripe', '--database', 'sqlite:t.sqlite'], env: {} },
    { name: 'plan into a pipe without CI', args: ['plan', '--skip-stripe', '--database', 'sqlite:t.sqlite'], env: { CI: undefined } },
    { name: 'apply --auto-approve into a pipe without CI', args: ['apply', '--auto-approve', '--skip-stripe', '--database', 'sqlite:t.sqlite'], env: { CI: undefined } },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const rec = recordResolutions();
      const r = await tierctl(c.args, { cwd, env: { ...c.env, ...rec.env } });
      expect(r.stderr).not.toContain('    at ');
      expect(r.code).toBe(0);
      const urls = rec.resolved();
      // The recorder saw the run (otherwise "nothing from Ink" would prove nothing).
      expect(urls.some((u) => u.endsWith(CLI_ENTRY))).toBe(true);
      expect(inkModules(urls)).toEqual([]);
    });
  }
});
