import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { workdirWithTiers } from '../support/cli.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { appliedReference } from '../support/applied-base.js';
import { runMain } from '../support/run-main.js';
import { CATALOG_YAML, src, tierYaml } from '../support/sources.js';

/**
 * Issue 15 item 3: `import` turned a tier key read from the database into a file name
 * unchecked; a row keyed `../.github/workflows/ci` overwrote that workflow. Rows are
 * inserted with plain SQL, as anyone with database access could.
 */
const WORKFLOW = 'name: ci\non: push\n';

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`import of hostile tier keys on ${backend.name}`, () => {
    const base = appliedReference(backend);
    let db: TestDatabase;
    let cwd: string;
    beforeEach(async () => {
      // The reference catalog applied (once per file, copied per test: appliedReference).
      db = await base.clone();
      cwd = workdirWithTiers();
      mkdirSync(path.join(cwd, '.github', 'workflows'), { recursive: true });
      writeFileSync(path.join(cwd, '.github', 'workflows', 'ci.yaml'), WORKFLOW);
    });
    afterEach(async () => {
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it.each([
      ['../.github/workflows/ci', /the database holds a tier keyed "\.\.\/\.github\/workflows\/ci" \(subscription_tier id \d+\), which is not a valid tier key; nothing was imported/],
      ['catalog', /the database holds a tier keyed "catalog" \(subscription_tier id \d+\), which is reserved/],
      ['a/b', /the database holds a tier keyed "a\/b" \(subscription_tier id \d+\), which is not a valid tier key/],
    ])('refuses a row keyed %j, names it, and writes nothing anywhere', async (key, message) => {
      await db.sql(`INSERT INTO subscription_tier ("key", name, billing_provider, created_at, updated_at) VALUES ($1, 'Hostile', 'exempt', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, [key]);
      const before = readdirSync(cwd).sort();
      const r = await runMain(['import', '--dir', 'imported', '--database', db.url], { cwd });
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain('internal problem');
      expect(readFileSync(path.join(cwd, '.github', 'workflows', 'ci.yaml'), 'utf8')).toBe(WORKFLOW);
      expect(existsSync(path.join(cwd, 'imported'))).toBe(false);
      expect(readdirSync(cwd).sort()).toEqual(before);
    });

    it('with --force over the tier directory, refuses before touching catalog.yaml', async () => {
      await db.sql(`INSERT INTO subscription_tier ("key", name, billing_provider, created_at, updated_at) VALUES ('catalog', 'Hostile', 'exempt', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`);
      const catalog = readFileSync(path.join(cwd, 'tiers', 'catalog.yaml'), 'utf8');
      const r = await runMain(['import', '--dir', 'tiers', '--force', '--database', db.url], { cwd });
      expect(r.code).toBe(1);
      expect(readFileSync(path.join(cwd, 'tiers', 'catalog.yaml'), 'utf8')).toBe(catalog);
    });
  });
}

describe('the reserved tier key', () => {
  it('validate refuses key: catalog at its line', () => {
    const r = loadCatalog(src('tiers/catalog.yaml', CATALOG_YAML), [src('tiers/catalog2.yaml', tierYaml('catalog'))]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`)).toContain('tiers/catalog2.yaml:1:6: tier key "catalog" is reserved');
  });
});
