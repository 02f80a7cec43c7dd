import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/apply/apply-plan.js';
import { readAndPlan, readStore } from '../../src/plan/read-and-plan.js';
import { StaleError } from '../../src/errors.js';
import { catalogFingerprint } from '../../src/plan/fingerprint.js';
import type { Plan } from '../../src/plan/plan-schema.js';
import { projectChanges } from '../../src/plan/project-changes.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { appliedReference } from '../support/applied-base.js';
import { editTierFile, workdirWithTiers } from '../support/cli.js';
import { dumpTables } from '../support/dump.js';
import { runMain } from '../support/run-main.js';
import { loadReference } from '../support/sources.js';
import { openStoreAt, stateOf } from '../support/state.js';

/**
 * Issue 15 items 1 and 2: apply trusts nothing in a plan file that it has not checked
 * under its own lock (subscriber counts, protected flags, the changes themselves), and
 * reads plan files as untrusted input.
 */
for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`apply re-checks the plan under its lock on ${backend.name}`, () => {
    const base = appliedReference(backend);
    let db: TestDatabase;
    let cwd: string;
    const run = (args: string[]) => runMain([...args, '--database', db.url], { cwd });
    const planFile = () => path.join(cwd, 'plan.json');
    const readPlan = () => JSON.parse(readFileSync(planFile(), 'utf8')) as Plan;
    const tierId = async (key: string) => Number((await db.sql<{ id: number }>(`SELECT id FROM subscription_tier WHERE "key" = '${key}'`))[0]?.id);
    const join = async (orgId: number, key: string) => db.sql(`INSERT INTO organization (id, subscription_tier_id) VALUES (${orgId}, ${await tierId(key)})`);

    beforeEach(async () => {
      // The reference catalog applied (once per file, copied per test: appliedReference).
      db = await base.clone();
      cwd = workdirWithTiers();
      await db.sql('CREATE TABLE organization (id INTEGER PRIMARY KEY, subscription_tier_id INTEGER)');
    });
    afterEach(async () => {
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it('refuses (exit 4) a saved plan that deletes a tier which gained a subscriber after planning', async () => {
      rmSync(path.join(cwd, 'tiers', 'maker.yaml'));
      expect((await run(['plan', '--skip-stripe', '--out', 'plan.json'])).code).toBe(0);
      expect(readPlan().changes.find((c) => c.kind === 'tier' && c.action === 'delete')).toMatchObject({ tier: 'maker', impact: { subscribers: 0 } });
      await join(1, 'maker');
      const before = await dumpTables(db);
      const applied = await run(['apply', 'plan.json', '--skip-stripe', '--allow-destroy']);
      expect(applied.stderr).toContain('tier maker (planned to delete) gained 1 subscriber since the plan: 0 → 1');
      expect(applied.code).toBe(4);
      expect(await dumpTables(db)).toBe(before);
    });

    it('refuses (exit 4) a saved plan that retires a tier whose subscriber count moved', async () => {
      await join(1, 'business');
      editTierFile(cwd, 'business.yaml', 'display_order: 40', 'display_order: 40\nstatus: retired');
      expect((await run(['plan', '--skip-stripe', '--out', 'plan.json'])).code).toBe(0);
      expect(readPlan().changes.find((c) => c.kind === 'tier' && c.action === 'retire')).toMatchObject({ tier: 'business', impact: { subscribers: 1 } });
      await join(2, 'business');
      const applied = await run(['apply', 'plan.json', '--skip-stripe']);
      expect(applied.stderr).toContain('tier business (planned to retire) gained 1 subscriber since the plan: 1 → 2');
      expect(applied.code).toBe(4);
    });

    it('a plan made in-process counts subscribers again under the lock (readAndPlan, then a subscriber joins, then applyPlan)', async () => {
      rmSync(path.join(cwd, 'tiers', 'maker.yaml'));
      const loaded = loadReference();
      delete (loaded.catalog.tiers as Record<string, unknown>)['maker'];
      const d = await openStoreAt(db.url, { ...(loaded.subscribers ? { subscribers: loaded.subscribers } : {}) });
      try {
        const plan = await readAndPlan(loaded, readStore(d), { skipStripe: true, env: {} });
        await join(1, 'maker');
        const applying = applyPlan(d, plan, { allowDestroy: true, lockTimeoutMs: 5000, toolVersion: 'test', actor: null, gitSha: null });
        await expect(applying).rejects.toThrow(StaleError);
        await expect(applying).rejects.toThrow(/tier maker \(planned to delete\) gained 1 subscriber/);
      } finally {
        await d.close();
      }
      expect(await tierId('maker')).toBeGreaterThan(0);
    });

    it('refuses (exit 1) a tampered plan that deletes a protected tier, even with a matching desired fingerprint', async () => {
      expect((await run(['plan', '--skip-stripe', '--out', 'plan.json'])).code).toBe(0);
      const plan = readPlan();
      const base = (await stateOf(db.url)).catalog;
      const exempt = base.tiers['exempt'];
      expect(exempt?.protected).toBe(true);
      plan.changes.push({ kind: 'tier', action: 'delete', tier: 'exempt', before: exempt! });
      plan.desired_fingerprint = catalogFingerprint(projectChanges(base, plan.changes));
      writeFileSync(planFile(), JSON.stringify(plan));
      const before = await dumpTables(db);
      const applied = await run(['apply', 'plan.json', '--skip-stripe', '--allow-destroy']);
      expect(applied.stderr).toContain('the plan file does not match what it claims');
      expect(applied.stderr).toContain('tier exempt');
      expect(applied.code).toBe(1);
      expect(await dumpTables(db)).toBe(before);
    });

    it('refuses (exit 1) a plan whose blocked entry was moved into its changes (a subscribed tier deleted)', async () => {
      await join(1, 'maker');
      rmSync(path.join(cwd, 'tiers', 'maker.yaml'));
      expect((await run(['plan', '--skip-stripe', '--out', 'plan.json'])).code).toBe(0);
      const plan = readPlan();
      expect(plan.blocked).toMatchObject([{ tier: 'maker', action: 'delete' }]);
      const base = (await stateOf(db.url)).catalog;
      plan.blocked = [];
      plan.changes.push({ kind: 'tier', action: 'delete', tier: 'maker', before: base.tiers['maker']! });
      plan.desired_fingerprint = catalogFingerprint(projectChanges(base, plan.changes));
      writeFileSync(planFile(), JSON.stringify(plan));
      const applied = await run(['apply', 'plan.json', '--skip-stripe', '--allow-destroy']);
      expect(applied.stderr).toContain('the plan file does not match what it claims');
      expect(applied.code).toBe(1);
      expect(await tierId('maker')).toBeGreaterThan(0);
    });

    it('refuses (exit 1) a plan edited to count subscribers nowhere, when catalog.yaml names the table', async () => {
      await join(1, 'maker');
      rmSync(path.join(cwd, 'tiers', 'maker.yaml'));
      expect((await run(['plan', '--skip-stripe', '--out', 'plan.json'])).code).toBe(0);
      const plan = readPlan();
      const base = (await stateOf(db.url)).catalog;
      plan.subscribers = null;
      plan.blocked = [];
      plan.changes.push({ kind: 'tier', action: 'delete', tier: 'maker', before: base.tiers['maker']! });
      plan.desired_fingerprint = catalogFingerprint(projectChanges(base, plan.changes));
      writeFileSync(planFile(), JSON.stringify(plan));
      const applied = await run(['apply', 'plan.json', '--skip-stripe', '--allow-destroy']);
      expect(applied.stderr).toContain('the plan file does not match what it claims: it counts subscribers in no table');
      expect(applied.code).toBe(1);
      expect(await tierId('maker')).toBeGreaterThan(0);
    });

    it('refuses (exit 1) a plan whose changes were edited (an update that is not what its desired state gives)', async () => {
      editTierFile(cwd, 'essential.yaml', 'name: Essential', 'name: Essential Plus');
      expect((await run(['plan', '--skip-stripe', '--out', 'plan.json'])).code).toBe(0);
      const plan = readPlan();
      const update = plan.changes.find((c) => c.kind === 'tier' && c.action === 'update');
      if (update?.kind !== 'tier' || update.action !== 'update') throw new Error('no update in the plan');
      update.fields.protected = { before: false, after: true };
      writeFileSync(planFile(), JSON.stringify(plan));
      const applied = await run(['apply', 'plan.json', '--skip-stripe']);
      expect(applied.stderr).toContain('the plan file does not match what it claims');
      expect(applied.code).toBe(1);
    });
  });
}

describe('plan files are untrusted input', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = workdirWithTiers();
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  const apply = (file: string) => runMain(['apply', file, '--skip-stripe', '--database', `sqlite:${path.join(cwd, 'db.sqlite')}`], { cwd });

  it('refuses a FIFO at once instead of blocking on open', async () => {
    execFileSync('mkfifo', [path.join(cwd, 'plan.fifo')]);
    const r = await apply('plan.fifo');
    expect(r.stderr).toContain('not a regular file');
    expect(r.code).toBe(1);
  }, 10_000);

  it('refuses a directory and a device', async () => {
    mkdirSync(path.join(cwd, 'plan.d'));
    const dir = await apply('plan.d');
    expect(dir.stderr).toContain('it is a directory');
    expect(dir.code).toBe(1);
    const device = await apply('/dev/zero');
    expect(device.stderr).toContain('not a regular file');
    expect(device.code).toBe(1);
  }, 10_000);

  it('refuses a plan file over 64 MiB without reading it', async () => {
    const big = path.join(cwd, 'big.json');
    writeFileSync(big, '');
    truncateSync(big, 64 * 1024 * 1024 + 1);
    const r = await apply('big.json');
    expect(r.stderr).toContain('over the 64 MiB limit for plan files');
    expect(r.code).toBe(1);
  });
});
