import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { editTierFile, workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

/** Typos get the nearest real name, never node:util parseArgs' own wording. */
describe('did you mean', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = workdirWithTiers();
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('an unknown option names the nearest option, without parseArgs internals', async () => {
    const r = await runMain(['plan', '--databse', 'sqlite:x.db'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: unknown option --databse (did you mean --database?)');
    expect(r.stderr).not.toContain("after '--'");
    expect(r.stderr).not.toContain('positional');
  });

  it('a negative number is a value, refused in plain words', async () => {
    const r = await runMain(['history', '--limit', '-1'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: --limit cannot be negative (got -1)');
    expect(r.stderr).not.toContain('ambiguous');
    const t = await runMain(['apply', '--auto-approve', '--skip-stripe', '--lock-timeout', 'soon'], { cwd });
    expect(t.stderr).toContain('--lock-timeout must be a whole number, 0 or more (got "soon")');
  });

  it('an option followed by another option says the value is missing', async () => {
    const r = await runMain(['plan', '--out', '--format', 'json'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('option --out needs a value, but the next argument "--format" is an option');
    expect(r.stderr).not.toContain('ambiguous');
    const flag = await runMain(['plan', '--skip-stripe=yes'], { cwd });
    expect(flag.stderr).toContain('option --skip-stripe takes no value');
  });

  it('an unknown command names the nearest command', async () => {
    const r = await runMain(['plna'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: unknown command "plna" (did you mean "plan"?)');
    const far = await runMain(['frobnicate'], { cwd });
    expect(far.stderr).toContain('error: unknown command "frobnicate"\n');
  });

  it('a misspelt permission or limit in a tier file names the declared one', async () => {
    editTierFile(cwd, 'hobbyist.yaml', 'permissions: [batches.create,', 'permissions: [batches.craete,');
    editTierFile(cwd, 'hobbyist.yaml', 'batches_per_month: 50', 'batches_per_mnth: 50');
    const r = await runMain(['validate'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hobbyist\.yaml:\d+:\d+: permission "batches\.craete" is not declared in .*catalog\.yaml \(did you mean "batches\.create"\?/);
    expect(r.stderr).toMatch(/hobbyist\.yaml:\d+:\d+: limit "batches_per_mnth" is not declared in .*catalog\.yaml \(did you mean "batches_per_month"\?/);
  });
});
