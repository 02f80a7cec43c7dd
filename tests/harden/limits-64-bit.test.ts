import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/apply/apply-plan.js';
import { normaliseCatalog } from '../../src/catalog/model.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { createSequelizeTierStore } from '../../src/store/sequelize-tier-store.js';
import { builtinStorage } from '../../src/store/storage-description.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { workdirWithTiers } from '../support/cli.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { dumpTables } from '../support/dump.js';
import { runMain } from '../support/run-main.js';
import { loadReference } from '../support/sources.js';
import { open } from '../support/state.js';

// Issue 13 item 7: limits are 64-bit (byte quotas, monthly API calls), up to 2^53 - 1, the
// largest whole number JavaScript holds exactly; past it, a clear error at the line.
const MAX = 9007199254740991;
const BIG = 5_000_000_000_000; // 5 TB in bytes: over 2^31, under 2^53

let cwd: string;
beforeEach(() => {
  cwd = workdirWithTiers();
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const setLimit = (file: string, from: RegExp, to: string) => {
  const p = path.join(cwd, 'tiers', file);
  const text = readFileSync(p, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`edit of ${file} changed nothing`);
  writeFileSync(p, next);
};

describe('limit values in tier files', () => {
  it('accepts limits above 2,147,483,647 up to 2^53 - 1', async () => {
    setLimit('business.yaml', /users: 10,/, `users: ${BIG},`);
    setLimit('essential.yaml', /users: 1,/, `users: ${MAX},`);
    const r = await runMain(['validate'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('refuses a limit past 2^53 - 1 at its line, naming the maximum', async () => {
    setLimit('business.yaml', /users: 10,/, 'users: 9007199254740993,');
    const r = await runMain(['validate'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tiers\/business\.yaml:10:18: limits\.users is larger than 9007199254740991 \(2\^53 - 1\), the largest limit tierctl stores/m);
    expect(r.stderr).not.toContain('must be a whole number from 0 up');
  });
});

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`64-bit limits on ${backend.name}`, () => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await backend.create();
      // The reference catalog counts subscribers in the app's organization table.
      await db.sql('CREATE TABLE organization (id INTEGER PRIMARY KEY, subscription_tier_id INTEGER)');
    });
    afterEach(async () => {
      await db.drop();
    });

    it('migrate upgrades a populated 0.1.0 database: every row and named constraint kept, values past 2^31 stored and read back', async () => {
      // A 0.1.0 database: only the first migration, holding the reference catalog and an audit row.
      const initial = MIGRATIONS.filter((m) => m.name === '0001-initial-tables');
      expect(initial).toHaveLength(1);
      const old = await createSequelizeTierStore(await open(db.url), builtinStorage(), { migrations: initial });
      try {
        const loaded = loadReference();
        await applyPlan(old, buildPlan({ desired: loaded, actual: normaliseCatalog({}, []), stripe: { verified: false, keys: {} }, toolVersion: '0.1.0' }), {
          allowDestroy: false, lockTimeoutMs: 5000, toolVersion: '0.1.0', actor: 'test', gitSha: null,
        });
      } finally {
        await old.close();
      }
      // The 0.1.0 column refuses a 64-bit value (PostgreSQL INTEGER); the test would prove nothing otherwise.
      if (backend.name === 'postgres') await expect(db.sql(`UPDATE tier_limit SET value = ${BIG} WHERE limit_key = 'users'`)).rejects.toThrow(/out of range/);
      const before = normalise(await dumpTables(db));

      const migrated = await runMain(['migrate', '--database', db.url], { cwd });
      expect(migrated.stderr).toBe('');
      expect(migrated.stdout).toMatch(/^applied  0002-limits-64-bit$/m);
      expect(normalise(await dumpTables(db))).toBe(before);

      // The column is 64-bit and every constraint keeps its name.
      if (backend.name === 'postgres') {
        const [col] = await db.sql<{ data_type: string }>(`SELECT data_type FROM information_schema.columns WHERE table_name = 'tier_limit' AND column_name = 'value'`);
        expect(col?.data_type).toBe('bigint');
        const names = (await db.sql<{ conname: string }>(`SELECT conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = 'tier_limit'`)).map((r) => r.conname).sort();
        expect(names).toEqual(['ck_tier_limit_value', 'fk_tier_limit_tier', 'pk_tier_limit']);
      } else {
        const [row] = await db.sql<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE name = 'tier_limit'`);
        expect(row?.sql).toMatch(/value BIGINT NULL/);
        const names = [...(row?.sql ?? '').matchAll(/CONSTRAINT (\w+)/g)].map((m) => m[1]).sort();
        expect(names).toEqual(['ck_tier_limit_value', 'fk_tier_limit_tier', 'pk_tier_limit']);
        expect(((row?.sql ?? '').match(/(PRIMARY KEY|UNIQUE|FOREIGN KEY|CHECK) \(/g) ?? []).length).toBe(3);
      }
      // The check constraint still refuses negatives, and now values JavaScript cannot hold exactly.
      const [limit] = await db.sql<{ tier_id: number }>('SELECT tier_id FROM tier_limit LIMIT 1');
      const insert = (value: string) => db.sql(`INSERT INTO tier_limit (tier_id, limit_key, value) VALUES (${Number(limit?.tier_id)}, 'probe', ${value})`);
      await expect(insert('-1')).rejects.toThrow(/ck_tier_limit_value|CHECK constraint/);
      await expect(insert('9007199254740992')).rejects.toThrow(/ck_tier_limit_value|CHECK constraint/);

      // A limit past 2^31 applies, is stored exactly, and reads back equal (no drift, no changes).
      setLimit('business.yaml', /users: 10,/, `users: ${BIG},`);
      const applied = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', db.url], { cwd });
      expect(applied.stderr).not.toContain('internal problem');
      expect(applied.code, applied.stderr).toBe(0);
      const [stored] = await db.sql<{ value: string | number }>(`SELECT value FROM tier_limit l JOIN subscription_tier t ON t.id = l.tier_id WHERE t."key" = 'business' AND l.limit_key = 'users'`);
      expect(String(stored?.value)).toBe(String(BIG));
      expect((await runMain(['plan', '--skip-stripe', '--detailed-exitcode', '--database', db.url], { cwd })).code).toBe(0);
      expect((await runMain(['drift', '--database', db.url], { cwd })).code).toBe(0);
    });

    it('a fresh database gets the 64-bit column too', async () => {
      setLimit('business.yaml', /users: 10,/, `users: ${MAX},`);
      const applied = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', db.url], { cwd });
      expect(applied.code, applied.stderr).toBe(0);
      const [stored] = await db.sql<{ value: string | number }>(`SELECT value FROM tier_limit WHERE value > 2147483647`);
      expect(String(stored?.value)).toBe(String(MAX));
      expect((await runMain(['plan', '--skip-stripe', '--detailed-exitcode', '--database', db.url], { cwd })).code).toBe(0);
    });

    it('a stored value past 2^53 - 1 (written by hand) is refused by the reader, not rounded', async () => {
      expect((await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', db.url], { cwd })).code).toBe(0);
      // Hand-edited past the check constraint's bound: drop it first, as a careless hand would.
      if (backend.name === 'postgres') {
        await db.sql('ALTER TABLE tier_limit DROP CONSTRAINT ck_tier_limit_value');
        await db.sql(`UPDATE tier_limit SET value = 9223372036854775807 WHERE limit_key = 'users' AND tier_id = (SELECT id FROM subscription_tier WHERE "key" = 'business')`);
      } else {
        // SQLite cannot drop a CHECK; ignore_check_constraints (per connection) does the hand's job.
        const sqlite3 = (await import('sqlite3')).default;
        const file = db.url.slice('sqlite:'.length);
        await new Promise<void>((resolve, reject) => {
          const raw = new sqlite3.Database(file);
          raw.exec(`PRAGMA ignore_check_constraints = 1; UPDATE tier_limit SET value = 9223372036854775807 WHERE limit_key = 'users' AND tier_id = (SELECT id FROM subscription_tier WHERE "key" = 'business');`, (err) => raw.close(() => (err ? reject(err) : resolve())));
        });
      }
      expect(Number((await db.sql<{ n: number | string }>('SELECT COUNT(*) AS n FROM tier_limit WHERE value > 9007199254740991'))[0]?.n)).toBe(1);
      const r = await runMain(['plan', '--skip-stripe', '--database', db.url], { cwd });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/tier_limit holds 922337203685477\d+ for limit "users" \(tier "business"\), which is not a whole number from 0 to 9007199254740991 \(column value\)/);
      expect(r.stderr).not.toContain('internal problem');
    });
  });
}

/** PostgreSQL returns INTEGER as a number and BIGINT as a string: compare the values, not their JS type. */
function normalise(dump: string): string {
  const tables = JSON.parse(dump) as Record<string, Record<string, unknown>[]>;
  tables['tier_limit'] = (tables['tier_limit'] ?? []).map((r) => ({ ...r, value: r['value'] === null ? null : String(r['value']) }));
  // Migration 0003 (platforms) runs in the same migrate: every tier row gains platform NULL (global), nothing else.
  tables['subscription_tier'] = (tables['subscription_tier'] ?? []).map((r) => {
    const { platform, ...rest } = r;
    if (platform !== undefined && platform !== null) throw new Error(`a 0.1.0 tier came out of the upgrade on platform ${String(platform)}`);
    return rest;
  });
  return JSON.stringify(tables);
}
