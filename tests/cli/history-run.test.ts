import { rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { editTierFile, workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

const NO_USER = { USER: undefined, USERNAME: undefined, LOGNAME: undefined, GITHUB_ACTOR: undefined };

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`history: who, and what a past run changed (${backend.name})`, () => {
    let db: TestDatabase;
    let cwd: string;
    beforeEach(async () => {
      db = await backend.create();
      cwd = workdirWithTiers();
    });
    afterEach(async () => {
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it('records the OS user name when $USER is unset', async () => {
      const r = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', db.url], { cwd, env: NO_USER });
      expect(r.code, r.stderr).toBe(0);
      const rows = await db.sql<{ actor: string | null }>('SELECT actor FROM reconcile_run');
      expect(rows.map((x) => x.actor)).toEqual([userInfo().username]);
    });

    it('history --run N shows that run\'s changes with the plan renderer, in text and JSON', async () => {
      expect((await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', db.url], { cwd, env: { USER: 'ada' } })).code).toBe(0);
      editTierFile(cwd, 'hobbyist.yaml', 'name: Hobbyist', 'name: Hobbyist Plus');
      expect((await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', db.url], { cwd, env: { USER: 'grace' } })).code).toBe(0);
      const [second] = await db.sql<{ id: number }>('SELECT id FROM reconcile_run ORDER BY id DESC LIMIT 1');
      const id = String(second!.id);

      const text = await runMain(['history', '--run', id, '--database', db.url], { cwd });
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(new RegExp(`^Apply run #${id}: applied, finished \\S+ by grace`));
      expect(text.stdout).toContain('  ~ tier hobbyist will be updated\n');
      expect(text.stdout).toContain('"Hobbyist" → "Hobbyist Plus"');
      expect(text.stdout).not.toContain('will be created');

      const json = await runMain(['history', '--run', id, '--format', 'json', '--database', db.url], { cwd });
      const record = JSON.parse(json.stdout) as { id: number; actor: string; changes: { action: string; tier?: string; fields?: Record<string, unknown> }[] };
      expect(record.id).toBe(Number(id));
      expect(record.actor).toBe('grace');
      // The recorded change as the plan had it, impact included (a new display name is neutral).
      expect(record.changes).toEqual([
        { kind: 'tier', action: 'update', tier: 'hobbyist', fields: { name: { before: 'Hobbyist', after: 'Hobbyist Plus' } }, impact: { effect: 'neutral', reduces: [], extends: [] } },
      ]);

      const missing = await runMain(['history', '--run', '999', '--database', db.url], { cwd });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('no apply run #999 is recorded');
    });

    it('a damaged audit row is reported, not rendered', async () => {
      expect((await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', db.url], { cwd })).code).toBe(0);
      await db.sql(`UPDATE reconcile_run SET changes = '[{"kind":"tier","action":"explode"}]'`);
      const r = await runMain(['history', '--run', '1', '--database', db.url], { cwd });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('apply run #1: its recorded changes are not a valid list of plan changes');
      expect(r.stderr).not.toContain('internal problem');
    });
  });
}
