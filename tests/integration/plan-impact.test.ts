import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalogDir } from '../../src/catalog/read-catalog-dir.js';
import { readAndPlan, readStore } from '../../src/plan/read-and-plan.js';
import type { Plan } from '../../src/plan/plan-schema.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { appliedReference } from '../support/applied-base.js';
import { editTierFile, workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';
import { openStoreAt } from '../support/state.js';

/**
 * Blast radius in the plan (issue 12 part 1): every changed, retired or deleted tier carries
 * its subscriber count (the application's `organization` table, created by plain SQL here)
 * and whether the change reduces, extends or leaves alone what those subscribers get.
 */
type TierChangeWithImpact = { kind: string; action: string; tier: string; impact?: { subscribers?: number; effect: string; reduces: string[]; extends: string[] } };

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`plan impact on ${backend.name}`, () => {
    const base = appliedReference(backend);
    let db: TestDatabase;
    let cwd: string;
    const run = (...args: string[]) => runMain([...args, '--database', db.url, '--skip-stripe'], { cwd });
    const tierId = async (key: string) => Number((await db.sql<{ id: number }>(`SELECT id FROM subscription_tier WHERE "key" = '${key}'`))[0]?.id);
    const subscribe = async (key: string, n: number) => {
      const id = await tierId(key);
      for (let i = 0; i < n; i++) await db.sql(`INSERT INTO organization (subscription_tier_id) VALUES (${id})`);
    };

    beforeEach(async () => {
      // The reference catalog applied (once per file, copied per test: appliedReference).
      db = await base.clone();
      cwd = workdirWithTiers();
      await db.sql(
        backend.name === 'postgres'
          ? 'CREATE TABLE organization (id SERIAL PRIMARY KEY, subscription_tier_id INTEGER REFERENCES subscription_tier (id))'
          : 'CREATE TABLE organization (id INTEGER PRIMARY KEY, subscription_tier_id INTEGER REFERENCES subscription_tier (id))',
      );
      await subscribe('professional', 3);
      await subscribe('hobbyist', 2);
      await db.sql('INSERT INTO organization (subscription_tier_id) VALUES (NULL)'); // an org on no tier counts nowhere
      // professional loses a seat and a permission, hobbyist is renamed, essential gains a permission, business (no subscribers) retires
      editTierFile(cwd, 'professional.yaml', 'users: 3,', 'users: 2,');
      editTierFile(cwd, 'professional.yaml', ', customer_export]', ']');
      editTierFile(cwd, 'hobbyist.yaml', 'key: hobbyist', 'key: starter\nrenamed_from: [hobbyist]');
      editTierFile(cwd, 'hobbyist.yaml', 'name: Hobbyist', 'name: Starter');
      editTierFile(cwd, 'essential.yaml', 'permissions: [batches.create,', 'permissions: [api_access, batches.create,');
      editTierFile(cwd, 'business.yaml', 'display_order: 40', 'display_order: 40\nstatus: retired');
    });
    afterEach(async () => {
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it('carries subscribers and reduces/extends/neutral per change in the JSON plan (renamed tiers counted under their row)', async () => {
      const r = await run('plan', '--format', 'json');
      expect(r.code, r.stderr).toBe(0);
      const plan = JSON.parse(r.stdout) as Plan;
      expect(plan.subscriber_counts).toEqual({ counted: true });
      const impacts = (plan.changes as TierChangeWithImpact[]).filter((c) => c.kind === 'tier').map((c) => [`${c.action}:${c.tier}`, c.impact]);
      expect(impacts).toEqual([
        ['rename:starter', { subscribers: 2, effect: 'neutral', reduces: [], extends: [] }],
        ['update:essential', { subscribers: 0, effect: 'extends', reduces: [], extends: ['permission api_access added'] }],
        ['update:professional', { subscribers: 3, effect: 'reduces', reduces: ['limits.users: 3 → 2', 'permission customer_export removed'], extends: [] }],
        ['update:starter', { subscribers: 2, effect: 'neutral', reduces: [], extends: [] }],
        ['retire:business', { subscribers: 0, effect: 'reduces', reduces: ['retired: no new signups'], extends: [] }],
      ]);
    });

    it('shows the impact first in text, and a tier · subscribers · reduces/extends table above the fold in Markdown, reductions that reach subscribers called out', async () => {
      const text = await run('plan');
      expect(text.code, text.stderr).toBe(0);
      const lines = text.stdout.split('\n');
      expect(lines[0]).toBe('Impact on subscribers:');
      expect(lines).toContain('  ! tier professional: 3 subscribers · reduces: limits.users: 3 → 2; permission customer_export removed');
      expect(lines).toContain('  + tier essential: 0 subscribers · extends: permission api_access added');
      expect(lines.indexOf('  ! tier professional: 3 subscribers · reduces: limits.users: 3 → 2; permission customer_export removed')).toBeLessThan(lines.indexOf('tierctl will perform these actions:'));

      const md = (await run('plan', '--format', 'markdown')).stdout;
      const fold = md.indexOf('<details>');
      const table = md.indexOf('| tier | subscribers | reduces / extends |');
      expect(table).toBeGreaterThan(0);
      expect(table).toBeLessThan(fold);
      expect(md).toContain('| professional | 3 | **reduces**: limits.users: 3 → 2; permission customer\\_export removed |');
      expect(md).toContain('| business | 0 | **reduces**: retired: no new signups |');
      expect(md).toContain('| starter | 2 | neutral |');
      expect(md).toContain('| essential | 0 | extends: permission api\\_access added |');
      // Only the reduction that reaches people is called out: business has nobody on it.
      expect(md).toContain('> [!IMPORTANT]\n> **Reduces what 3 subscribers get** on 1 tier: **professional** (3).');
      expect(md.indexOf('[!IMPORTANT]')).toBeLessThan(fold);
    });

    it('--fail-on-reduction exits 3 naming each reducing tier, and 0 once nothing reduces', async () => {
      const r = await run('plan', '--fail-on-reduction');
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('error: 2 tiers reduce what subscribers get (--fail-on-reduction):');
      expect(r.stderr).toContain('  ! tier professional (3 subscribers): limits.users: 3 → 2; permission customer_export removed');
      expect(r.stderr).toContain('  ! tier business (0 subscribers): retired: no new signups');
      expect(r.stdout).toContain('Impact on subscribers:'); // the plan is still shown

      editTierFile(cwd, 'professional.yaml', 'users: 2,', 'users: 3,');
      editTierFile(cwd, 'professional.yaml', 'customer_view]', 'customer_view, customer_export]');
      editTierFile(cwd, 'business.yaml', '\nstatus: retired', '');
      const ok = await run('plan', '--fail-on-reduction');
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stderr).not.toContain('--fail-on-reduction');
      expect((await run('plan', '--fail-on-reduction', '--detailed-exitcode')).code).toBe(2);
    });

    it('counts every tier in one grouped statement: the same statement count with 20 more tiers', async () => {
      const statements = async () => {
        const loaded = await loadCatalogDir('tiers', cwd);
        if (!loaded.ok) throw new Error('invalid tiers');
        const seen: string[] = [];
        const store = await openStoreAt(db.url, { onStatement: (sql) => seen.push(sql), subscribers: loaded.loaded.subscribers! });
        try {
          const plan = await readAndPlan(loaded.loaded, readStore(store), { skipStripe: true, env: {} });
          return { count: seen.length, grouped: seen.filter((s) => /GROUP BY/.test(s)).length, plan };
        } finally {
          await store.close();
        }
      };
      const small = await statements();
      for (let i = 0; i < 20; i++) writeExtraTier(cwd, i);
      expect((await run('apply', '--auto-approve')).code).toBe(0);
      for (let i = 0; i < 20; i++) await subscribe(`extra_${i}`, 1);
      editTierFile(cwd, 'extra_7.yaml', 'users: 1', 'users: 0');
      const large = await statements();
      expect(large.count).toBe(small.count);
      expect(large.grouped).toBe(1);
      const extra = (large.plan.changes as TierChangeWithImpact[]).find((c) => c.tier === 'extra_7');
      expect(extra?.impact).toEqual({ subscribers: 1, effect: 'reduces', reduces: ['limits.users: 1 → 0'], extends: [] });
    });
  });
}

/** Writes tiers/extra_<i>.yaml: a small exempt tier with one limit. */
function writeExtraTier(cwd: string, i: number): void {
  writeFileSync(path.join(cwd, 'tiers', `extra_${i}.yaml`), `key: extra_${i}\nname: Extra ${i}\nbilling: { provider: exempt }\nlimits: { users: 1 }\n`);
}

describe('plan --against (no database)', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = workdirWithTiers();
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'tiers');
    editTierFile(cwd, 'professional.yaml', 'users: 3,', 'users: 2,');
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('classifies the changes but says subscriber counts are unavailable instead of showing zero', async () => {
    const json = await runMain(['plan', '--against', 'HEAD', '--skip-stripe', '--format', 'json'], { cwd });
    const plan = JSON.parse(json.stdout) as Plan;
    expect(plan.subscriber_counts).toEqual({ counted: false, reason: 'plan --against compares files with files; subscribers live in the database' });
    expect((plan.changes[0] as TierChangeWithImpact).impact).toEqual({ effect: 'reduces', reduces: ['limits.users: 3 → 2'], extends: [] });

    const text = (await runMain(['plan', '--against', 'HEAD', '--skip-stripe'], { cwd })).stdout;
    expect(text).toContain('Impact on subscribers (subscriber counts unavailable: plan --against compares files with files; subscribers live in the database):');
    expect(text).toContain('  ! tier professional · reduces: limits.users: 3 → 2');
    expect(text).not.toMatch(/0 subscribers/);

    const md = (await runMain(['plan', '--against', 'HEAD', '--skip-stripe', '--format', 'markdown'], { cwd })).stdout;
    expect(md).toContain('| professional | n/a | **reduces**: limits.users: 3 → 2 |');
    expect(md).toContain('**1 tier reduces what subscribers get**: **professional**. Subscriber counts unavailable here');
    const fail = await runMain(['plan', '--against', 'HEAD', '--skip-stripe', '--fail-on-reduction'], { cwd });
    expect(fail.code).toBe(3);
    expect(fail.stderr).toContain('  ! tier professional (unknown): limits.users: 3 → 2');
  });
});
