import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PAUSE_POINTS } from '../../src/store/tier-store.js';
import { writeSyntheticCatalog } from '../bench/synthetic-catalog.mjs';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { dumpTables } from '../support/dump.js';
import { PauseControl } from '../support/pause.js';
import { runMain } from '../support/run-main.js';

/**
 * The test-only pause points themselves (src/cli/test-hooks.ts), in the test process:
 * an apply signals each named point it passes, in order, and stops at the chosen one
 * holding the lock; a misspelt point fails the run instead of letting it through.
 * The kill tests (kill-points*.test.ts, faults, concurrency) rely on exactly this.
 */
for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`pause points on ${backend.name}`, () => {
    let db: TestDatabase;
    let work: string;
    let pause: PauseControl;
    const apply = (dir: string, env: Record<string, string> = {}, extra: string[] = []) =>
      runMain(['apply', '--auto-approve', '--skip-stripe', '--dir', dir, '--database', db.url, ...extra], { cwd: work, env });

    beforeEach(async () => {
      db = await backend.create();
      work = mkdtempSync(path.join(tmpdir(), 'tierctl-pause-'));
      pause = new PauseControl();
      // 55 tiers: 550 grants, two batched INSERTs, so the apply passes "mid-batch".
      writeSyntheticCatalog(path.join(work, 'tiers'), 55);
    });
    afterEach(async () => {
      await db.drop();
      rmSync(work, { recursive: true, force: true });
      pause.remove();
    });

    it('an apply signals every point it passes, once each; one with nothing to write passes no write points', async () => {
      const first = await apply('tiers', pause.env(undefined, 'first'));
      expect(first.code, first.stderr).toBe(0);
      for (const point of PAUSE_POINTS) expect(pause.reached(point), point).toContain('first');
      expect(PAUSE_POINTS.flatMap((p) => pause.reached(p)).filter((t) => t === 'first')).toHaveLength(PAUSE_POINTS.length);

      const again = await apply('tiers', pause.env(undefined, 'again'));
      expect(again.stdout).toContain('No changes');
      const passed = PAUSE_POINTS.filter((p) => pause.reached(p).includes('again'));
      expect(passed).toEqual(['before-begin', 'last-write', 'during-commit']);
    });

    it('stops at the chosen point holding the lock (another apply times out, exit 4) until resumed', async () => {
      const held = apply('tiers', pause.env('after-first-write', 'held'));
      expect(await pause.waitFor('after-first-write', { gaveUp: held })).toBe(true);
      expect(pause.reached('last-write')).toEqual([]);
      const waiter = await apply('tiers', {}, ['--lock-timeout', '200']);
      expect(waiter.code, waiter.stderr).toBe(4);
      // PostgreSQL's advisory lock is only tierctl's; SQLite's write lock can be anyone's, and says so.
      expect(waiter.stderr).toMatch(/another tierctl run holds the lock|another process holds the write lock/);
      pause.resume();
      const done = await held;
      expect(done.code, done.stderr).toBe(0);
      expect(pause.reached('last-write')).toEqual(['held']);
    });

    it('a misspelt pause point fails the apply before it writes anything', async () => {
      const before = await dumpTables(db);
      const r = await apply('tiers', { TIERCTL_TEST_PAUSE_DIR: pause.dir, TIERCTL_TEST_PAUSE_AT: 'mid-batchh' });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: TIERCTL_TEST_PAUSE_AT: unknown pause point "mid-batchh"$/m);
      expect(await dumpTables(db)).toBe(before);
    });
  });
}
