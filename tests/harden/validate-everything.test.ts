import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

// Issue 13 items 3 and 4: validate reports every problem that can still be checked, in one
// run, and `--format json` carries them on stdout.
let cwd: string;
beforeEach(() => {
  cwd = workdirWithTiers();
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const write = (name: string, content: string) => writeFileSync(path.join(cwd, 'tiers', name), content);
const tier = (key: string, extra = '') => `key: ${key}\nname: Test\nbilling:\n  provider: stripe\n  lookup_keys: [${key}_monthly]\n${extra}`;

describe('validate reports everything in one run (item 3)', () => {
  it('a misspelled field does not hide undeclared permissions and limits in the same file', async () => {
    write('typo.yaml', `${tier('typo')}colour: blue\npermissions: [nope.nope]\nlimits: { seats_typo: 3 }\n`);
    const r = await runMain(['validate'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tiers\/typo\.yaml:6:1: unknown field "colour"/m);
    expect(r.stderr).toMatch(/^tiers\/typo\.yaml:7:15: permission "nope\.nope" is not declared/m);
    expect(r.stderr).toMatch(/^tiers\/typo\.yaml:8:11: limit "seats_typo" is not declared/m);
    expect(r.stderr).toContain('error: 3 problems in the tier files');
  });

  it('a wrongly typed field does not hide the checks of the fields that are right', async () => {
    write('wt.yaml', `key: business\nname: Test\nstatus: gone\nbilling:\n  provider: stripe\n  lookup_keys: [essential_monthly]\npermissions: [nope.nope]\n`);
    const r = await runMain(['validate'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tiers\/wt\.yaml:3:9: status must be one of/m);
    expect(r.stderr).toMatch(/^tiers\/wt\.yaml:1:6: tier key "business" is already used by tiers\/business\.yaml/m);
    expect(r.stderr).toMatch(/^tiers\/wt\.yaml:6:17: billing key "essential_monthly" already bills tier "essential"/m);
    expect(r.stderr).toMatch(/^tiers\/wt\.yaml:7:15: permission "nope\.nope" is not declared/m);
  });

  it("one file's YAML syntax error (even catalog.yaml's) does not hide the other files' problems", async () => {
    write('catalog.yaml', 'permissions:\n  a.b: [unclosed\nlimits: {}\n');
    write('dup.yaml', tier('business'));
    write('broken.yaml', 'key: broken\nname: [oops\n');
    write('unk.yaml', `${tier('unk')}colour: blue\n`);
    const r = await runMain(['validate'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tiers\/catalog\.yaml:\d+:\d+: /m);
    expect(r.stderr).toMatch(/^tiers\/broken\.yaml:\d+:\d+: /m);
    expect(r.stderr).toMatch(/^tiers\/unk\.yaml:6:1: unknown field "colour"/m);
    expect(r.stderr).toMatch(/^tiers\/dup\.yaml:1:6: tier key "business" is already used by tiers\/business\.yaml/m);
  });

  it('a catalog.yaml schema error does not hide undeclared names in the tier files', async () => {
    write('catalog.yaml', 'permissions:\n  batches.create: Create\nlimits:\n  users: { description: Seats, unit: seats }\n');
    write('p.yaml', `${tier('p')}permissions: [batches.create, nope.nope]\nlimits: { users: 1, nope: 2 }\n`);
    const r = await runMain(['validate'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tiers\/catalog\.yaml:4:\d+: unknown field "unit"/m);
    expect(r.stderr).toMatch(/^tiers\/p\.yaml:6:31: permission "nope\.nope" is not declared/m);
    expect(r.stderr).toMatch(/^tiers\/p\.yaml:7:21: limit "nope" is not declared/m);
  });
});

describe('--format json carries the diagnostics (item 4)', () => {
  it('validate --format json prints every diagnostic on stdout and exits 1', async () => {
    write('typo.yaml', `${tier('typo')}colour: blue\n`);
    write('perm.yaml', `${tier('perm')}permissions: [nope.nope]\n`);
    const r = await runMain(['validate', '--format', 'json'], { cwd });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { valid: boolean; diagnostics: Record<string, unknown>[]; error: { message: string } };
    expect(out.valid).toBe(false);
    expect(out.error.message).toBe('2 problems in the tier files');
    expect(out.diagnostics).toEqual([
      { file: 'tiers/perm.yaml', line: 6, col: 15, message: 'permission "nope.nope" is not declared in tiers/catalog.yaml', hint: 'add it under permissions: in catalog.yaml, or fix the spelling' },
      { file: 'tiers/typo.yaml', line: 6, col: 1, message: 'unknown field "colour"', hint: 'allowed fields: key, platform, name, description, customer_facing, display_order, status, protected, renamed_from, billing, limits, permissions, columns' },
    ]);
  });

  it('validate --format json on a missing directory is still JSON on stdout', async () => {
    const r = await runMain(['validate', '--dir', 'nope', '--format', 'json'], { cwd });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: false, error: { message: 'tier directory not found: nope' }, diagnostics: [] });
  });

  it('plan --format json on invalid files prints the diagnostics as JSON, exit 1', async () => {
    write('perm.yaml', `${tier('perm')}permissions: [nope.nope]\n`);
    const r = await runMain(['plan', '--skip-stripe', '--format', 'json', '--database', 'sqlite::memory:'], { cwd });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { diagnostics: { file: string; line: number }[] };
    expect(out.diagnostics).toMatchObject([{ file: 'tiers/perm.yaml', line: 6, col: 15 }]);
  });
});
