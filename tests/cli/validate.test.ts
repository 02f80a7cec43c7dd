import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

const NO_STACK = /\n\s+at /;
let cwd: string;
beforeEach(() => {
  cwd = workdirWithTiers();
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const write = (name: string, content: string | Buffer) => writeFileSync(path.join(cwd, 'tiers', name), content);
const tier = (key: string, extra = '') => `key: ${key}\nname: Test\nbilling:\n  provider: stripe\n  lookup_keys: [${key}_monthly]\n${extra}`;

describe('tierctl basics', () => {
  it('prints help and the package version', async () => {
    const help = await runMain(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['validate', 'plan', 'apply', 'migrate', 'import']) expect(help.stdout).toContain(cmd);
    const version = await runMain(['--version']);
    // Read, not imported: `npm test`'s one tsc emits what tests import, and a dist/package.json would become the CLI's package root.
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it('rejects unknown commands and flags with a hint, exit 1', async () => {
    const r = await runMain(['frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown command "frobnicate"');
    const f = await runMain(['plan', '--colour']);
    expect(f.code).toBe(1);
    expect(f.stderr).toContain('error: unknown option --colour');
    expect(f.stderr).toContain('hint: usage: tierctl plan');
  });
});

describe('tierctl validate', () => {
  it('passes on the reference catalog with a one-line summary', async () => {
    const r = await runMain(['validate'], { cwd: ROOT });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^tiers: valid: \d+ tiers/);
  });

  const cases: { name: string; setup: () => void; expect: RegExp }[] = [
    { name: 'YAML syntax error', setup: () => write('bad.yaml', 'key: bad\nname: [oops\n'), expect: /^tiers\/bad\.yaml:\d+:\d+: /m },
    { name: 'duplicate mapping key', setup: () => write('dup.yaml', `${tier('dup')}name: Again\n`), expect: /^tiers\/dup\.yaml:6:1: duplicate key/m },
    { name: 'several documents', setup: () => write('multi.yaml', `${tier('multi')}---\n${tier('other')}`), expect: /^tiers\/multi\.yaml:6:1: file holds more than one YAML document/m },
    { name: 'non-mapping document', setup: () => write('list.yaml', '- a\n- b\n'), expect: /^tiers\/list\.yaml:1:1: expected a mapping/m },
    { name: 'empty file', setup: () => write('empty.yaml', ''), expect: /^tiers\/empty\.yaml:1:1: file is empty/m },
    { name: 'unknown field', setup: () => write('unk.yaml', `${tier('unk')}colour: blue\n`), expect: /^tiers\/unk\.yaml:6:1: unknown field "colour"/m },
    { name: 'wrong type', setup: () => write('wt.yaml', `${tier('wt')}customer_facing: maybe\n`), expect: /^tiers\/wt\.yaml:6:18: customer_facing must be a boolean/m },
    {
      name: 'alias bomb',
      setup: () => {
        const lines = ['key: bomb', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
        for (let i = 0; i < 12; i++) lines.push(`l${i}: &l${i} [${Array.from({ length: 10 }, () => (i ? `*l${i - 1}` : '*a')).join(', ')}]`);
        write('bomb.yaml', `${lines.join('\n')}\n`);
      },
      expect: /^tiers\/bomb\.yaml:\d+:\d+: more than \d+ YAML aliases/m,
    },
    { name: '__proto__ key', setup: () => write('proto.yaml', `${tier('proto')}__proto__: { protected: true }\n`), expect: /^tiers\/proto\.yaml:6:1: "__proto__" is not allowed as a key/m },
    // `constructor` is an ordinary (here undeclared) name since records are prototype-free (issue 15 item 6).
    { name: 'constructor key', setup: () => write('ctor.yaml', `${tier('ctor')}limits: { constructor: 1 }\n`), expect: /^tiers\/ctor\.yaml:6:11: limit "constructor" is not declared in/m },
    { name: 'invalid UTF-8', setup: () => write('utf.yaml', Buffer.concat([Buffer.from('key: utf\nname: '), Buffer.from([0xc3, 0x28]), Buffer.from('\n')])), expect: /^tiers\/utf\.yaml:2:7: file is not valid UTF-8/m },
    { name: 'oversized file', setup: () => write('big.yaml', `${tier('big')}description: "${'x'.repeat(1_100_000)}"\n`), expect: /^tiers\/big\.yaml:1:1: file is \d+ bytes, over the 1048576-byte limit/m },
    { name: 'symlink leading outside', setup: () => symlinkSync('/etc/hostname', path.join(cwd, 'tiers', 'link.yaml')), expect: /^tiers\/link\.yaml:1:1: symbolic link leads outside the tier directory/m },
    { name: 'undeclared permission', setup: () => write('perm.yaml', `${tier('perm')}permissions: [nope.nope]\n`), expect: /^tiers\/perm\.yaml:6:15: permission "nope\.nope" is not declared/m },
  ];
  for (const c of cases) {
    it(`fails on ${c.name} with file:line:col, exit 1, no stack trace`, async () => {
      c.setup();
      const r = await runMain(['validate'], { cwd });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(c.expect);
      expect(r.stderr).toMatch(/^error: \d+ problems? in the tier files$/m);
      expect(r.stderr).not.toMatch(NO_STACK);
      expect(r.stdout).toBe('');
    });
  }

  it('reports every problem of every file in one run', async () => {
    write('a.yaml', `${tier('aa')}colour: blue\n`);
    write('b.yaml', `${tier('bb')}status: gone\n`);
    const r = await runMain(['validate'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tiers\/a\.yaml:6:1: unknown field "colour"/);
    expect(r.stderr).toMatch(/tiers\/b\.yaml:6:9: status must be one of: active, retired/);
    expect(r.stderr).toContain('error: 2 problems in the tier files');
  });

  it('says so when the directory does not exist', async () => {
    const r = await runMain(['validate', '--dir', 'nope'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: tier directory not found: nope');
    expect(r.stderr).toContain('hint: run `tierctl init`');
  });

  it('says so when catalog.yaml is missing', async () => {
    rmSync(path.join(cwd, 'tiers', 'catalog.yaml'));
    mkdirSync(path.join(cwd, 'tiers', 'sub'));
    const r = await runMain(['validate'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tiers\/catalog\.yaml:1:1: catalog\.yaml not found in tiers/m);
  });
});
