import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeSyntheticCatalog } from '../bench/synthetic-catalog.mjs';
import { tierctl } from '../support/cli.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { dumpTables } from '../support/dump.js';
import { STACK_FRAME, sleep, startTierctl } from './fault-helpers.js';

/**
 * The all-or-nothing promise under real faults, through the real process: SIGKILL at
 * random moments, a PostgreSQL connection dropped mid-apply, a read-only SQLite file,
 * a full disk. Each run leaves the database exactly as before or exactly as planned.
 */
const KILLS = 20;
/** Per write statement: stretches a ~20-statement apply to about a second, so kills can land inside it. */
const STATEMENT_DELAY_MS = 40;

const random = (min: number, max: number) => Math.round(min + Math.random() * (max - min));
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const isRoot = process.getuid?.() === 0;
/** uid of `nobody`: root ignores file modes, so the read-only test runs tierctl as another user. */
const NOBODY = 65534;

interface PlanJson {
  base_fingerprint: string;
  desired_fingerprint: string;
  changes: unknown[];
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`faults on ${backend.name}`, () => {
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
      work = mkdtempSync(path.join(tmpdir(), 'tierctl-faults-'));
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
      expect(killedWhileWriting).toBeGreaterThanOrEqual(8);

      const target = at === 'a' ? dirB() : dirA();
      const next = await applyDir(target);
      expect(next.code, next.stderr).toBe(0);
      expect((await cli(['plan', '--skip-stripe', '--detailed-exitcode', '--dir', target])).code).toBe(0);
      const runs = await db.sql<{ status: string }>('SELECT status FROM reconcile_run');
      expect(runs.every((r) => r.status === 'applied')).toBe(true);
    }, 240_000);

    // Faults that exist on one backend only are registered on that backend only.
    if (backend.name === 'sqlite') it('SIGKILL after SQLite spilled the transaction into the file: plan (read-only) recovers the hot journal and sees the state before', async () => {
      // A transaction well past SQLite's page cache writes pages into the database file
      // before COMMIT; only the journal can undo them. 3,500 new tiers get there.
      const dbDir = path.join(work, 'spill');
      mkdirSync(dbDir);
      const file = path.join(dbDir, 'tiers.sqlite');
      const url = `sqlite:${file}`;
      const big = path.join(work, 'big');
      writeSyntheticCatalog(big, 3500);
      expect((await tierctl(['apply', '--auto-approve', '--skip-stripe', '--dir', dirA(), '--database', url], { cwd: work })).code).toBe(0);
      const hash = sha256(file);
      const base = (await tierctl(['plan', '--skip-stripe', '--format', 'json', '--dir', dirA(), '--database', url], { cwd: work })).stdout;
      const child = startTierctl(['apply', '--auto-approve', '--skip-stripe', '--dir', big, '--database', url], { cwd: work, env: { TIERCTL_TEST_STATEMENT_DELAY_MS: '50' } });
      expect(await child.waitForStderr(/… applying \d+ change/)).toBe(true);
      while (sha256(file) === hash && child.elapsed() < 30_000) await sleep(50);
      child.kill('SIGKILL');
      expect((await child.exited).signal).toBe('SIGKILL');
      expect(sha256(file), 'the apply never wrote into the database file before it was killed').not.toBe(hash);
      expect(existsSync(`${file}-journal`)).toBe(true);

      const after = await tierctl(['plan', '--skip-stripe', '--format', 'json', '--dir', dirA(), '--database', url], { cwd: work });
      expect(after.stderr).not.toMatch(STACK_FRAME);
      expect(after.code, after.stderr).toBe(0);
      expect(after.stdout).toBe(base);
      expect(sha256(file)).toBe(hash);
      expect((await tierctl(['apply', '--auto-approve', '--skip-stripe', '--dir', big, '--database', url], { cwd: work })).code).toBe(0);
    });

    if (backend.name === 'postgres') it('a PostgreSQL connection dropped mid-apply: a clear error, exit 1, nothing applied; the next apply succeeds', async () => {
      expect((await applyDir(dirA())).code).toBe(0);
      const before = await dumpTables(db);
      const child = startTierctl(['apply', '--auto-approve', '--skip-stripe', '--dir', dirB(), '--database', db.url], {
        cwd: work,
        env: { TIERCTL_TEST_STATEMENT_DELAY_MS: '150' },
      });
      expect(await child.waitForStderr(/… applying \d+ change/)).toBe(true);
      await sleep(random(100, 600));
      const database = new URL(db.url).pathname.slice(1);
      // OFFSET 0 keeps the filter ahead of pg_terminate_backend (AND is not evaluated in order).
      const terminated = await db.sql<{ done: boolean }>(
        "SELECT pg_terminate_backend(pid) AS done FROM (SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'tierctl' AND pid <> pg_backend_pid() OFFSET 0) AS tierctl",
        [database],
      );
      expect(terminated.filter((r) => r.done).length).toBeGreaterThanOrEqual(1);
      const result = await child.exited;
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/^error: lost the connection to postgres:\/\/\S+ during the apply \(.+\); PostgreSQL rolled the transaction back and nothing was applied$/m);
      expect(result.stderr).toMatch(/^hint: check that PostgreSQL is up/m);
      expect(result.stderr).not.toContain('internal problem');
      expect(result.stderr).not.toMatch(STACK_FRAME);
      expect(await dumpTables(db)).toBe(before);

      const next = await applyDir(dirB());
      expect(next.code, next.stderr).toBe(0);
      expect((await cli(['plan', '--skip-stripe', '--detailed-exitcode', '--dir', dirB()])).code).toBe(0);
    });

    if (backend.name === 'sqlite') it('a read-only SQLite file: apply says so (exit 1) and changes nothing; plan still reads it; an unopenable path is an error, not a silent exit 0', async () => {
      const dbDir = path.join(work, 'ro');
      mkdirSync(dbDir);
      const file = path.join(dbDir, 'tiers.sqlite');
      const url = `sqlite:${file}`;
      expect((await tierctl(['apply', '--auto-approve', '--skip-stripe', '--dir', dirA(), '--database', url], { cwd: work })).code).toBe(0);
      const hash = sha256(file);
      // Root ignores file modes: run tierctl as nobody, for whom 0444/0555 really are read-only.
      chmodSync(work, 0o755);
      chmodSync(file, 0o444);
      chmodSync(dbDir, 0o555);
      const as = isRoot ? { uid: NOBODY } : {};
      try {
        const applied = await startTierctl(['apply', '--auto-approve', '--skip-stripe', '--dir', dirB(), '--database', url], { cwd: work, ...as }).exited;
        expect(applied.code, applied.stderr).toBe(1);
        expect(applied.stderr).toMatch(/^error: cannot write to sqlite:\S+: the database is read-only; nothing was applied$/m);
        expect(applied.stderr).toMatch(/^hint: make the database file and its directory writable/m);
        expect(applied.stderr).not.toMatch(STACK_FRAME);
        expect(sha256(file)).toBe(hash);
        expect(existsSync(`${file}-journal`)).toBe(false);

        const planned = await startTierctl(['plan', '--skip-stripe', '--format', 'json', '--dir', dirB(), '--database', url], { cwd: work, ...as }).exited;
        expect(planned.code, planned.stderr).toBe(0);
        expect((JSON.parse(planned.stdout) as PlanJson).changes.length).toBeGreaterThan(0);

        const fresh = await startTierctl(['migrate', '--database', `sqlite:${path.join(dbDir, 'new.sqlite')}`], { cwd: work, ...as }).exited;
        expect(fresh.code, fresh.stderr).toBe(1);
        expect(fresh.stderr).toMatch(/^error: cannot open database sqlite:\S+new\.sqlite: SQLITE_CANTOPEN/m);
        expect(fresh.stderr).not.toMatch(STACK_FRAME);
      } finally {
        chmodSync(dbDir, 0o755);
        chmodSync(file, 0o644);
      }
    });

    if (backend.name === 'sqlite') it('a full disk: a clear error (exit 1), the file byte-for-byte unchanged; with space again the apply succeeds', async (ctx) => {
      const mountPoint = path.join(work, 'small-disk');
      mkdirSync(mountPoint);
      // A real full disk needs a small filesystem: a 512 KiB tmpfs, which takes root.
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mountPoint], { stdio: 'ignore' });
      } catch {
        ctx.skip('cannot mount a small tmpfs here (needs root and mount rights); the full-disk case was not exercised');
      }
      try {
        const file = path.join(mountPoint, 'tiers.sqlite');
        const url = `sqlite:${file}`;
        const small = path.join(work, 'small');
        writeSyntheticCatalog(small, 40);
        expect((await tierctl(['apply', '--auto-approve', '--skip-stripe', '--dir', small, '--database', url], { cwd: work })).code).toBe(0);
        const hash = sha256(file);
        const full = await tierctl(['apply', '--auto-approve', '--skip-stripe', '--allow-destroy', '--dir', dirB(), '--database', url], { cwd: work });
        expect(full.code, full.stderr).toBe(1);
        expect(full.stderr).toMatch(/^error: the disk holding sqlite:\S+ is full \(.*\); the transaction was rolled back and nothing was applied$/m);
        expect(full.stderr).toMatch(/^hint: free some disk space/m);
        expect(full.stderr).not.toMatch(STACK_FRAME);
        expect(sha256(file)).toBe(hash);
        expect((await tierctl(['plan', '--skip-stripe', '--detailed-exitcode', '--dir', small, '--database', url], { cwd: work })).code).toBe(0);

        execFileSync('mount', ['-o', 'remount,size=8m', mountPoint], { stdio: 'ignore' });
        const retried = await tierctl(['apply', '--auto-approve', '--skip-stripe', '--allow-destroy', '--dir', dirB(), '--database', url], { cwd: work });
        expect(retried.code, retried.stderr).toBe(0);
        expect((await tierctl(['plan', '--skip-stripe', '--detailed-exitcode', '--dir', dirB(), '--database', url], { cwd: work })).code).toBe(0);
      } finally {
        execFileSync('umount', [mountPoint], { stdio: 'ignore' });
      }
    });
  });
}
