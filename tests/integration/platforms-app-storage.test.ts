import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { loadCatalogDir } from '../../src/catalog/read-catalog-dir.js';
import { resolveDatabase } from '../../src/state/database-url.js';
import { openAppStore } from '../../src/store/open-app-store.js';
import { runMain } from '../support/run-main.js';
import { writeTierDir } from '../support/cli.js';

/**
 * Platforms in an app's own tier table (catalog.yaml storage:): the tier row holds the id of
 * the app's platform row, found by the tier file's code (`platforms.code` -> `platforms.id`).
 * The app's platform table is the vocabulary: a code it lacks is refused at plan time at the
 * tier file's line. Tables are made and read with plain SQL.
 */
const CATALOG = `permissions:
  orders.view: View orders
  points.earn: Earn points
limits:
  orders: { description: Orders per month }
storage:
  tiers:
    table: app_tiers
    key: code
    id: id
    platform: { column: platform_id, table: platforms, id: id, code: code }
    columns:
      name: name
      features: { permissions: array }
      orders_limit: { limit: orders }
`;
const FILES: Record<string, string> = {
  'essential.yaml': 'key: essential\nname: Essential\nlimits: { orders: 100 }\npermissions: [orders.view]\n',
  'essential@loyalty.yaml': 'key: essential\nplatform: loyalty\nname: Essential Loyalty\nlimits: { orders: 50 }\npermissions: [orders.view, points.earn]\n',
};

function schema(backend: 'sqlite' | 'postgres'): string[] {
  const id = backend === 'postgres' ? 'SERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY';
  const json = backend === 'postgres' ? 'JSON' : 'TEXT';
  return [
    `CREATE TABLE platforms (id ${id}, code VARCHAR(30) NOT NULL UNIQUE, name VARCHAR(100) NOT NULL)`,
    `CREATE TABLE app_tiers (id ${id}, code VARCHAR(30) NOT NULL, platform_id INTEGER NULL REFERENCES platforms (id), name VARCHAR(100) NOT NULL, features ${json} NULL, orders_limit INTEGER NULL)`,
    "INSERT INTO platforms (code, name) VALUES ('oms', 'OMS')",
    "INSERT INTO platforms (code, name) VALUES ('loyalty', 'Loyalty')",
  ];
}

function writeTiers(cwd: string, files: Record<string, string>): void {
  writeTierDir(cwd, CATALOG, files);
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`platforms through the app's platform table on ${backend.name}`, () => {
    let db: TestDatabase;
    let cwd: string;
    const run = (args: string[], dir = cwd) => runMain([...args, '--database', db.url], { cwd: dir });
    beforeAll(async () => {
      db = await backend.create();
      for (const sql of schema(backend.name)) await db.sql(sql);
      cwd = mkdtempSync(path.join(tmpdir(), 'tierctl-app-platforms-'));
      writeTiers(cwd, FILES);
    });
    afterAll(async () => {
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it('writes the platform row id for a platform tier and NULL for a global one, then plans no changes', async () => {
      const r = await run(['apply', '--auto-approve', '--skip-stripe']);
      expect(r.code, r.stderr).toBe(0);
      const rows = await db.sql<{ code: string; platform: string | null; name: string; orders_limit: number }>(
        'SELECT t.code, p.code AS platform, t.name, t.orders_limit FROM app_tiers t LEFT JOIN platforms p ON p.id = t.platform_id ORDER BY t.orders_limit',
      );
      expect(rows.map((row) => ({ ...row, orders_limit: Number(row.orders_limit) }))).toEqual([
        { code: 'essential', platform: 'loyalty', name: 'Essential Loyalty', orders_limit: 50 },
        { code: 'essential', platform: null, name: 'Essential', orders_limit: 100 },
      ]);
      const plan = await run(['plan', '--skip-stripe', '--detailed-exitcode']);
      expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    });

    it('reads the app\'s platform table in one statement, and never writes it', async () => {
      const loaded = await loadCatalogDir('tiers', cwd);
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
      const statements: string[] = [];
      const store = await openAppStore(resolveDatabase(db.url, {}, cwd), loaded.loaded, { onStatement: (sql) => void statements.push(sql) });
      try {
        statements.length = 0;
        const snapshot = await store.read((tx) => store.snapshot(tx));
        expect(snapshot.platforms).toEqual(['loyalty', 'oms']);
        expect(statements.filter((sql) => /FROM [`"]?platforms[`"]?\b/.test(sql))).toHaveLength(1);
      } finally {
        await store.close();
      }
      expect(await db.sql('SELECT id, code, name FROM platforms ORDER BY id')).toEqual([{ id: 1, code: 'oms', name: 'OMS' }, { id: 2, code: 'loyalty', name: 'Loyalty' }]);
    });

    it('refuses a platform code the app\'s platform table lacks, at the tier file\'s line, writing nothing', async () => {
      writeTiers(cwd, { ...FILES, 'pro@loyality.yaml': 'key: pro\nplatform: loyality\nname: Pro\nlimits: { orders: 500 }\n' });
      try {
        const before = await db.sql('SELECT * FROM app_tiers ORDER BY id');
        for (const command of [['plan', '--skip-stripe'], ['apply', '--auto-approve', '--skip-stripe']]) {
          const r = await run(command);
          expect(r.code).toBe(1);
          expect(r.stderr).toContain(`${path.join('tiers', 'pro@loyality.yaml')}:2:11: platform "loyality" is not in the app's platform table platforms`);
          expect(r.stderr).toContain('did you mean "loyalty"?');
          expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
        }
        expect(await db.sql('SELECT * FROM app_tiers ORDER BY id')).toEqual(before);
      } finally {
        writeTiers(cwd, FILES);
      }
    });

    it('imports through the platform table: key@platform.yaml files, no platforms: declared, plan 0 changes', async () => {
      const target = mkdtempSync(path.join(tmpdir(), 'tierctl-app-import-'));
      try {
        mkdirSync(path.join(target, 'tiers'));
        writeFileSync(path.join(target, 'tiers', 'catalog.yaml'), CATALOG);
        const r = await runMain(['import', '--database', db.url, '--dir', 'tiers'], { cwd: target });
        expect(r.code, r.stderr).toBe(0);
        expect(readdirSync(path.join(target, 'tiers')).sort()).toEqual(['catalog.yaml', 'essential.yaml', 'essential@loyalty.yaml']);
        expect(readFileSync(path.join(target, 'tiers', 'essential@loyalty.yaml'), 'utf8')).toContain('platform: loyalty');
        expect(readFileSync(path.join(target, 'tiers', 'catalog.yaml'), 'utf8')).not.toContain('platforms:');
        const plan = await runMain(['plan', '--database', db.url, '--skip-stripe', '--detailed-exitcode'], { cwd: target });
        expect(plan.code, plan.stdout + plan.stderr).toBe(0);
      } finally {
        rmSync(target, { recursive: true, force: true });
      }
    });
  });
}
