import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeSyntheticCatalog } from '../bench/synthetic-catalog.mjs';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { dumpTables } from '../support/dump.js';
import { PauseControl } from '../support/pause.js';
import { runMain } from '../support/run-main.js';
import { STACK_FRAME, startTierctl } from './fault-helpers.js';

/**
 * The all-or-nothing promise under real faults: SIGKILL after SQLite spilled the
 * transaction into the file, a PostgreSQL connection dropped mid-apply, a read-only
 * SQLite file, a full disk. Each run leaves the database exactly as before or exactly as
 * planned. The apply is stopped at named pause points (src/cli/test-hooks.ts), never
 * timed; real processes only where the process is the subject (a kill, another uid).
 * SIGKILL at every pause point: kill-points.test.ts; at random moments: `npm run soak`.
 */
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const isRoot = process.getuid?.() === 0;
/** uid of `nobody`: root ignores file modes, so the read-only test runs tierctl as another user. */
const NOBODY = 65534;

/**
 * New tiers in one apply, and SQLite's page cache for that apply (TIERCTL_TEST_SQLITE_CACHE_PAGES):
 * 150 tiers' rows and audit JSON are well past 20 pages (80 KiB). With the default 2 MB cache
 * the same spill took 1,500 tiers, ~8 s of the suite.
 */
const SPILL_TIERS = 150;
const SPILL_CACHE_PAGES = '20';

interface PlanJson {
  base_fingerprint: string;
  desired_fingerprint: string;
  changes: unknown[];
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`faults on ${backend.name}`, () => {
    let db: TestDatabase;
    let work: string;
    let pause: PauseControl;
    const dirA = () => path.join(work, 'a');
    const dirB = () => path.join(work, 'b');
    /** In the test process: setup and checks around the faults. */
    const inProcess = (args: string[], url = db.url) => runMain([...args, '--database', url], { cwd: work });
    const applyDir = (dir: string, url = db.url) => inProcess(['apply', '--auto-approve', '--skip-stripe', '--allow-destroy', '--dir', dir], url);
    const planJson = async (dir: string, url = db.url) => {
      const r = await inProcess(['plan', '--skip-stripe', '--format', 'json', '--dir', dir], url);
      expect(r.stderr).not.toMatch(STACK_FRAME);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };

    beforeEach(async () => {
      db = await backend.create();
      work = mkdtempSync(path.join(tmpdir(), 'tierctl-faults-'));
      pause = new PauseControl();
      // a: 60 tiers; b: 70 tiers, every one of the first 60 changed.
      writeSyntheticCatalog(dirA(), 60);
      writeSyntheticCatalog(dirB(), 70, { updateEvery: 1 });
    });
    afterEach(async () => {
      await db.drop();
      rmSync(work, { recursive: true, force: true });
      pause.remove();
    });

    // Faults that exist on one backend only are registered on that backend only.
    if (backend.name === 'sqlite') it('SIGKILL after SQLite spilled the transaction into the file: plan (read-only) recovers the hot journal and sees the state before', async () => {
      // A transaction well past SQLite's page cache writes pages into the database file
      // before COMMIT; only the journal can undo them. SPILL_TIERS new tiers get there (checked below).
      const dbDir = path.join(work, 'spill');
      mkdirSync(dbDir);
      const file = path.join(dbDir, 'tiers.sqlite');
      const url = `sqlite:${file}`;
      const big = path.join(work, 'big');
      writeSyntheticCatalog(big, SPILL_TIERS);
      expect((await applyDir(dirA(), url)).code).toBe(0);
      const hash = sha256(file);
      const base = await planJson(dirA(), url);
      // Stopped after its last write (the audit row holds the whole catalog twice), COMMIT not sent.
      const child = startTierctl(['apply', '--auto-approve', '--skip-stripe', '--dir', big, '--database', url], { cwd: work, env: { ...pause.env('last-write'), TIERCTL_TEST_SQLITE_CACHE_PAGES: SPILL_CACHE_PAGES } });
      if (!(await pause.waitFor('last-write', { gaveUp: child.exited }))) expect.fail(`the apply finished without pausing:\n${(await child.exited).stderr}`);
      expect(sha256(file), 'the apply never wrote into the database file before COMMIT: nothing spilled').not.toBe(hash);
      expect(existsSync(`${file}-journal`)).toBe(true);
      child.kill('SIGKILL');
      expect((await child.exited).signal).toBe('SIGKILL');

      expect(await planJson(dirA(), url)).toBe(base);
      expect(sha256(file)).toBe(hash);
      const again = await applyDir(big, url);
      expect(again.code, again.stderr).toBe(0);
    }, 180_000);

    if (backend.name === 'postgres') it('a PostgreSQL connection dropped mid-apply: a clear error, exit 1, nothing applied; the next apply succeeds', async () => {
      expect((await applyDir(dirA())).code).toBe(0);
      const before = await dumpTables(db);
      // Stopped inside the transaction, after its first write; dropped there, then let go on.
      const child = startTierctl(['apply', '--auto-approve', '--skip-stripe', '--dir', dirB(), '--database', db.url], { cwd: work, env: pause.env('after-first-write') });
      if (!(await pause.waitFor('after-first-write', { gaveUp: child.exited }))) expect.fail(`the apply finished without pausing:\n${(await child.exited).stderr}`);
      const database = new URL(db.url).pathname.slice(1);
      // OFFSET 0 keeps the filter ahead of pg_terminate_backend (AND is not evaluated in order).
      const terminated = await db.sql<{ done: boolean }>(
        "SELECT pg_terminate_backend(pid) AS done FROM (SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'tierctl' AND pid <> pg_backend_pid() OFFSET 0) AS tierctl",
        [database],
      );
      expect(terminated.filter((r) => r.done).length).toBeGreaterThanOrEqual(1);
      pause.resume();
      const result = await child.exited;
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/^error: lost the connection to postgres:\/\/\S+ during the apply \(.+\); PostgreSQL rolled the transaction back and nothing was applied$/m);
      expect(result.stderr).toMatch(/^hint: check that PostgreSQL is up/m);
      expect(result.stderr).not.toContain('internal problem');
      expect(result.stderr).not.toMatch(STACK_FRAME);
      expect(await dumpTables(db)).toBe(before);

      const next = await applyDir(dirB());
      expect(next.code, next.stderr).toBe(0);
      expect((await inProcess(['plan', '--skip-stripe', '--detailed-exitcode', '--dir', dirB()])).code).toBe(0);
    });

    if (backend.name === 'sqlite') it('a read-only SQLite file: apply says so (exit 1) and changes nothing; plan still reads it; an unopenable path is an error, not a silent exit 0', async () => {
      const dbDir = path.join(work, 'ro');
      mkdirSync(dbDir);
      const file = path.join(dbDir, 'tiers.sqlite');
      const url = `sqlite:${file}`;
      expect((await applyDir(dirA(), url)).code).toBe(0);
      const hash = sha256(file);
      // Root ignores file modes: run tierctl as nobody, for whom 0444/0555 really are read-only.
      chmodSync(work, 0o755);
      chmodSync(file, 0o444);
      chmodSync(dbDir, 0o555);
      const as = isRoot ? { uid: NOBODY } : {};
      try {
        // Three independent processes (nothing here can write): run at once.
        const [applied, planned, fresh] = await Promise.all([
          startTierctl(['apply', '--auto-approve', '--skip-stripe', '--dir', dirB(), '--database', url], { cwd: work, ...as }).exited,
          startTierctl(['plan', '--skip-stripe', '--format', 'json', '--dir', dirB(), '--database', url], { cwd: work, ...as }).exited,
          startTierctl(['migrate', '--database', `sqlite:${path.join(dbDir, 'new.sqlite')}`], { cwd: work, ...as }).exited,
        ]);
        expect(applied.code, applied.stderr).toBe(1);
        expect(applied.stderr).toMatch(/^error: cannot write to sqlite:\S+: the database is read-only; nothing was applied$/m);
        expect(applied.stderr).toMatch(/^hint: make the database file and its directory writable/m);
        expect(applied.stderr).not.toMatch(STACK_FRAME);
        expect(sha256(file)).toBe(hash);
        expect(existsSync(`${file}-journal`)).toBe(false);

        expect(planned.code, planned.stderr).toBe(0);
        expect((JSON.parse(planned.stdout) as PlanJson).changes.length).toBeGreaterThan(0);

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
        // 340 tiers: more than the 512 KiB the disk has left.
        const large = path.join(work, 'large');
        writeSyntheticCatalog(large, 340, { updateEvery: 1 });
        expect((await applyDir(small, url)).code).toBe(0);
        const hash = sha256(file);
        const full = await applyDir(large, url);
        expect(full.code, full.stderr).toBe(1);
        expect(full.stderr).toMatch(/^error: the disk holding sqlite:\S+ is full \(.*\); the transaction was rolled back and nothing was applied$/m);
        expect(full.stderr).toMatch(/^hint: free some disk space/m);
        expect(full.stderr).not.toMatch(STACK_FRAME);
        expect(sha256(file)).toBe(hash);
        expect((await inProcess(['plan', '--skip-stripe', '--detailed-exitcode', '--dir', small], url)).code).toBe(0);

        execFileSync('mount', ['-o', 'remount,size=8m', mountPoint], { stdio: 'ignore' });
        const retried = await applyDir(large, url);
        expect(retried.code, retried.stderr).toBe(0);
        expect((await inProcess(['plan', '--skip-stripe', '--detailed-exitcode', '--dir', large], url)).code).toBe(0);
      } finally {
        execFileSync('umount', [mountPoint], { stdio: 'ignore' });
      }
    });
  });
}
