import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'pipe' }).toString();

/** `plan --against` explains git problems in the user's terms. */
describe('plan --against: git problems', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('outside a git repository says so, not "ref not found"', async () => {
    const cwd = workdirWithTiers();
    dirs.push(cwd);
    // A temp dir is not inside a repository; make sure of it with GIT_CEILING_DIRECTORIES.
    const r = await runMain(['plan', '--against', 'HEAD', '--skip-stripe'], { cwd, env: { GIT_CEILING_DIRECTORIES: path.dirname(cwd), GIT_DIR: undefined } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${cwd} is not in a git repository`);
    expect(r.stderr).not.toContain('not found');
  });

  it('a ref the repository lacks still says "not found"', async () => {
    const cwd = workdirWithTiers();
    dirs.push(cwd);
    git(cwd, 'init', '-q', '-b', 'main');
    git(cwd, 'add', '.');
    git(cwd, 'commit', '-qm', 'tiers');
    const r = await runMain(['plan', '--against', 'origin/main', '--skip-stripe'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('git ref "origin/main" not found');
  });

  it('a blob missing from the clone (git cat-file answers "<sha> missing") is named, not parsed as garbage', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'tierctl-git-missing-'));
    dirs.push(cwd);
    const work = workdirWithTiers();
    dirs.push(work);
    git(work, 'init', '-q', '-b', 'main');
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'tiers');
    // Remove one loose blob object: the tree still lists the file, cat-file answers "<sha> missing".
    const sha = git(work, 'rev-parse', 'HEAD:tiers/hobbyist.yaml').trim();
    unlinkSync(path.join(work, '.git', 'objects', sha.slice(0, 2), sha.slice(2)));
    const r = await runMain(['plan', '--against', 'HEAD', '--skip-stripe'], { cwd: work });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('git has no contents for HEAD:tiers/hobbyist.yaml');
    expect(r.stderr).toContain('fetch');
    expect(r.stderr).not.toContain('internal problem');
  });
});
