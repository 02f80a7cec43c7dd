import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/plan-schema.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { editTierFile, workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';
import { loadReference } from '../support/sources.js';

const tierCount = Object.keys(loadReference().catalog.tiers).length;

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`tierctl plan on ${backend.name}`, () => {
    let db: TestDatabase;
    let cwd: string;
    const run = (args: string[], env: Record<string, string> = {}) => runMain([...args, '--database', db.url], { cwd, env });
    beforeEach(async () => {
      db = await backend.create();
      cwd = workdirWithTiers();
    });
    afterEach(async () => {
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it('lists every tier as a create against an empty database, exits 2 with --detailed-exitcode, and writes nothing', async () => {
      const r = await run(['plan', '--skip-stripe', '--detailed-exitcode', '--format', 'json']);
      expect(r.code).toBe(2);
      const plan = JSON.parse(r.stdout) as Plan;
      const creates = plan.changes.filter((c) => c.kind === 'tier' && c.action === 'create');
      expect(creates).toHaveLength(tierCount);
      expect(plan.changes.filter((c) => c.kind === 'tier')).toHaveLength(tierCount);
      expect(r.stderr).toContain('WARNING: Stripe lookup keys were NOT verified');
      const text = await run(['plan', '--skip-stripe']);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(`Plan: ${tierCount} to create, 0 to update, 0 to rename, 0 to retire, 0 to delete`);
      if (backend.name === 'postgres') expect(await db.sql(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)).toEqual([]);
      else expect(existsSync(db.url.slice('sqlite:'.length))).toBe(false);
    });

    it('gives byte-identical JSON on two runs and the same file with --out', async () => {
      await run(['apply', '--auto-approve', '--skip-stripe']);
      editTierFile(cwd, 'essential.yaml', 'name: Essential', 'name: Essential Plus');
      const a = await run(['plan', '--skip-stripe', '--format', 'json', '--out', 'a.json']);
      const b = await run(['plan', '--skip-stripe', '--format', 'json', '--out', 'b.json']);
      expect(a.stdout).toBe(b.stdout);
      expect(readFileSync(path.join(cwd, 'a.json'), 'utf8')).toBe(a.stdout);
      expect(readFileSync(path.join(cwd, 'b.json'), 'utf8')).toBe(a.stdout);
    });

    it('shows an edited name, an added permission and a removed limit as exactly those field changes', async () => {
      expect((await run(['apply', '--auto-approve', '--skip-stripe'])).code).toBe(0);
      editTierFile(cwd, 'hobbyist.yaml', 'name: Hobbyist', 'name: Hobbyist Pro');
      editTierFile(cwd, 'essential.yaml', 'permissions: [batches.create,', 'permissions: [api_access, batches.create,');
      editTierFile(cwd, 'business.yaml', 'users: 10, ', '');
      const r = await run(['plan', '--skip-stripe', '--format', 'json', '--detailed-exitcode']);
      expect(r.code).toBe(2);
      const plan = JSON.parse(r.stdout) as Plan;
      expect(plan.changes).toEqual([
        // impact without a count: catalog.yaml names an organization table this database does not have
        { kind: 'tier', action: 'update', tier: 'business', fields: { limits: { added: {}, removed: { users: 10 }, changed: {} } }, impact: { effect: 'extends', reduces: [], extends: ['limits.users: 10 → not set'] } },
        { kind: 'tier', action: 'update', tier: 'essential', fields: { permissions: { added: ['api_access'], removed: [] } }, impact: { effect: 'extends', reduces: [], extends: ['permission api_access added'] } },
        { kind: 'tier', action: 'update', tier: 'hobbyist', fields: { name: { before: 'Hobbyist', after: 'Hobbyist Pro' } }, impact: { effect: 'neutral', reduces: [], extends: [] } },
      ]);
      expect(plan.subscriber_counts).toEqual({ counted: false, reason: expect.stringContaining('cannot count subscribers in organization.subscription_tier_id') });
    });

    it('renders Markdown for a pull request and appends it to --summary-file', async () => {
      rmSync(path.join(cwd, 'tiers', 'maker.yaml'));
      await run(['apply', '--auto-approve', '--skip-stripe']);
      writeFileSync(path.join(cwd, 'tiers', 'maker.yaml'), readFileSync(path.join(cwd, 'tiers', 'hobbyist.yaml'), 'utf8').replace(/hobbyist/g, 'maker'));
      const r = await run(['plan', '--skip-stripe', '--format', 'markdown', '--summary-file', 'summary.md']);
      expect(r.code).toBe(0);
      expect(r.stdout.startsWith('<!-- tierctl-plan -->')).toBe(true);
      expect(r.stdout).toContain('| create | 1 | 0 |');
      expect(readFileSync(path.join(cwd, 'summary.md'), 'utf8')).toBe(r.stdout);
    });

    it('imports an existing database into tier files that plan with zero changes', async () => {
      expect((await run(['apply', '--auto-approve', '--skip-stripe'])).code).toBe(0);
      const imported = await run(['import', '--dir', 'imported']);
      expect(imported.code).toBe(0);
      expect((await runMain(['validate', '--dir', 'imported'], { cwd })).code).toBe(0);
      const r = await run(['plan', '--dir', 'imported', '--skip-stripe', '--detailed-exitcode']);
      expect(r.stdout).toContain('No changes.');
      expect(r.code).toBe(0);
      const again = await run(['import', '--dir', 'imported']);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('--force');
    });
  });
}

describe('tierctl plan --against GIT_REF (no database)', () => {
  let cwd: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe' }).toString();
  beforeEach(() => {
    cwd = workdirWithTiers();
    git('init', '-q', '-b', 'main');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '.');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'tiers');
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('exits 0 with no edits', async () => {
    const r = await runMain(['plan', '--against', 'HEAD', '--skip-stripe', '--detailed-exitcode'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No changes.');
  });

  it('shows the working tree against the ref, destructive when a file is deleted', async () => {
    editTierFile(cwd, 'hobbyist.yaml', 'name: Hobbyist', 'name: Hobbyist 2');
    rmSync(path.join(cwd, 'tiers', 'maker.yaml'));
    const r = await runMain(['plan', '--against', 'HEAD', '--skip-stripe', '--detailed-exitcode', '--format', 'json'], { cwd, env: { DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none' } });
    expect(r.code).toBe(3);
    const plan = JSON.parse(r.stdout) as Plan;
    expect(plan.changes.map((c) => `${c.action}:${c.kind === 'tier' ? c.tier : c.kind === 'permission' ? c.permission : c.table}`)).toEqual(['update:hobbyist', 'delete:maker']);
  });

  it('fails clearly on an unknown ref', async () => {
    const r = await runMain(['plan', '--against', 'no-such-branch', '--skip-stripe'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('git ref "no-such-branch" not found');
  });
});
