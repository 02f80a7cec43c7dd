import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { dumpTables } from '../support/dump.js';
import { appliedReference } from '../support/applied-base.js';
import { workdirWithTiers } from '../support/cli.js';
import { runInPty } from '../support/pty.js';
import { inkModules, recordResolutions } from '../support/resolutions.js';
import { loadReference } from '../support/sources.js';

const PROMPT = 'Do you want to apply these changes?';
const sqlite = BACKENDS.find((b) => b.name === 'sqlite')!;

/**
 * The confirmation path in a real pseudo-terminal: what a person at a terminal gets. Only
 * the prompted apply is a real process; the cancel cases start from a copy of the
 * reference catalog applied once (applied-base.ts), not from an apply process of their own.
 */
describe('tierctl apply in a pseudo-terminal', () => {
  let db: TestDatabase | undefined;
  let cwd: string;
  const applied = appliedReference(sqlite);
  beforeEach(() => {
    cwd = workdirWithTiers();
  });
  afterEach(async () => {
    await db?.drop();
    db = undefined;
    rmSync(cwd, { recursive: true, force: true });
  });

  it('shows the plan with Ink, applies after "yes", and the database holds the reference tiers', async () => {
    const fresh = (db = await sqlite.create());
    const rec = recordResolutions();
    const run = runInPty(['apply', '--skip-stripe', '--database', fresh.url], { cwd, env: rec.env });
    await run.waitFor(PROMPT);
    run.type('yes\r');
    const code = await run.exited;
    const screen = run.screen();
    expect(code, screen).toBe(0);

    const reference = Object.keys(loadReference().catalog.tiers).sort();
    expect(screen).toContain(`Plan: ${reference.length} to create`);
    expect(screen).toContain('Apply complete');
    expect(screen).not.toContain('    at ');
    const rows = await fresh.sql<{ key: string }>('SELECT key FROM subscription_tier ORDER BY key');
    expect(rows.map((r) => r.key)).toEqual(reference);
    // Positive control for lazy-ink.test.ts: on a terminal the chunks holding Ink and the
    // ui/ views really are loaded (found the way lazy-ink.test.ts would catch them), and
    // Ink comes from the bundle, not from node_modules.
    const ink = inkModules(rec.resolved());
    const holding = (what: RegExp) => ink.some((u) => u.includes('/dist/cli/chunks/') && what.test(readFileSync(fileURLToPath(u), 'utf8')));
    expect(holding(/^\/\/ node_modules\/ink\//m)).toBe(true);
    expect(holding(/^\/\/ src\/ui\//m)).toBe(true);
    expect(ink.filter((u) => u.includes('/node_modules/'))).toEqual([]);
  });

  for (const [answer, keys] of [
    ['no', 'no\r'],
    ['Ctrl-C', '\u0003'],
  ] as const) {
    it(`cancels on ${answer}: exit 1, "cancelled", database untouched, no stack trace`, async () => {
      const copy = (db = await applied.clone());
      const file = path.join(cwd, 'tiers', 'hobbyist.yaml');
      const text = readFileSync(file, 'utf8');
      if (!text.includes('name: Hobbyist')) throw new Error('hobbyist.yaml has no "name: Hobbyist"');
      writeFileSync(file, text.replace('name: Hobbyist', 'name: Hobbyist Plus'));
      const before = await dumpTables(copy);

      const run = runInPty(['apply', '--skip-stripe', '--database', copy.url], { cwd });
      await run.waitFor(PROMPT);
      expect(run.screen()).toContain('tier hobbyist will be updated');
      run.type(keys);
      const code = await run.exited;
      const screen = run.screen();
      expect(code, screen).toBe(1);
      expect(screen).toContain('Apply cancelled; nothing was changed.');
      expect(screen).not.toContain('    at ');
      expect(await dumpTables(copy)).toBe(before);
    });
  }
});
