import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tierctl, workdirWithTiers } from '../support/cli.js';
import { TOOL_VERSION } from '../../src/version.js';

/**
 * One smoke test per command through the real `tierctl` process (bin/tierctl.js -> dist/):
 * the launcher, argument passing, stdout/stderr and the exit code of a real process.
 * Behaviour is tested in the test process (runMain) by the other files; these only prove
 * the shipped binary wires every command up. Also a sample of the hostile-input corpus,
 * so the real process's stdout/stderr is held to the same rules as main's Io.
 */
const STACK_FRAME = /\n\s+at /;
/** Control characters other than tab and newline. */
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

describe('the real tierctl process, one command each', () => {
  let cwd: string;
  let url: string;
  beforeAll(() => {
    cwd = workdirWithTiers();
    url = `sqlite:${path.join(cwd, 'smoke.sqlite')}`;
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('--help and --version', async () => {
    const help = await tierctl(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: tierctl <command>');
    const version = await tierctl(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    expect(version.stdout.trim()).toBe(TOOL_VERSION);
  });

  it('an unknown command: exit 1 and a hint on stderr, nothing on stdout', async () => {
    const r = await tierctl(['frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: unknown command "frobnicate"\nhint: commands: /);
  });

  // The commands below run in order on one SQLite file: migrate, plan, apply, drift, history, import.
  it('validate', async () => {
    const r = await tierctl(['validate'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\d+ tiers/);
  });

  it('migrate', async () => {
    const r = await tierctl(['migrate', '--database', url], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it('plan (exit 2 for changes with --detailed-exitcode, JSON on stdout)', async () => {
    const r = await tierctl(['plan', '--skip-stripe', '--detailed-exitcode', '--format', 'json', '--database', url], { cwd });
    expect(r.code, r.stderr).toBe(2);
    expect((JSON.parse(r.stdout) as { changes: unknown[] }).changes.length).toBeGreaterThan(0);
  });

  it('apply', async () => {
    const r = await tierctl(['apply', '--auto-approve', '--skip-stripe', '--database', url], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Apply complete: \d+ changes applied in one transaction \(run #1\)/);
    expect(r.stderr).toContain('… applying');
  });

  it('drift', async () => {
    const r = await tierctl(['drift', '--database', url], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('No drift');
  });

  it('history', async () => {
    const r = await tierctl(['history', '--database', url, '--format', 'json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('applied');
  });

  it('import', async () => {
    const r = await tierctl(['import', '--dir', 'imported', '--database', url], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Imported \d+ tiers/);
  });

  it('init', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'tierctl-smoke-init-'));
    try {
      const r = await tierctl(['init'], { cwd: empty });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('created tiers/catalog.yaml');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('hostile input through the real process (a sample; the corpus runs in-process in hostile-input.test.ts)', () => {
  const HOSTILE = path.join(ROOT, 'tests', 'fixtures', 'hostile');
  for (const name of ['control-chars-raw', 'invalid-utf8', 'sql-in-tier-key']) {
    it(`validate refuses ${name}: exit 1, file:line:col, no raw control characters, no stack trace`, async () => {
      const c = JSON.parse(readFileSync(path.join(HOSTILE, name, 'case.json'), 'utf8')) as { error: string };
      const work = mkdtempSync(path.join(tmpdir(), `tierctl-smoke-${name}-`));
      try {
        cpSync(path.join(HOSTILE, '_base'), path.join(work, 'tiers'), { recursive: true });
        cpSync(path.join(HOSTILE, name, 'tiers'), path.join(work, 'tiers'), { recursive: true });
        const r = await tierctl(['validate'], { cwd: work });
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(new RegExp(c.error, 'm'));
        expect(r.stderr).not.toMatch(STACK_FRAME);
        expect(r.stderr).not.toMatch(RAW_CONTROL);
        expect(r.stdout).toBe('');
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  }
});
