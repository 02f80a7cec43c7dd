import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppTables } from '../support/app-schema.js';
import { ROOT } from '../support/cli.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { runMain } from '../support/run-main.js';

function workspace(example: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `tierctl-${example}-`));
  cpSync(path.join(ROOT, 'examples', example, 'tiers', 'catalog.yaml'), path.join(dir, 'tiers', 'catalog.yaml'));
  return dir;
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`examples round-trip (${backend.name})`, () => {
    let db: TestDatabase | undefined;
    let dir: string | undefined;
    afterEach(async () => {
      await db?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('batchtrack: import', async () => {
      db = await backend.create();
      await createAppTables(backend.name, db, 'batchtrack');
      dir = workspace('batchtrack');
      const env = { DATABASE_URL: db.url };
      const imported = await runMain(['import'], { cwd: dir, env });
      console.log(imported);
      for (const f of readdirSync(path.join(dir, 'tiers'))) console.log(f, readFileSync(path.join(dir, 'tiers', f), 'utf8'));
      const plan = await runMain(['plan', '--detailed-exitcode', '--skip-stripe'], { cwd: dir, env });
      console.log(plan);
    });
  });
}
