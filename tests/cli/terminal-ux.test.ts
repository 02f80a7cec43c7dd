import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { workdirWithTiers } from '../support/cli.js';
import { runInPty } from '../support/pty.js';
import { loadReference } from '../support/sources.js';

const PROMPT = 'Do you want to apply these changes?';
const ESC = '\u001b';
const sqlite = BACKENDS.find((b) => b.name === 'sqlite')!;
const referenceCount = Object.keys(loadReference().catalog.tiers).length;

/** What a person at a real terminal sees and can do (a pseudo-terminal through `script`). */
describe('tierctl at a terminal', () => {
  let db: TestDatabase;
  let cwd: string;
  beforeEach(async () => {
    db = await sqlite.create();
    cwd = workdirWithTiers();
  });
  afterEach(async () => {
    await db.drop();
    rmSync(cwd, { recursive: true, force: true });
  });
  const tierRows = async () => {
    const tables = await db.sql<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'subscription_tier'");
    return tables.length ? (await db.sql<{ n: number }>('SELECT count(*) AS n FROM subscription_tier'))[0]!.n : 0;
  };

  it('plan shows its progress while it reads, instead of a blank screen', async () => {
    const run = runInPty(['plan', '--skip-stripe', '--database', db.url], { cwd });
    const code = await run.exited;
    const screen = run.screen();
    expect(code, screen).toBe(0);
    expect(screen).toContain('✔ reading the database');
    expect(screen.indexOf('✔ reading the database')).toBeLessThan(screen.indexOf(`Plan: ${referenceCount} to create`));
  });

  it('input typed before the prompt is drawn does not answer it', async () => {
    const run = runInPty(['apply', '--skip-stripe', '--database', db.url], { cwd });
    // Typed while tierctl is still starting and planning: the prompt does not exist yet.
    run.type('yes\r');
    await run.waitFor(PROMPT);
    run.type('no\r');
    const code = await run.exited;
    const screen = run.screen();
    expect(code, screen).toBe(1);
    // The prompt took the answer typed after it appeared (not an empty or early one).
    expect(screen).toMatch(/› no\s+Cancelled\./);
    expect(screen).toContain('Apply cancelled; nothing was changed.');
    expect(screen).not.toContain('Apply complete');
    expect(await tierRows()).toBe(0);
  });

  it('Ctrl-C while the changes are written rolls back and says nothing was applied', async () => {
    const run = runInPty(['apply', '--auto-approve', '--skip-stripe', '--database', db.url], { cwd, env: { TIERCTL_TEST_STATEMENT_DELAY_MS: '400' } });
    await run.waitFor('applying');
    run.type('\u0003');
    const code = await run.exited;
    const screen = run.screen();
    expect(code, screen).toBe(1);
    expect(screen).toContain('interrupted: nothing was applied');
    expect(screen).not.toContain('    at ');
    expect(await tierRows()).toBe(0);
  });

  it('`apply > log` (stdout not a terminal) still asks on the terminal and logs the plain plan and the result', async () => {
    const log = path.join(cwd, 'apply.log');
    const run = runInPty(['apply', '--skip-stripe', '--database', db.url], { cwd, stdoutFile: log });
    await run.waitFor(PROMPT);
    run.type('yes\r');
    const code = await run.exited;
    expect(code, run.screen()).toBe(0);
    const text = readFileSync(log, 'utf8');
    expect(text).toContain(`Plan: ${referenceCount} to create`);
    expect(text).toContain('Apply complete');
    expect(text).not.toContain(ESC);
    expect(text).not.toContain(PROMPT);
    expect(await tierRows()).toBe(referenceCount);
  });
});
