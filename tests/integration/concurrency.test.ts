import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeSyntheticCatalog } from '../bench/synthetic-catalog.mjs';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { runMain } from '../support/run-main.js';
import { PauseControl } from '../support/pause.js';
import { STACK_FRAME, startTierctl } from './fault-helpers.js';

/**
 * Five applies started at once: one applies, the others wait for the lock and then find
 * nothing to do or refuse cleanly (exit 4); none interleaves. The one that gets the lock
 * is stopped after its first write (a pause point, see src/cli/test-hooks.ts) until every
 * other has planned and gone for the lock, so they really do meet it held; no sleeps.
 *
 * The plan-less race runs five real processes (the process is the subject: separate
 * processes, separate connections, exit codes). The other races run their applies in the
 * test process through runMain, each on its own connection as separate from the others as
 * a process's is (the lock lives in the database, not in tierctl); each racer gets its own
 * pause tag, as they share a pid. SQLite's busy wait holds a libuv thread per waiter, so
 * the integration project raises UV_THREADPOOL_SIZE (vitest.config.ts).
 */
const RACERS = 5;
const STALE = /the database changed since this plan was made; nothing was applied/;
const LOCKED = /(another tierctl run holds the lock on \S+|another process holds the write lock on \S+ \(another tierctl run, or any program writing to that file\)); gave up after \d+ ms/;

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`${RACERS} concurrent applies on ${backend.name}`, () => {
    let db: TestDatabase;
    let work: string;
    let pause: PauseControl;
    const cli = (args: string[], env?: Record<string, string>) => runMain([...args, '--database', db.url], { cwd: work, ...(env ? { env } : {}) });
    /**
     * RACERS applies (real processes, or runMain in the test process); whichever writes
     * first holds the lock until all have reached BEGIN.
     */
    const race = async (args: string[], how: 'processes' | 'in-process') => {
      const all =
        how === 'processes'
          ? Promise.all(Array.from({ length: RACERS }, () => startTierctl([...args, '--database', db.url], { cwd: work, env: pause.env('after-first-write') }).exited))
          : Promise.all(Array.from({ length: RACERS }, (_, i) => cli(args, pause.env('after-first-write', `racer-${i}`))));
      expect(await pause.waitFor('before-begin', { count: RACERS, gaveUp: all })).toBe(true);
      expect(await pause.waitFor('after-first-write', { gaveUp: all })).toBe(true);
      pause.resume();
      return all;
    };
    const runs = () => db.sql<{ status: string }>('SELECT status FROM reconcile_run ORDER BY id');

    beforeEach(async () => {
      db = await backend.create();
      pause = new PauseControl();
      work = mkdtempSync(path.join(tmpdir(), 'tierctl-race-'));
      // Small: the pause point, not the size of the apply, keeps the lock held.
      writeSyntheticCatalog(path.join(work, 'tiers'), 20);
    });
    afterEach(async () => {
      await db.drop();
      rmSync(work, { recursive: true, force: true });
      pause.remove();
    });

    it('plan-less applies: exactly one applied run; the others no-op (exit 0) or refuse as stale (exit 4); the result is the files', async () => {
      const results = await race(['apply', '--auto-approve', '--skip-stripe', '--lock-timeout', '60000'], 'processes');
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
      const results = await race(['apply', 'plan.json', '--skip-stripe', '--lock-timeout', '60000'], 'in-process');
      for (const r of results) expect(r.stderr).not.toMatch(STACK_FRAME);
      expect(results.map((r) => r.code).sort()).toEqual([0, 4, 4, 4, 4]);
      for (const r of results.filter((x) => x.code === 4)) expect(r.stderr).toMatch(STALE);
      expect((await runs()).map((r) => r.status)).toEqual(['applied']);
      expect((await cli(['plan', '--skip-stripe', '--detailed-exitcode'])).code).toBe(0);
    });

    it('waiters that cannot get the lock in time give up cleanly with exit 4 and change nothing', async () => {
      expect((await cli(['plan', '--skip-stripe', '--out', 'plan.json'])).code).toBe(0);
      // One apply takes the lock and stops after its first write, holding it for as long as
      // the test needs; four others try with a short lock timeout meanwhile. All in the test
      // process, each on its own connection (real-process racers: the first test).
      const slow = cli(['apply', 'plan.json', '--skip-stripe'], pause.env('after-first-write', 'holder'));
      expect(await pause.waitFor('after-first-write', { gaveUp: slow })).toBe(true);
      const waiters = await Promise.all(
        Array.from({ length: RACERS - 1 }, () => cli(['apply', 'plan.json', '--skip-stripe', '--lock-timeout', '300'])),
      );
      for (const r of waiters) {
        expect(r.code, r.stderr).toBe(4);
        expect(r.stderr).toMatch(LOCKED);
        expect(r.stderr).toMatch(/^hint: wait for the other apply to finish/m);
        expect(r.stderr).not.toMatch(STACK_FRAME);
      }
      pause.resume();
      const winner = await slow;
      expect(winner.code, winner.stderr).toBe(0);
      expect((await runs()).map((r) => r.status)).toEqual(['applied']);
    });
  });
}
