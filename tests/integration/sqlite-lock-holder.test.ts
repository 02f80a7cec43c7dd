import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

/**
 * Issue 15 (smaller): a SQLite write lock held by a plain sqlite3 client was reported as
 * "another tierctl run". SQLite cannot say who holds its lock, so tierctl must not claim to know.
 */
describe('a SQLite write lock held by another program', () => {
  let cwd: string;
  let file: string;
  beforeEach(() => {
    cwd = workdirWithTiers();
    file = path.join(cwd, 'db.sqlite');
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('is reported as another process holding the write lock, exit 4, not as another tierctl run', async () => {
    const database = `sqlite:${file}`;
    expect((await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', database], { cwd })).code).toBe(0);
    const sqlite3 = (await import('sqlite3')).default;
    const holder = new sqlite3.Database(file);
    const exec = (sql: string) => new Promise<void>((resolve, reject) => holder.exec(sql, (err) => (err ? reject(err) : resolve())));
    await exec('BEGIN IMMEDIATE');
    try {
      const r = await runMain(['apply', '--auto-approve', '--skip-stripe', '--lock-timeout', '300', '--database', database], { cwd });
      expect(r.stderr).not.toContain('another tierctl run holds');
      expect(r.stderr).toContain(`another process holds the write lock on ${database}`);
      expect(r.code).toBe(4);
    } finally {
      await exec('ROLLBACK');
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
