import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PausePoint } from '../../src/store/tier-store.js';
import { writeSyntheticCatalog } from '../bench/synthetic-catalog.mjs';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { dumpTables } from '../support/dump.js';
import { PauseControl } from '../support/pause.js';
import { runMain } from '../support/run-main.js';
import { STACK_FRAME, startTierctl } from './fault-helpers.js';

/**
 * Shared by kill-points.test.ts and kill-points-postgres.test.ts (a -> b: creates and
 * updates, on SQLite and on PostgreSQL) and kill-points-deletes.test.ts (b -> a: deletes and
 * updates, on both), split so each file stays short.
 *
 * The all-or-nothing promise under SIGKILL, aimed: the real apply process stops at a named
 * point (src/cli/test-hooks.ts) and is killed exactly there. Killed before COMMIT, the
 * database is byte-for-byte as before; killed with COMMIT sent, it is as before or exactly
 * as planned. Either way tierctl's next read recovers and the next apply succeeds.
 * (Kills at random moments, many per database: `npm run soak`.)
 */
interface PlanJson {
  base_fingerprint: string;
  desired_fingerprint: string;
  changes: unknown[];
}

// a: 55 tiers; b: 60 tiers, each of the first 55 changed. Either way the grants (10 per
// tier, >500 rows) take two batched statements, so "mid-batch" exists.
const TIERS_A = 55;
const TIERS_B = 60;

export interface KillCase {
  point: PausePoint;
  /** The state the database is in when the apply (to the other state) is killed. */
  from: 'a' | 'b';
}

/** The a -> b cases (creates, and every existing tier updated), at every pause point. */
export const CREATE_AND_UPDATE_CASES: readonly KillCase[] = [
  { point: 'before-begin', from: 'a' },
  { point: 'after-first-write', from: 'a' },
  { point: 'mid-batch', from: 'a' },
  { point: 'last-write', from: 'a' },
  { point: 'during-commit', from: 'a' },
];

/** `only`: one backend (a file per backend, so the two run on separate workers at once). */
export function describeKillPoints(cases: readonly KillCase[], only?: 'sqlite' | 'postgres'): void {
  let catalogs: string;
  const dirOf = (name: 'a' | 'b') => path.join(catalogs, name);
  beforeAll(() => {
    catalogs = mkdtempSync(path.join(tmpdir(), 'tierctl-kill-catalogs-'));
    writeSyntheticCatalog(dirOf('a'), TIERS_A);
    writeSyntheticCatalog(dirOf('b'), TIERS_B, { updateEvery: 1 });
  });
  afterAll(() => rmSync(catalogs, { recursive: true, force: true }));

  for (const backend of BACKENDS.filter((b) => !only || b.name === only)) {
    describe.skipIf(backend.skip)(`SIGKILL at each pause point of an apply on ${backend.name}`, () => {
      let db: TestDatabase;
      let work: string;
      let pause: PauseControl;
      /** Databases in state a and b, applied once; each test works on a copy. */
      const templates: Partial<Record<'a' | 'b', TestDatabase>> = {};
      /** Fingerprints of the two states, from tierctl's own plan. */
      const fingerprints: Partial<Record<'a' | 'b', string>> = {};
      const cli = (args: string[], url = db.url) => runMain([...args, '--database', url], { cwd: work });
      const applyIn = (name: 'a' | 'b', url = db.url) => cli(['apply', '--auto-approve', '--skip-stripe', '--allow-destroy', '--dir', dirOf(name)], url);
      const planOf = async (name: 'a' | 'b', url = db.url): Promise<PlanJson> => {
        const r = await cli(['plan', '--skip-stripe', '--format', 'json', '--dir', dirOf(name)], url);
        expect(r.stderr).not.toMatch(STACK_FRAME);
        expect(r.code, r.stderr).toBe(0);
        return JSON.parse(r.stdout) as PlanJson;
      };

      beforeAll(async () => {
        work = mkdtempSync(path.join(tmpdir(), 'tierctl-kill-'));
        const a = await backend.create();
        expect((await applyIn('a', a.url)).code).toBe(0);
        const b = await a.clone();
        expect((await applyIn('b', b.url)).code).toBe(0);
        Object.assign(templates, { a, b });
        const ab = await planOf('b', a.url);
        Object.assign(fingerprints, { a: ab.base_fingerprint, b: ab.desired_fingerprint });
        expect(fingerprints.a).not.toBe(fingerprints.b);
        rmSync(work, { recursive: true, force: true });
      });
      afterAll(async () => {
        await templates.a?.drop();
        await templates.b?.drop();
      });
      beforeEach(async () => {
        work = mkdtempSync(path.join(tmpdir(), 'tierctl-kill-'));
        pause = new PauseControl();
      });
      afterEach(async () => {
        await db?.drop();
        rmSync(work, { recursive: true, force: true });
        pause.remove();
      });

      for (const { point, from } of cases) {
        const to = from === 'a' ? 'b' : 'a';
        it(`killed at ${point} (${from} -> ${to}): ${point === 'during-commit' ? 'as before or as planned' : 'exactly as before'}, then the next apply succeeds`, async () => {
          db = await templates[from]!.clone();
          const before = await dumpTables(db);
          const fingerprint = { from: fingerprints[from]!, to: fingerprints[to]! };

          const child = startTierctl(['apply', '--auto-approve', '--skip-stripe', '--allow-destroy', '--dir', dirOf(to), '--database', db.url], { cwd: work, env: pause.env(point) });
          if (!(await pause.waitFor(point, { gaveUp: child.exited }))) expect.fail(`the apply finished without reaching ${point}:\n${(await child.exited).stderr}`);
          child.kill('SIGKILL');
          const result = await child.exited;
          expect(result.signal, result.stderr).toBe('SIGKILL');
          expect(result.stderr).not.toMatch(STACK_FRAME);

          // tierctl's own read path first: on SQLite it has to recover the journal the kill left.
          const now = (await planOf(to)).base_fingerprint;
          const committed = point === 'during-commit' && now !== fingerprint.from;
          if (!committed) {
            expect(now, 'the database is not as it was before the killed apply').toBe(fingerprint.from);
            expect(await dumpTables(db), 'fingerprint as before, but rows or the audit table changed').toBe(before);
          } else {
            expect(now, 'the database is neither as before nor as planned').toBe(fingerprint.to);
          }

          const next = await applyIn(to);
          expect(next.code, next.stderr).toBe(0);
          // One audit row per apply that committed: the setup, then the killed one or the next.
          const setups = from === 'b' ? 2 : 1;
          const runs = (await db.sql<{ status: string }>('SELECT status FROM reconcile_run ORDER BY id')).map((r) => r.status);
          expect(runs).toEqual([...Array<string>(setups + 1).fill('applied'), ...(committed ? ['no-op'] : [])]);
        });
      }
    });
}
}
