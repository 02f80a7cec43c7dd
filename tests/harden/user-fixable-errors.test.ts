import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileSystemError } from '../../src/fs-errors.js';
import pg from 'pg';
import { workdirWithTiers } from '../support/cli.js';
import { BACKENDS, IN_CI, PG_ADMIN_URL, POSTGRES_AVAILABLE } from '../support/databases.js';
import { runMain } from '../support/run-main.js';

// Issue 13 item 9: errors that are the user's to fix get a plain message naming the path and
// a hint, never "internal problem … report it".
let cwd: string;
let scratch: string;
beforeEach(() => {
  cwd = workdirWithTiers();
  scratch = mkdtempSync(path.join(tmpdir(), 'tierctl-errors-'));
});
afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

const plan = (...extra: string[]) => runMain(['plan', '--skip-stripe', '--database', 'sqlite::memory:', ...extra], { cwd });
const userError = (r: { code: number | null; stderr: string }) => {
  expect(r.code).toBe(1);
  expect(r.stderr).not.toContain('internal problem');
  expect(r.stderr).toMatch(/^hint: /m);
};

describe('output paths', () => {
  it('--out into a missing directory names the directory', async () => {
    const missing = path.join(scratch, 'no', 'such');
    const r = await plan('--out', path.join(missing, 'plan.json'));
    userError(r);
    expect(r.stderr).toContain(`error: --out ${path.join(missing, 'plan.json')}: directory ${missing} does not exist`);
  });

  it('--summary-file into a missing directory names the directory', async () => {
    const missing = path.join(scratch, 'gone');
    const r = await plan('--summary-file', path.join(missing, 'summary.md'));
    userError(r);
    expect(r.stderr).toContain(`directory ${missing} does not exist`);
  });

  it('--out naming a directory, or a path through a file, says so', async () => {
    mkdirSync(path.join(scratch, 'plans'));
    const dir = await plan('--out', path.join(scratch, 'plans'));
    userError(dir);
    expect(dir.stderr).toContain(`${path.join(scratch, 'plans')} exists and is not a regular file`);
    writeFileSync(path.join(scratch, 'file'), '');
    const through = await plan('--out', path.join(scratch, 'file', 'plan.json'));
    userError(through);
    expect(through.stderr).toContain('a part of the path is a file, not a directory');
  });

  it('--format json carries the same message', async () => {
    const r = await plan('--format', 'json', '--out', path.join(scratch, 'no', 'plan.json'));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { message: expect.stringContaining('does not exist') as unknown } });
  });
});

describe('permissions (classified at the boundary; the tests run as root, so the errno is built here)', () => {
  for (const [code, text] of [['EACCES', 'permission denied'], ['EPERM', 'permission denied'], ['EROFS', 'the file system is read-only']] as const) {
    it(`${code} on an output file names the file and what to do`, () => {
      const err = Object.assign(new Error(`${code}: open '/srv/out/plan.json'`), { code, path: '/srv/out/plan.json', syscall: 'open', errno: -13 });
      const classified = fileSystemError(err);
      expect(classified?.message).toBe(`cannot open /srv/out/plan.json: ${text}`);
      expect(classified?.hint).toBeTruthy();
    });
  }
  it('leaves errors that are not file-system errors alone (they stay bug reports)', () => {
    expect(fileSystemError(new TypeError('x is undefined'))).toBeUndefined();
    expect(fileSystemError(Object.assign(new Error('boom'), { code: 'ERR_ASSERTION' }))).toBeUndefined();
  });
});

describe('a missing sqlite3 native binding (npm --ignore-scripts, pnpm)', () => {
  it('says the driver could not be loaded and how to rebuild it', async () => {
    const r = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', `sqlite:${path.join(scratch, 'x.db')}`], {
      cwd,
      env: { TIERCTL_TEST_SQLITE3_MODULE: path.join(scratch, 'node_modules', 'sqlite3', 'lib', 'sqlite3.js') },
    });
    userError(r);
    expect(r.stderr).toMatch(/^error: the SQLite driver \(the sqlite3 package's native binding\) could not be loaded/m);
    expect(r.stderr).toContain('npm rebuild sqlite3');
  });
});

describe('a hand-edited plan file', () => {
  it('that is not JSON, or not a plan, is refused naming the file', async () => {
    const file = path.join(scratch, 'plan.json');
    writeFileSync(file, '{ "format_version": 1, oops }');
    const broken = await runMain(['apply', file, '--skip-stripe', '--database', 'sqlite::memory:'], { cwd });
    userError(broken);
    expect(broken.stderr).toContain(`${file}:1:`);
    expect(broken.stderr).toContain('not valid JSON');
    writeFileSync(file, JSON.stringify({ format_version: 1, changes: 'all of them' }));
    const foreign = await runMain(['apply', file, '--skip-stripe', '--database', 'sqlite::memory:'], { cwd });
    userError(foreign);
    expect(foreign.stderr).toContain('not a valid tierctl plan');
  });
});

describe.skipIf(!POSTGRES_AVAILABLE && !IN_CI)('a PostgreSQL role without privileges on tierctl tables', () => {
  it('apply says which privilege is missing instead of "internal problem"', async () => {
    const db = await BACKENDS.find((b) => b.name === 'postgres')!.create();
    const role = `tierctl_noperm_${process.pid}_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      expect((await runMain(['migrate', '--database', db.url], { cwd })).code).toBe(0);
      await admin.query(`CREATE ROLE ${role} LOGIN`);
      const url = new URL(db.url);
      url.username = role;
      const r = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', url.href], { cwd });
      userError(r);
      expect(r.stderr).toMatch(/^error: the database role on postgres:\/\/.* lacks a privilege: permission denied for (schema|table) \w+; nothing was changed$/m);
      expect(r.stderr).toMatch(/^hint: grant the role SELECT, INSERT, UPDATE and DELETE/m);
    } finally {
      await db.drop();
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    }
  });
});
