import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/index.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { appliedReference } from '../support/applied-base.js';
import { editTierFile, workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

const NO_STACK = /\n\s+at /;

/**
 * Issue 15 item 8: one damaged reconcile_run row must not break plan, apply, drift, history
 * or openCatalog. The runtime read path never reads the audit table; commands report the
 * row by id and go on. (A bad finished_at only fits SQLite: PostgreSQL's timestamp column
 * refuses it.)
 */
for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`a corrupt audit row on ${backend.name}`, () => {
    const base = appliedReference(backend);
    let db: TestDatabase;
    let cwd: string;
    const run = (args: string[]) => runMain([...args, '--database', db.url], { cwd });

    beforeEach(async () => {
      // The reference catalog applied (once per file, copied per test: appliedReference).
      db = await base.clone();
      cwd = workdirWithTiers();
      const badTime = backend.name === 'sqlite' ? ", finished_at = 'garbage'" : '';
      await db.sql(`UPDATE reconcile_run SET result_state = '{not json', changes = 'nope'${badTime}`);
      // Someone also changed the catalog by hand, so there is drift to find.
      await db.sql(`UPDATE subscription_tier SET name = 'Changed by hand' WHERE "key" = 'maker'`);
    });
    afterEach(async () => {
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it('drift still detects drift, naming the damaged row by id', async () => {
      const r = await run(['drift']);
      expect(r.stderr).not.toMatch(NO_STACK);
      expect(r.stderr).toContain('reconcile_run #1: result_state is not a readable catalog');
      expect(r.stdout).toContain('Drift:');
      expect(r.code).toBe(2);
    });

    it('plan works and carries the damage as a warning', async () => {
      const r = await run(['plan', '--skip-stripe', '--format', 'json']);
      expect(r.code).toBe(0);
      const plan = JSON.parse(r.stdout) as { warnings: { message: string }[]; changes: unknown[] };
      expect(plan.warnings.map((w) => w.message).join('\n')).toContain('reconcile_run #1');
      expect(plan.changes).toHaveLength(1);
    });

    it('apply works and records a new run', async () => {
      editTierFile(cwd, 'essential.yaml', 'name: Essential', 'name: Essential Plus');
      const r = await run(['apply', '--auto-approve', '--skip-stripe']);
      expect(r.stderr).not.toMatch(NO_STACK);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('run #2');
    });

    it('history lists every run and reports the damaged one by id', async () => {
      const r = await run(['history']);
      expect(r.stderr).not.toMatch(NO_STACK);
      expect(r.stderr).toContain('reconcile_run #1: changes is not a JSON list');
      if (backend.name === 'sqlite') expect(r.stderr).toContain('reconcile_run #1: finished_at "garbage" is not a timestamp');
      expect(r.stdout).toMatch(/^\s+1\s/m);
      expect(r.code).toBe(0);
    });

    it('openCatalog never reads the audit table', async () => {
      if (backend.name === 'postgres') {
        // PostgreSQL cannot hold a bad timestamp: make any read of the audit table fail instead.
        await db.sql('ALTER TABLE reconcile_run RENAME TO reconcile_run_saved');
        await db.sql('CREATE VIEW reconcile_run AS SELECT 1 / (id - id) AS id, result_fingerprint, finished_at, result_state, status FROM reconcile_run_saved');
      }
      const catalog = await openCatalog({ database: db.url });
      try {
        expect(catalog.tier('maker')?.name).toBe('Changed by hand');
      } finally {
        await catalog.close();
      }
    });
  });
}

describe('history --limit', () => {
  it('refuses 0 instead of saying no runs exist', async () => {
    const cwd = workdirWithTiers();
    try {
      const db = `sqlite:${cwd}/db.sqlite`;
      expect((await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', db], { cwd })).code).toBe(0);
      const r = await runMain(['history', '--limit', '0', '--database', db], { cwd });
      expect(r.stdout).not.toContain('No apply runs recorded yet');
      expect(r.stderr).toContain('--limit must be at least 1');
      expect(r.code).toBe(1);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
