import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { editTierFile, workdirWithTiers } from '../support/cli.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { dumpTables } from '../support/dump.js';
import { PauseControl } from '../support/pause.js';
import { runMain } from '../support/run-main.js';
import { STACK_FRAME, startTierctl } from './fault-helpers.js';

/**
 * Ctrl-C (SIGINT) to a real apply process (src/cli/interrupt.ts), aimed with pause points:
 * while it writes, the transaction rolls back and it says nothing was applied; while it
 * waits for another apply's lock, it ends at once (by the signal) instead of after the wait.
 */
const APPLY = ['apply', '--auto-approve', '--skip-stripe'];

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`Ctrl-C during an apply on ${backend.name}`, () => {
    let db: TestDatabase;
    let cwd: string;
    let pause: PauseControl;
    beforeEach(async () => {
      db = await backend.create();
      cwd = workdirWithTiers();
      pause = new PauseControl();
      // Applied, then edited: the interrupted apply has updates (and so write statements) to make.
      expect((await runMain([...APPLY, '--database', db.url], { cwd })).code).toBe(0);
      editTierFile(cwd, 'hobbyist.yaml', 'users: 1,', 'users: 2,');
      editTierFile(cwd, 'maker.yaml', /name: .*/, 'name: Maker (renamed)');
    });
    afterEach(async () => {
      pause.remove();
      rmSync(cwd, { recursive: true, force: true });
      await db.drop();
    });

    it('while writing: rolls back, exit 1, "nothing was applied", the database as before', async () => {
      const before = await dumpTables(db);
      const run = startTierctl([...APPLY, '--database', db.url], { cwd, env: pause.env('after-first-write') });
      expect(await pause.waitFor('after-first-write', { gaveUp: run.exited })).toBe(true);
      run.kill('SIGINT');
      // The signal is handled before the paused apply goes on: give the handler its turn.
      await new Promise((r) => setTimeout(r, 200));
      pause.resume();
      const result = await run.exited;
      expect(result.stderr).toContain('interrupted: nothing was applied');
      expect(result.stderr).not.toMatch(STACK_FRAME);
      expect(result.code).toBe(1);
      expect(await tierRows(db)).toBe(tierRowsOf(before));
    });

    it('while waiting for the lock: stops at once (not after --lock-timeout), and the holder still applies', async () => {
      const holder = startTierctl([...APPLY, '--database', db.url], { cwd, env: pause.env('after-first-write', 'holder') });
      expect(await pause.waitFor('after-first-write', { gaveUp: holder.exited })).toBe(true);
      const waiter = startTierctl([...APPLY, '--lock-timeout', '60000', '--database', db.url], { cwd, env: pause.env(undefined, 'waiter') });
      expect(await pause.waitFor('before-begin', { count: 2, gaveUp: waiter.exited })).toBe(true);
      // Let it reach the lock wait (BEGIN IMMEDIATE's busy wait, pg_advisory_xact_lock).
      await new Promise((r) => setTimeout(r, 300));
      const sent = Date.now();
      waiter.kill('SIGINT');
      const stopped = await Promise.race([waiter.exited, new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), 20_000))]);
      expect(stopped, 'the waiter kept waiting for the lock after Ctrl-C').not.toBe('still waiting');
      if (stopped === 'still waiting') return;
      expect(stopped.stderr).toContain('interrupted before anything was written');
      expect(stopped.stderr).not.toMatch(STACK_FRAME);
      // Ended by the signal itself, like a program that does not handle Ctrl-C (shells say 130).
      expect(stopped.signal).toBe('SIGINT');
      expect(Date.now() - sent).toBeLessThan(20_000);
      pause.resume();
      const held = await holder.exited;
      expect(held.code, held.stderr).toBe(0);
      expect(pause.reached('after-first-write')).toEqual(['holder']);
      expect(await tierRows(db)).toContain('Maker (renamed)');
    });
  });
}

async function tierRows(db: TestDatabase): Promise<string> {
  return tierRowsOf(await dumpTables(db));
}

/** The dump without the audit table (an interrupted apply may record its failed run). */
function tierRowsOf(dump: string): string {
  const tables = JSON.parse(dump) as Record<string, unknown>;
  delete tables['reconcile_run'];
  return JSON.stringify(tables);
}
