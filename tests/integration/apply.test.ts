import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appliedReference } from '../support/applied-base.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { editTierFile, workdirWithTiers } from '../support/cli.js';
import { dumpTables } from '../support/dump.js';
import { runMain } from '../support/run-main.js';
import { loadReference } from '../support/sources.js';
import { stateOf } from '../support/state.js';

const NO_STACK = /\n\s+at /;

for (const backend of BACKENDS) {
  // In the test process through main(argv, io): behaviour, exit codes and output. Real
  // processes: tests/cli/smoke.test.ts (one per command), concurrency, kill-points, faults.
  describe.skipIf(backend.skip)(`tierctl apply on ${backend.name}`, () => {
    let db: TestDatabase;
    let cwd: string;
    const run = (args: string[], env: Record<string, string> = {}) => runMain([...args, '--database', db.url], { cwd, env });
    const apply = (...extra: string[]) => run(['apply', '--auto-approve', '--skip-stripe', ...extra]);
    const edit = (file: string, from: string | RegExp, to: string) => editTierFile(cwd, file, from, to);
    const createOrganizations = () => db.sql('CREATE TABLE organization (id INTEGER PRIMARY KEY, subscription_tier_id INTEGER REFERENCES subscription_tier (id))');

    // Tests about the first apply start from an empty database; the others from a copy of
    // the reference catalog applied once (applied-base.ts), the state `apply()` would leave.
    const applied = appliedReference(backend);
    const appliedCopy = async () => {
      await db.drop();
      db = await applied.clone();
    };
    beforeEach(async () => {
      db = await backend.create();
      cwd = workdirWithTiers();
    });
    afterEach(async () => {
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it('applies the reference catalog from empty, then a second apply changes nothing and says so', async () => {
      const first = await apply();
      expect(first.stderr).not.toMatch(NO_STACK);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/Apply complete: \d+ changes applied in one transaction \(run #1\)/);
      expect((await stateOf(db.url)).catalog).toEqual(loadReference().catalog);
      const second = await apply();
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('No changes. The database already matches');
      expect((await run(['plan', '--skip-stripe', '--detailed-exitcode'])).code).toBe(0);
      const runs = await db.sql<{ status: string; actor: string | null; changes: string }>('SELECT status, actor, changes FROM reconcile_run ORDER BY id');
      expect(runs.map((r) => r.status)).toEqual(['applied', 'no-op']);
    });

    it('updates, renames (keeping the row and its subscribers), retires', async () => {
      await appliedCopy();
      await createOrganizations();
      const [hobbyist] = await db.sql<{ id: number }>(`SELECT id FROM subscription_tier WHERE "key" = 'hobbyist'`);
      await db.sql(`INSERT INTO organization (id, subscription_tier_id) VALUES (1, ${Number(hobbyist?.id)})`);

      edit('hobbyist.yaml', 'key: hobbyist', 'key: hobby_plus\nrenamed_from: [hobbyist]');
      edit('hobbyist.yaml', 'name: Hobbyist', 'name: Hobby Plus');
      edit('business.yaml', 'display_order: 40', 'display_order: 40\nstatus: retired');
      const plan = await run(['plan', '--skip-stripe', '--format', 'json']);
      const changes = (JSON.parse(plan.stdout) as { changes: { action: string; tier?: string }[] }).changes.map((c) => `${c.action}:${c.tier}`);
      expect(changes).toEqual(['rename:hobby_plus', 'update:hobby_plus', 'retire:business']);

      expect((await apply()).code).toBe(0);
      const [renamed] = await db.sql<{ id: number; name: string }>(`SELECT id, name FROM subscription_tier WHERE "key" = 'hobby_plus'`);
      expect(Number(renamed?.id)).toBe(Number(hobbyist?.id));
      expect(renamed?.name).toBe('Hobby Plus');
      const [org] = await db.sql<{ subscription_tier_id: number }>('SELECT subscription_tier_id FROM organization WHERE id = 1');
      expect(Number(org?.subscription_tier_id)).toBe(Number(hobbyist?.id));
      const [business] = await db.sql<{ status: string }>(`SELECT status FROM subscription_tier WHERE "key" = 'business'`);
      expect(business?.status).toBe('retired');
    });

    it('deletes only with --allow-destroy, and never a tier with subscribers or a protected one', async () => {
      await appliedCopy();
      await createOrganizations();
      rmSync(path.join(cwd, 'tiers', 'maker.yaml'));
      const before = await dumpTables(db);
      const refused = await apply();
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain('the plan deletes tier maker');
      expect(refused.stderr).toContain('--allow-destroy');
      expect(await dumpTables(db)).toBe(before);

      const [maker] = await db.sql<{ id: number }>(`SELECT id FROM subscription_tier WHERE "key" = 'maker'`);
      await db.sql(`INSERT INTO organization (id, subscription_tier_id) VALUES (7, ${Number(maker?.id)})`);
      const blocked = await apply('--allow-destroy');
      expect(blocked.code).toBe(3);
      expect(blocked.stderr).toMatch(/tier maker: delete: 1 subscriber still on this tier/);
      await db.sql('DELETE FROM organization');

      rmSync(path.join(cwd, 'tiers', 'exempt.yaml'));
      const protectedDelete = await apply('--allow-destroy');
      expect(protectedDelete.code).toBe(3);
      expect(protectedDelete.stderr).toMatch(/tier exempt: delete: the tier is protected/);
      expect(await dumpTables(db)).toBe(before);

      writeFileSync(path.join(cwd, 'tiers', 'exempt.yaml'), readFileSync(path.join(__dirname, '../../tiers/exempt.yaml')));
      const destroyed = await apply('--allow-destroy');
      expect(destroyed.code).toBe(0);
      expect(await db.sql(`SELECT id FROM subscription_tier WHERE "key" = 'maker'`)).toEqual([]);
      expect(await db.sql(`SELECT * FROM tier_billing_key WHERE "key" = 'prod_MakerWhop01'`)).toEqual([]);
    });

    it('refuses a stale saved plan with exit 4, says what changed, and touches nothing', async () => {
      await appliedCopy();
      edit('essential.yaml', 'name: Essential', 'name: Essential Plus');
      const planned = await run(['plan', '--skip-stripe', '--out', 'plan.json']);
      expect(planned.code).toBe(0);
      await db.sql(`UPDATE subscription_tier SET description = 'changed by hand' WHERE "key" = 'business'`);
      const before = await dumpTables(db);
      const stale = await run(['apply', 'plan.json', '--skip-stripe']);
      expect(stale.code).toBe(4);
      expect(stale.stderr).toContain('the database changed since this plan was made');
      expect(stale.stderr).toContain('tier:business was changed');
      expect(stale.stderr).not.toMatch(NO_STACK);
      expect(await dumpTables(db)).toBe(before);
    });

    it('applies a saved plan without asking, exactly as planned', async () => {
      expect((await run(['plan', '--skip-stripe', '--out', 'plan.json'])).code).toBe(0);
      const applied = await run(['apply', 'plan.json', '--skip-stripe']);
      expect(applied.code).toBe(0);
      expect((await stateOf(db.url)).catalog).toEqual(loadReference().catalog);
      const [runRow] = await db.sql<{ plan_fingerprint: string; base_fingerprint: string; result_fingerprint: string }>('SELECT plan_fingerprint, base_fingerprint, result_fingerprint FROM reconcile_run');
      const plan = JSON.parse(readFileSync(path.join(cwd, 'plan.json'), 'utf8')) as { base_fingerprint: string; desired_fingerprint: string };
      expect(runRow?.base_fingerprint).toBe(plan.base_fingerprint);
      expect(runRow?.result_fingerprint).toBe(plan.desired_fingerprint);
    });

    it('leaves the database exactly as before when the Nth write statement fails', async () => {
      await appliedCopy();
      await createOrganizations();
      edit('essential.yaml', 'name: Essential', 'name: Essential Plus');
      edit('business.yaml', 'users: 10', 'users: 12');
      rmSync(path.join(cwd, 'tiers', 'maker.yaml'));
      writeFileSync(path.join(cwd, 'tiers', 'team.yaml'), readFileSync(path.join(cwd, 'tiers', 'hobbyist.yaml'), 'utf8').replace(/hobbyist/g, 'team').replace('Hobbyist', 'Team'));
      const before = await dumpTables(db);
      // Fail at every write statement in turn until N passes the last one and the apply goes through.
      let n = 1;
      for (;; n++) {
        const r = await run(['apply', '--auto-approve', '--skip-stripe', '--allow-destroy'], { TIERCTL_TEST_FAIL_AT_STATEMENT: String(n) });
        expect(r.stderr).not.toMatch(NO_STACK);
        if (r.code === 0) break;
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`injected fault at write statement ${n}`);
        expect(await dumpTables(db)).toBe(before);
        expect(n).toBeLessThan(50);
      }
      expect(n).toBeGreaterThan(5);
      expect(await dumpTables(db)).not.toBe(before);
      expect((await run(['plan', '--skip-stripe', '--detailed-exitcode'])).code).toBe(0);
    });

    it('two applies started at the same moment: one applies, the other waits and finds nothing to do or refuses as stale', async () => {
      const [a, b] = await Promise.all([apply('--lock-timeout', '20000'), apply('--lock-timeout', '20000')]);
      const codes = [a.code, b.code].sort();
      expect(codes[0]).toBe(0);
      expect([0, 4]).toContain(codes[1]);
      for (const r of [a, b]) expect(r.stderr).not.toMatch(NO_STACK);
      const runs = await db.sql<{ status: string }>('SELECT status FROM reconcile_run ORDER BY id');
      expect(runs.filter((r) => r.status === 'applied')).toHaveLength(1);
      expect((await stateOf(db.url)).catalog).toEqual(loadReference().catalog);
    });

    it('tells drift (a manual UPDATE) apart from file changes', async () => {
      await appliedCopy();
      const clean = await run(['drift']);
      expect(clean.code).toBe(0);
      expect(clean.stdout).toContain('No drift');
      await db.sql(`UPDATE subscription_tier SET name = 'Hacked' WHERE "key" = 'professional'`);
      const drift = await run(['drift']);
      expect(drift.code).toBe(2);
      expect(drift.stdout).toContain('name: "Professional" → "Hacked"');
      const plan = await run(['plan', '--skip-stripe', '--format', 'json']);
      const parsed = JSON.parse(plan.stdout) as { drift?: { changes: { kind: string; action: string; tier: string; fields: Record<string, unknown> }[] }; changes: unknown[] };
      // Structured, no English: what the run left (before) and what is there now (after).
      expect(parsed.drift?.changes).toEqual([{ kind: 'tier', action: 'update', tier: 'professional', fields: { name: { before: 'Professional', after: 'Hacked' } } }]);
      expect(parsed.changes).toHaveLength(1);
      edit('essential.yaml', 'name: Essential', 'name: Essential Plus');
      const both = await run(['plan', '--skip-stripe']);
      expect(both.stdout).toContain('drift: the database was changed outside tierctl');
      expect(both.stdout).toContain('~ name: "Essential" → "Essential Plus"');
    });
  });
}
