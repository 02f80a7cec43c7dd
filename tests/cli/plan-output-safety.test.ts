import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

/**
 * Issue 15 item 4: `plan --out` and `--summary-file` must never land on the database, a
 * tier file, or a file that is not ours. Each refusal leaves the target byte-for-byte as it was.
 */
let cwd: string;
const hash = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const plan = (...args: string[]) => runMain(['plan', '--skip-stripe', ...args], { cwd });
/** Targets are passed absolute: 0.1.0 resolved them against the process cwd, and an unfixed run must not touch the repository. */
const at = (name: string) => path.resolve(cwd, name);

beforeEach(async () => {
  cwd = workdirWithTiers();
  // The default database, tierctl.sqlite in the working directory, with the reference tiers in it.
  const r = await runMain(['apply', '--auto-approve', '--skip-stripe'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  writeFileSync(path.join(cwd, 'tiers', 'essential.yaml'), readFileSync(path.join(cwd, 'tiers', 'essential.yaml'), 'utf8').replace('name: Essential', 'name: Essential 2'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

describe('plan --out', () => {
  const refusals: [string, () => string, RegExp][] = [
    ['the SQLite database', () => 'tierctl.sqlite', /--out \S*tierctl\.sqlite is the SQLite database/],
    ['the database through a symlink', () => (symlinkSync(path.join(cwd, 'tierctl.sqlite'), path.join(cwd, 'link.json')), 'link.json'), /is the SQLite database/],
    ['the database by another spelling', () => './sub/../tierctl.sqlite', /is the SQLite database/],
    ['the database journal', () => 'tierctl.sqlite-journal', /is the SQLite database \(or its journal\)/],
    ['the database WAL', () => 'tierctl.sqlite-wal', /is the SQLite database/],
    ['a symlink to the database journal', () => (symlinkSync(path.join(cwd, 'tierctl.sqlite-journal'), path.join(cwd, 'j.json')), 'j.json'), /is a symbolic link to a file that does not exist/],
    ['a tier file', () => 'tiers/essential.yaml', /is a file of the tier directory/],
    ['catalog.yaml', () => 'tiers/catalog.yaml', /is a file of the tier directory/],
    ['an existing file that is not a plan', () => (writeFileSync(path.join(cwd, 'notes.json'), '{"format": 1}\n'), 'notes.json'), /exists and is not a tierctl plan/],
    ['an existing text file', () => (writeFileSync(path.join(cwd, 'README.md'), '# readme\n'), 'README.md'), /exists and is not a tierctl plan/],
    ['a directory', () => (mkdirSync(path.join(cwd, 'out')), 'out'), /not a regular file/],
  ];
  it.each(refusals)('refuses %s and leaves it untouched', async (_label, target, message) => {
    mkdirSync(path.join(cwd, 'sub'), { recursive: true });
    const name = target();
    const full = path.join(cwd, name);
    const before = existsSync(full) && statSync(full).isFile() ? hash(full) : null;
    const db = hash(path.join(cwd, 'tierctl.sqlite'));
    const r = await plan('--out', at(name));
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('internal problem');
    expect(hash(path.join(cwd, 'tierctl.sqlite'))).toBe(db);
    if (before) expect(hash(full)).toBe(before);
    // The database still answers: nothing replaced it.
    expect((await plan('--format', 'json')).code).toBe(0);
  });

  it('replaces an earlier plan atomically with mode 0644, leaving no temporary file', async () => {
    const first = await plan('--out', at('plan.json'));
    expect(first.code, first.stderr).toBe(0);
    writeFileSync(path.join(cwd, 'tiers', 'hobbyist.yaml'), readFileSync(path.join(cwd, 'tiers', 'hobbyist.yaml'), 'utf8').replace('name: Hobbyist', 'name: Hobbyist 2'));
    const old = process.umask(0o077);
    try {
      const second = await plan('--out', at('plan.json'));
      expect(second.code, second.stderr).toBe(0);
    } finally {
      process.umask(old);
    }
    const saved = readFileSync(path.join(cwd, 'plan.json'), 'utf8');
    expect(saved).toContain('Hobbyist 2');
    expect(statSync(path.join(cwd, 'plan.json')).mode & 0o777).toBe(0o644);
    expect(execFileSync('ls', ['-a', cwd], { encoding: 'utf8' })).not.toMatch(/\.tmp/);
    // apply reads a relative plan path against the process cwd, not io.cwd: pass it absolute.
    const applied = await runMain(['apply', path.join(cwd, 'plan.json'), '--skip-stripe'], { cwd });
    expect(applied.code, applied.stderr).toBe(0);
  });
});

describe('plan --summary-file', () => {
  it('appends to an existing Markdown file and creates a missing one', async () => {
    writeFileSync(path.join(cwd, 'summary.md'), '# Earlier step\n');
    expect((await plan('--summary-file', at('summary.md'))).code).toBe(0);
    expect((await plan('--summary-file', at('new.md'))).code).toBe(0);
    expect(readFileSync(path.join(cwd, 'summary.md'), 'utf8')).toMatch(/^# Earlier step\n<!-- tierctl-plan -->/);
    expect(readFileSync(path.join(cwd, 'new.md'), 'utf8')).toMatch(/^<!-- tierctl-plan -->/);
  });

  const refusals: [string, () => string, RegExp][] = [
    ['the SQLite database', () => 'tierctl.sqlite', /is the SQLite database/],
    ['the database through a symlink', () => (symlinkSync('tierctl.sqlite', path.join(cwd, 'summary.md')), 'summary.md'), /is the SQLite database/],
    ['a tier file', () => 'tiers/catalog.yaml', /is a file of the tier directory/],
    ['a FIFO (without hanging)', () => (execFileSync('mkfifo', [path.join(cwd, 'fifo')]), 'fifo'), /is not a regular file/],
    ['a device', () => '/dev/zero', /is not a regular file/],
    ['a directory', () => (mkdirSync(path.join(cwd, 'dir')), 'dir'), /is not a regular file/],
    ['a binary file', () => (writeFileSync(path.join(cwd, 'blob.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff])), 'blob.bin'), /holds binary data/],
  ];
  it.each(refusals)('refuses %s and leaves it untouched', async (_label, target, message) => {
    const name = target();
    const full = path.resolve(cwd, name);
    const before = statSync(full, { throwIfNoEntry: false })?.isFile() ? hash(full) : null;
    const db = hash(path.join(cwd, 'tierctl.sqlite'));
    const r = await plan('--summary-file', at(name));
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(hash(path.join(cwd, 'tierctl.sqlite'))).toBe(db);
    if (before) expect(hash(full)).toBe(before);
  });
});
