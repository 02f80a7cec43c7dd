import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeSyntheticCatalog } from '../bench/synthetic-catalog.mjs';
import { tierctl } from '../support/cli.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { STACK_FRAME, startTierctl } from './fault-helpers.js';

/**
 * Five applies started at once, through real processes: one applies, the others wait for
 * the lock and then find nothing to do or refuse cleanly (exit 4); none interleaves.
 */
const RACERS = 5;
const STALE = /the database changed since this plan was made; nothing was applied/;
const LOCKED = /(another tierctl run holds the lock on \S+|another process holds the write lock on \S+ \(another tierctl run, or any program writing to that file\)); gave up after \d+ ms/;

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`${RACERS} concurrent applies on ${backend.name}`, () => {
    let db: TestDatabase;
    let work: string;
    const cli = (args: string[]) => tierctl([...args, '--database', db.url], { cwd: work });
    const race = (args: string[], env: Record<string, string> = {}) =>
      Promise.all(Array.from({ length: RACERS }, () => startTierctl([...args, '--database', db.url], { cwd: work, env }).exited));
    const runs = () => db.sql<{ status: string }>('SELECT status FROM reconcile_run ORDER BY id');

    beforeEach(async () => {
      db = await backend.create();
      work = mkdtempSync(path.join(tmpdir(), 'tierctl-race-'));
      writeSyntheticCatalog(path.join(work, 'tiers'), 200);
    });
    afterEach(async () => {
      await db.drop();
      rmSync(work, { recursive: true, force: true });
    });

    it('plan-less applies: exactly one applied run; the others no-op (exit 0) or refuse as stale (exit 4); the result is the files', async () => {
      // A short delay per write statement keeps the winner inside its transaction while the others arrive.
      const results = await race(['apply', '--auto-approve', '--skip-stripe', '--lock-timeout', '60000'], { TIERCTL_TEST_STATEMENT_DELAY_MS: '20' });
      for (const r of results) {
        expect(r.stderr).not.toMatch(STACK_FRAME);
        expect([0, 4], r.stderr).toContain(r.code);
        if (r.code === 4) expect(r.stderr).toMatch(STALE);
      }
      const applied = results.filter((r) => r.stdout.includes('Apply complete'));
      const noops = results.filter((r) => r.stdout.includes('No changes. The database already matches'));
      expect(applied).toHaveLength(1);
      expect(noops.length + results.filter((r) => r.code === 4).length).toBe(RACERS - 1);
      const statuses = (await runs()).map((r) => r.status);
      expect(statuses.filter((s) => s === 'applied')).toHaveLength(1);
      expect(statuses.filter((s) => s === 'no-op')).toHaveLength(noops.length);
      expect(statuses).toHaveLength(1 + noops.length);
      expect((await cli(['plan', '--skip-stripe', '--detailed-exitcode'])).code).toBe(0);
    });

    it('the same saved plan applied five times at once: one applies, four refuse as stale (exit 4), nothing interleaves', async () => {
      expect((await cli(['plan', '--skip-stripe', '--out', 'plan.json'])).code).toBe(0);
      const results = await race(['apply', 'plan.json', '--skip-stripe', '--lock-timeout', '60000'], { TIERCTL_TEST_STATEMENT_DELAY_MS: '20' });
      for (const r of results) expect(r.stderr).not.toMatch(STACK_FRAME);
      expect(results.map((r) => r.code).sort()).toEqual([0, 4, 4, 4, 4]);
      for (const r of results.filter((x) => x.code === 4)) expect(r.stderr).toMatch(STALE);
      expect((await runs()).map((r) => r.status)).toEqual(['applied']);
      expect((await cli(['plan', '--skip-stripe', '--detailed-exitcode'])).code).toBe(0);
    });

    it('waiters that cannot get the lock in time give up cleanly with exit 4 and change nothing', async () => {
      expect((await cli(['plan', '--skip-stripe', '--out', 'plan.json'])).code).toBe(0);
      // A slow apply takes the lock ("migrating" is printed once it holds it), then four
      // others try with a short lock timeout.
      // 1 s per write statement: the lock is held for well over ten seconds, so even on a
      // loaded machine every waiter starts, and times out, while it is held.
      const slow = startTierctl(['apply', 'plan.json', '--skip-stripe', '--database', db.url], { cwd: work, env: { TIERCTL_TEST_STATEMENT_DELAY_MS: '1000' } });
      expect(await slow.waitForStderr(/… migrating/)).toBe(true);
      const waiters = await Promise.all(
        Array.from({ length: RACERS - 1 }, () => startTierctl(['apply', 'plan.json', '--skip-stripe', '--lock-timeout', '300', '--database', db.url], { cwd: work }).exited),
      );
      for (const r of waiters) {
        expect(r.code, r.stderr).toBe(4);
        expect(r.stderr).toMatch(LOCKED);
        expect(r.stderr).toMatch(/^hint: wait for the other apply to finish/m);
        expect(r.stderr).not.toMatch(STACK_FRAME);
      }
      const winner = await slow.exited;
      expect(winner.code, winner.stderr).toBe(0);
      expect((await runs()).map((r) => r.status)).toEqual(['applied']);
    });
  });
}
