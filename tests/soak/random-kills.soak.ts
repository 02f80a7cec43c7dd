import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeSyntheticCatalog } from '../bench/synthetic-catalog.mjs';
import { tierctl } from '../support/cli.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { dumpTables } from '../support/dump.js';
import { STACK_FRAME, sleep, startTierctl } from '../integration/fault-helpers.js';

/**
 * The soak (`npm run soak`, not part of `npm test`): SIGKILL the real apply process at
 * random moments, many times per database, and prove each kill leaves the database as
 * before or as planned, never in between. `npm test` kills at every named pause point
 * instead (tests/integration/kill-points.test.ts); this finds the moments nobody named.
 * TIERCTL_SOAK_KILLS sets the number of kills per database (default 20).
 */
const KILLS = Number(process.env['TIERCTL_SOAK_KILLS'] ?? 20);
/** Per write statement: stretches a ~20-statement apply to about a second, so kills can land inside it. */
const STATEMENT_DELAY_MS = 40;

const random = (min: number, max: number) => Math.round(min + Math.random() * (max - min));

interface PlanJson {
  base_fingerprint: string;
  desired_fingerprint: string;
  changes: unknown[];
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`random SIGKILLs on ${backend.name}`, () => {
    let db: TestDatabase;
    let work: string;
    const dirA = () => path.join(work, 'a');
    const dirB = () => path.join(work, 'b');
    const cli = (args: string[], env: Record<string, string> = {}) => tierctl([...args, '--database', db.url], { cwd: work, env });
    const applyDir = (dir: string, env: Record<string, string> = {}) => cli(['apply', '--auto-approve', '--skip-stripe', '--allow-destroy', '--dir', dir], env);
    const planOf = async (dir: string): Promise<PlanJson> => {
      const r = await cli(['plan', '--skip-stripe', '--format', 'json', '--dir', dir]);
      expect(r.stderr).not.toMatch(STACK_FRAME);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as PlanJson;
    };

    beforeEach(async () => {
      db = await backend.create();
      work = mkdtempSync(path.join(tmpdir(), 'tierctl-soak-'));
      // a: 300 tiers; b: 340 tiers, every one of the first 300 changed. a -> b creates and
      // updates, b -> a deletes and updates: about 20 batched write statements either way.
      writeSyntheticCatalog(dirA(), 300);
      writeSyntheticCatalog(dirB(), 340, { updateEvery: 1 });
    });
    afterEach(async () => {
      await db.drop();
      rmSync(work, { recursive: true, force: true });
    });

    it(`SIGKILL at ${KILLS} random moments of a large apply leaves the database as before or as planned, never in between; the next apply succeeds`, async () => {
      expect((await applyDir(dirA())).code).toBe(0);
      const fingerprint = { a: (await planOf(dirA())).desired_fingerprint, b: (await planOf(dirB())).desired_fingerprint };
      expect(fingerprint.a).not.toBe(fingerprint.b);

      let at: 'a' | 'b' = 'a';
      let killedWhileWriting = 0;
      for (let i = 0; i < KILLS; i++) {
        const target: 'a' | 'b' = at === 'a' ? 'b' : 'a';
        const before = await dumpTables(db);
        const child = startTierctl(['apply', '--auto-approve', '--skip-stripe', '--allow-destroy', '--dir', target === 'a' ? dirA() : dirB(), '--database', db.url], {
          cwd: work,
          env: { TIERCTL_TEST_STATEMENT_DELAY_MS: String(STATEMENT_DELAY_MS) },
        });
        // One kill in four lands anywhere from start-up on; the others inside the transaction.
        const aim = i % 4 === 0 ? 'anywhere' : 'writing';
        let writing = false;
        if (aim === 'anywhere') await sleep(random(0, 1500));
        else {
          writing = await child.waitForStderr(/… applying \d+ change/);
          await sleep(random(0, 800));
        }
        child.kill('SIGKILL');
        const result = await child.exited;
        const killed = result.signal === 'SIGKILL';
        const context = `kill ${i + 1}/${KILLS} (${at} -> ${target}, aimed ${aim}, at ${child.elapsed()} ms: ${killed ? 'killed' : `exited ${result.code}`})`;
        expect(result.stderr, context).not.toMatch(STACK_FRAME);
        if (!killed) expect(result.code, `${context}\n${result.stderr}`).toBe(0);

        // tierctl's own read path first: on SQLite it has to recover the journal the kill left.
        const now = (await planOf(dirA())).base_fingerprint;
        if (now === fingerprint[at]) {
          expect(await dumpTables(db), `${context}: fingerprint as before, but rows or the audit table changed`).toBe(before);
          if (killed && writing) killedWhileWriting++;
        } else {
          expect(now, `${context}: the database is neither as before nor as planned`).toBe(fingerprint[target]);
          at = target;
        }
      }
      // The kills prove something only if many of them hit an apply in the middle of writing.
      expect(killedWhileWriting).toBeGreaterThanOrEqual(Math.floor((KILLS * 8) / 20));

      const target = at === 'a' ? dirB() : dirA();
      const next = await applyDir(target);
      expect(next.code, next.stderr).toBe(0);
      expect((await cli(['plan', '--skip-stripe', '--detailed-exitcode', '--dir', target])).code).toBe(0);
      const runs = await db.sql<{ status: string }>('SELECT status FROM reconcile_run');
      expect(runs.every((r) => r.status === 'applied')).toBe(true);
    }, Math.max(600_000, KILLS * 30_000));

  });
}
