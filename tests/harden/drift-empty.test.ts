import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.js';
import { runMain } from '../support/run-main.js';
import { workdirWithTiers } from '../support/cli.js';

// Issue 13 item 2: a scheduled `tierctl drift` with a mistyped URL must fail, not pass forever.
describe('drift on a database with no tierctl tables', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = workdirWithTiers();
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('a mistyped SQLite path is an error naming the file, and no file is created', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tierctl-drift-'));
    try {
      const r = await runMain(['drift', '--database', 'sqlite:tierctl.sqilte'], { cwd });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('tierctl.sqilte');
      expect(r.stderr).toMatch(/hint: .*--allow-empty/);
      expect(r.stdout).not.toContain('No apply has been recorded');
      const json = await runMain(['drift', '--database', `sqlite:${path.join(dir, 'nope.db')}`, '--format', 'json'], { cwd });
      expect(json.code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--allow-empty accepts a missing database as "nothing applied yet" and is documented in --help', async () => {
    const r = await runMain(['drift', '--database', 'sqlite:fresh.sqlite', '--allow-empty'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No apply has been recorded yet');
    const help = await runMain(['drift', '--help'], { cwd });
    expect(help.stdout).toContain('--allow-empty');
  });

  for (const backend of BACKENDS) {
    describe.skipIf(backend.skip)(backend.name, () => {
      it('an existing but empty database is an error (exit 1) unless --allow-empty', async () => {
        const db = await backend.create();
        try {
          if (backend.name === 'sqlite') await db.sql('CREATE TABLE app_user (id INTEGER PRIMARY KEY)');
          const r = await runMain(['drift', '--database', db.url], { cwd });
          expect(r.code).toBe(1);
          expect(r.stderr).toMatch(/no tierctl tables/);
          const allowed = await runMain(['drift', '--database', db.url, '--allow-empty', '--format', 'json'], { cwd });
          expect(allowed.code).toBe(0);
          expect(JSON.parse(allowed.stdout)).toMatchObject({ drifted: false, last_run: null });
          // Migrated but never applied: tierctl's tables exist, so this is a real "nothing yet".
          expect((await runMain(['migrate', '--database', db.url], { cwd })).code).toBe(0);
          const migrated = await runMain(['drift', '--database', db.url], { cwd });
          expect(migrated.code).toBe(0);
          expect(migrated.stdout).toContain('No apply has been recorded yet');
        } finally {
          await db.drop();
        }
      });
    });
  }
});
