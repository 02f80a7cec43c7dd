import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/command-spec.js';
import { runMain } from '../support/run-main.js';

/** Per-command help: every flag with a sentence (and its unit), from the one command table. */
describe('tierctl help', () => {
  it('`tierctl help plan` is `tierctl plan --help`', async () => {
    const viaHelp = await runMain(['help', 'plan']);
    const viaFlag = await runMain(['plan', '--help']);
    expect(viaHelp.code, viaHelp.stderr).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaHelp.stdout).toContain('Usage: tierctl plan');
    const typo = await runMain(['help', 'plna']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('did you mean "plan"?');
  });

  it('lists each flag of apply with its value, unit and default', async () => {
    const r = await runMain(['apply', '--help']);
    expect(r.stdout).toMatch(/^ {2}--lock-timeout MS +how long to wait for another apply's lock, in milliseconds \(default 5000\)$/m);
    expect(r.stdout).toMatch(/^ {2}--database URL +\S.*$/m);
    expect(r.stdout).toMatch(/^ {2}--auto-approve +apply without asking/m);
    expect(r.stdout).toMatch(/^ {2}plan\.json +a plan saved by/m);
  });

  it.each(COMMANDS.map((c) => c.name))('every flag of %s has a help sentence and a named value', async (name) => {
    const spec = COMMANDS.find((c) => c.name === name)!;
    const r = await runMain([name, '--help']);
    for (const [flag, f] of Object.entries(spec.options)) {
      expect(f.help, `--${flag} of ${name}`).toMatch(/^[a-z].{10,}/);
      if (f.type === 'string') expect(f.arg, `--${flag} of ${name}`).toMatch(/^[A-Z_.]+$/);
      expect(r.stdout).toContain(`--${flag}`);
    }
  });
});
