import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workdirWithTiers } from '../support/cli.js';
import { runInPty } from '../support/pty.js';
import { runMain } from '../support/run-main.js';

// Issue 13 item 6: only apply/migrate create the SQLite file, never directories; an apply
// that is cancelled or fails before writing anything leaves no file it created.
let cwd: string;
let scratch: string;
beforeEach(() => {
  cwd = workdirWithTiers();
  scratch = mkdtempSync(path.join(tmpdir(), 'tierctl-sqlite-path-'));
});
afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

describe('SQLite file creation', () => {
  for (const args of [['apply', '--auto-approve', '--skip-stripe'], ['migrate']]) {
    it(`${args[0]} into a missing directory is an error naming it, and creates nothing`, async () => {
      const missing = path.join(scratch, 'nonexistent', 'dir');
      const r = await runMain([...args, '--database', `sqlite:${path.join(missing, 'x.db')}`], { cwd });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`directory ${missing} does not exist`);
      expect(r.stderr).toMatch(/^hint: create the directory first/m);
      expect(existsSync(path.join(scratch, 'nonexistent'))).toBe(false);
    });
  }

  it('plan, drift, history and import create neither the directory nor the file', async () => {
    const url = `sqlite:${path.join(scratch, 'nonexistent', 'x.db')}`;
    expect((await runMain(['plan', '--skip-stripe', '--database', url], { cwd })).code).toBe(0);
    await runMain(['drift', '--database', url], { cwd });
    await runMain(['history', '--database', url], { cwd });
    await runMain(['import', '--dir', 'imported', '--database', url], { cwd });
    const file = path.join(scratch, 'fresh.db');
    expect((await runMain(['plan', '--skip-stripe', '--database', `sqlite:${file}`], { cwd })).code).toBe(0);
    expect(existsSync(path.join(scratch, 'nonexistent'))).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it('apply creates the file in an existing directory', async () => {
    const file = path.join(scratch, 'new.db');
    const r = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', `sqlite:${file}`], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(file)).toBe(true);
  });

  it('an apply that fails before anything is written leaves no file behind', async () => {
    const file = path.join(scratch, 'failed.db');
    const r = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', `sqlite:${file}`], { cwd, env: { TIERCTL_TEST_FAIL_AT_STATEMENT: '1' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('injected fault at write statement 1');
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}-journal`)).toBe(false);
  });

  it('a failed apply leaves an existing empty file in place (it did not create it)', async () => {
    const file = path.join(scratch, 'existing.db');
    const sqlite3 = (await import('sqlite3')).default;
    await new Promise<void>((resolve, reject) => {
      const db = new sqlite3.Database(file, (err) => (err ? reject(err) : db.close((e) => (e ? reject(e) : resolve()))));
    });
    expect(existsSync(file)).toBe(true);
    const r = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', `sqlite:${file}`], { cwd, env: { TIERCTL_TEST_FAIL_AT_STATEMENT: '1' } });
    expect(r.code).toBe(1);
    expect(existsSync(file)).toBe(true);
  });

  // The terminal is the subject here (the confirmation prompt), so the real process in a pty.
  it('a cancelled interactive apply leaves no .sqlite file', async () => {
    const file = path.join(scratch, 'cancelled.sqlite');
    const run = runInPty(['apply', '--skip-stripe', '--database', `sqlite:${file}`], { cwd });
    await run.waitFor('Do you want to apply these changes?');
    run.type('no\r');
    const code = await run.exited;
    expect(code, run.screen()).toBe(1);
    expect(run.screen()).toContain('Apply cancelled; nothing was changed.');
    expect(existsSync(file)).toBe(false);
  });
});
