import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/index.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { runMain } from '../support/run-main.js';
import { writeTierDir } from '../support/cli.js';

/**
 * Platform-scoped tiers in tierctl's own tables (issue 11 part 1), through the CLI in
 * process, on SQLite and PostgreSQL; the tables are read back with plain SQL. One database
 * per backend walks the life of a catalog: the same key global and on a platform, a rename
 * within a platform, a rename across platforms refused, a platform tier deleted, drift and
 * history naming `key@platform`, import round-trip, and the runtime API with a platform.
 */
const CATALOG = `permissions:
  orders.view: View orders
  points.earn: Earn loyalty points
limits:
  users: { description: Seats }
platforms:
  loyalty: { name: Loyalty }
  oms: { name: Order management }
`;
const tier = (key: string, extra: string) => `key: ${key}\nname: ${key[0]?.toUpperCase()}${key.slice(1)}\n${extra}billing: { provider: exempt }\n`;
const FILES: Record<string, string> = {
  'essential.yaml': tier('essential', 'limits: { users: 1 }\npermissions: [orders.view]\n'),
  'essential@loyalty.yaml': tier('essential', 'platform: loyalty\ndisplay_order: 5\nlimits: { users: 3 }\npermissions: [orders.view, points.earn]\n'),
  'basic@loyalty.yaml': tier('basic', 'platform: loyalty\nlimits: { users: 2 }\npermissions: [points.earn]\n'),
};

function workdir(files: Record<string, string>): string {
  const cwd = mkdtempSync(path.join(tmpdir(), 'tierctl-platforms-'));
  writeFiles(cwd, files);
  return cwd;
}
function writeFiles(cwd: string, files: Record<string, string>): void {
  writeTierDir(cwd, CATALOG, files);
}
for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`platform-scoped tiers on ${backend.name}`, () => {
    let db: TestDatabase;
    let cwd: string;
    const run = (args: string[], dir = cwd) => runMain([...args, '--database', db.url], { cwd: dir });
    const rows = () => db.sql<{ id: number; key: string; platform: string | null; name: string }>('SELECT id, "key", platform, name FROM subscription_tier ORDER BY "key", platform');
    const planJson = async () => {
      const r = await run(['plan', '--skip-stripe', '--format', 'json']);
      expect(r.stderr).not.toMatch(/error/i);
      return JSON.parse(r.stdout) as { changes: { kind: string; action: string; tier: string; from?: string }[]; blocked: { tier: string; action: string; reason: string }[]; drift?: { changes: { tier?: string }[] } };
    };

    beforeAll(async () => {
      db = await backend.create();
      cwd = workdir(FILES);
    });
    afterAll(async () => {
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it('applies the same key globally and on a platform as two rows', async () => {
      const plan = await planJson();
      expect(plan.changes.filter((c) => c.kind === 'tier').map((c) => c.tier)).toEqual(['basic@loyalty', 'essential', 'essential@loyalty']);
      const r = await run(['apply', '--auto-approve', '--skip-stripe']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('+ tier essential@loyalty will be created');
      expect((await rows()).map(({ key, platform }) => ({ key, platform }))).toEqual([
        { key: 'basic', platform: 'loyalty' },
        { key: 'essential', platform: null },
        { key: 'essential', platform: 'loyalty' },
      ].sort((a, b) => a.key.localeCompare(b.key) || (backend.name === 'postgres' ? cmpNullsLast(a.platform, b.platform) : cmpNullsFirst(a.platform, b.platform))));
      const limits = await db.sql<{ key: string; platform: string | null; value: number | string }>('SELECT t."key", t.platform, l.value FROM tier_limit l JOIN subscription_tier t ON t.id = l.tier_id WHERE t."key" = \'essential\' ORDER BY l.value');
      expect(limits.map((l) => [l.platform, Number(l.value)])).toEqual([[null, 1], ['loyalty', 3]]);
      expect((await planJson()).changes).toEqual([]);
    });

    it('renames within a platform, keeping the row', async () => {
      const [before] = (await rows()).filter((r) => r.key === 'basic');
      const files = { ...FILES, 'plus@loyalty.yaml': FILES['basic@loyalty.yaml']!.replace('key: basic', 'key: plus').replace('name: Basic', 'name: Plus') + 'renamed_from: [basic]\n' };
      delete (files as Record<string, string | undefined>)['basic@loyalty.yaml'];
      writeFiles(cwd, files);
      const plan = await planJson();
      expect(plan.changes.map((c) => [c.action, c.tier, c.from])).toEqual([['rename', 'plus@loyalty', 'basic@loyalty'], ['update', 'plus@loyalty', undefined]]);
      const r = await run(['apply', '--auto-approve', '--skip-stripe']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('→ tier basic@loyalty will be renamed to plus@loyalty');
      const after = (await rows()).filter((row) => row.key === 'plus');
      expect(after).toEqual([{ id: before!.id, key: 'plus', platform: 'loyalty', name: 'Plus' }]);
    });

    it('refuses renamed_from that reaches across platforms, saying why, and writes nothing', async () => {
      const before = await rows();
      const files: Record<string, string> = { ...FILES, 'premium.yaml': tier('premium', 'limits: { users: 2 }\nrenamed_from: [plus]\n') };
      delete files['basic@loyalty.yaml'];
      writeFiles(cwd, files);
      const plan = await planJson();
      expect(plan.blocked).toEqual([{ tier: 'premium', action: 'rename', reason: expect.stringContaining('"plus@loyalty", which is on platform loyalty, not global') }]);
      const r = await run(['apply', '--auto-approve', '--skip-stripe', '--allow-destroy']);
      expect(r.code).toBe(3); // blocked: never applicable, whatever the flags
      expect(r.stdout + r.stderr).toContain('tier premium: rename is blocked: renamed_from names "plus@loyalty"');
      expect(await rows()).toEqual(before);
    });

    it('deletes a platform tier and leaves the global tier of the same key', async () => {
      const files: Record<string, string> = { ...FILES, 'plus@loyalty.yaml': FILES['basic@loyalty.yaml']!.replace('key: basic', 'key: plus').replace('name: Basic', 'name: Plus') };
      delete files['basic@loyalty.yaml'];
      delete files['essential@loyalty.yaml'];
      writeFiles(cwd, files);
      const r = await run(['apply', '--auto-approve', '--skip-stripe', '--allow-destroy']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('- tier essential@loyalty will be DELETED');
      expect((await rows()).map((row) => `${row.key}@${row.platform ?? ''}`).sort()).toEqual(['essential@', 'plus@loyalty']);
    });

    it('names platform tiers key@platform in drift and history', async () => {
      await db.sql(`UPDATE subscription_tier SET name = 'Changed by hand' WHERE "key" = 'plus' AND platform = 'loyalty'`);
      const plan = await planJson();
      expect(plan.drift?.changes.map((c) => c.tier)).toEqual(['plus@loyalty']);
      const text = await run(['plan', '--skip-stripe']);
      expect(text.stdout).toContain('tier plus@loyalty was changed');
      const fixed = await run(['apply', '--auto-approve', '--skip-stripe']);
      expect(fixed.code, fixed.stderr).toBe(0);
      const history = await run(['history', '--format', 'json']);
      const runs = JSON.parse(history.stdout) as { id: number }[];
      const shown = await run(['history', '--run', String(runs.at(-1)?.id ?? 1)]);
      expect(shown.stdout).toContain('essential@loyalty');
      const last = await run(['history', '--run', String(runs[0]?.id)]);
      expect(last.stdout).toContain('tier plus@loyalty');
    });

    it('imports platform tiers into key@platform.yaml files that plan to no changes', async () => {
      const target = mkdtempSync(path.join(tmpdir(), 'tierctl-import-'));
      try {
        const r = await runMain(['import', '--database', db.url, '--dir', 'tiers'], { cwd: target });
        expect(r.code, r.stderr).toBe(0);
        const names = readdirSync(path.join(target, 'tiers')).sort();
        expect(names).toEqual(['catalog.yaml', 'essential.yaml', 'plus@loyalty.yaml']);
        expect(readFileSync(path.join(target, 'tiers', 'plus@loyalty.yaml'), 'utf8')).toMatch(/^key: plus\nplatform: loyalty\n/m);
        expect(readFileSync(path.join(target, 'tiers', 'catalog.yaml'), 'utf8')).toMatch(/platforms:\n {2}loyalty:\n {4}name: loyalty/);
        const plan = await runMain(['plan', '--database', db.url, '--skip-stripe', '--format', 'json', '--detailed-exitcode'], { cwd: target });
        expect(plan.code, plan.stderr).toBe(0);
        expect((JSON.parse(plan.stdout) as { changes: unknown[] }).changes).toEqual([]);
      } finally {
        rmSync(target, { recursive: true, force: true });
      }
    });

    it('refuses to import a platform code that would leave the tier directory, writing nothing', async () => {
      const target = mkdtempSync(path.join(tmpdir(), 'tierctl-import-'));
      await db.sql(`INSERT INTO subscription_tier ("key", platform, name, billing_provider, created_at, updated_at) VALUES ('evil', '../../x', 'Evil', 'exempt', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`);
      try {
        const r = await runMain(['import', '--database', db.url, '--dir', 'tiers'], { cwd: target });
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('platform = "../../x", which is not a platform code');
        expect(readdirSync(target)).toEqual([]);
      } finally {
        await db.sql(`DELETE FROM subscription_tier WHERE "key" = 'evil'`);
        rmSync(target, { recursive: true, force: true });
      }
    });

    it('answers the runtime API by platform, falling back to the global tier of the key', async () => {
      writeFiles(cwd, FILES);
      const r = await run(['apply', '--auto-approve', '--skip-stripe', '--allow-destroy']);
      expect(r.code, r.stderr).toBe(0);
      const catalog = await openCatalog({ database: db.url });
      try {
        const scoped = catalog.tier('essential', { platform: 'loyalty' });
        expect(scoped).toMatchObject({ key: 'essential@loyalty', platform: 'loyalty', limits: { users: 3 } });
        expect(catalog.tier('essential@loyalty')).toBe(scoped);
        expect(catalog.tier('essential')).toMatchObject({ key: 'essential', platform: null });
        // No essential on oms: the global one serves it.
        expect(catalog.tier('essential', { platform: 'oms' })).toBe(catalog.tier('essential'));
        expect(catalog.can('essential', 'points.earn', { platform: 'loyalty' })).toBe(true);
        expect(catalog.can('essential', 'points.earn')).toBe(false);
        expect(catalog.limit('essential', 'users', { platform: 'loyalty' })).toBe(3);
        expect(catalog.limit('essential', 'users', { platform: 'oms' })).toBe(1);
        expect(() => catalog.limit('basic', 'users')).toThrow('unknown tier "basic"');
        expect(catalog.tiers({ platform: 'loyalty' }).map((t) => t.key)).toEqual(['basic@loyalty', 'essential@loyalty']);
        expect(catalog.tiers({ platform: 'oms' }).map((t) => t.key)).toEqual(['essential']);
        const [row] = await db.sql<{ id: number }>(`SELECT id FROM subscription_tier WHERE "key" = 'essential' AND platform = 'loyalty'`);
        expect(catalog.tierById(Number(row?.id))).toBe(scoped);
      } finally {
        await catalog.close();
      }
    });
  });
}

function cmpNullsFirst(a: string | null, b: string | null): number {
  return a === b ? 0 : a === null ? -1 : b === null ? 1 : a.localeCompare(b);
}
function cmpNullsLast(a: string | null, b: string | null): number {
  return a === b ? 0 : a === null ? 1 : b === null ? -1 : a.localeCompare(b);
}

describe('plan --against GIT_REF with platform tiers (no database)', () => {
  it('names platform tiers key@platform, a change on one leaving the global tier of the key alone', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'tierctl-against-'));
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'pipe' }).toString();
    try {
      writeFiles(cwd, FILES);
      git('init', '-q', '-b', 'main');
      git('add', '.');
      git('commit', '-qm', 'tiers');
      writeFileSync(path.join(cwd, 'tiers', 'essential@loyalty.yaml'), FILES['essential@loyalty.yaml']!.replace('users: 3', 'users: 4'));
      rmSync(path.join(cwd, 'tiers', 'basic@loyalty.yaml'));
      const r = await runMain(['plan', '--against', 'HEAD', '--skip-stripe', '--format', 'json'], { cwd });
      expect(r.code, r.stderr).toBe(0);
      const plan = JSON.parse(r.stdout) as { changes: { action: string; tier: string }[] };
      expect(plan.changes.map((c) => `${c.action} ${c.tier}`)).toEqual(['update essential@loyalty', 'delete basic@loyalty']);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
