import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog, type LoadedCatalog } from '../../src/catalog/load-catalog.js';
import { emptyCatalog } from '../../src/catalog/model.js';
import { diff } from '../../src/plan/diff.js';
import { resolveDatabase } from '../../src/state/database-url.js';
import { openAppStore } from '../../src/store/open-app-store.js';
import { execScript } from '../support/app-schema.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../support/cli.js';
import { src } from '../support/sources.js';

/**
 * The app-table store keeps the port's figures (issue 10): state read in a constant number
 * of statements whatever the number of tiers, writes in batches. Counted, never timed.
 */
function paymentsCatalog(n: number): LoadedCatalog {
  const tiers = Array.from({ length: n }, (_, i) => {
    const key = `plan_${String(i).padStart(5, '0')}`;
    return src(`tiers/${key}.yaml`, `key: ${key}\nname: Plan ${i}\ndisplay_order: ${i}\nlimits: { credits_per_period: ${i}, max_products_per_batch: 1, max_api_calls_per_day: 1, requests_per_minute: 1, requests_per_hour: 1 }\npermissions: [csv_upload]\ncolumns: { price: ${i}.5, currency: USD, billing_interval: month }\n`);
  });
  const r = loadCatalog(src('tiers/catalog.yaml', readFileSync(path.join(ROOT, 'examples/payments/tiers/catalog.yaml'))), tiers);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.loaded;
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`app-table store statements (${backend.name})`, () => {
    let db: TestDatabase | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });

    async function createAndRead(n: number): Promise<{ write: number; read: number }> {
      db = await backend.create();
      await execScript(backend.name, db.url, readFileSync(path.join(ROOT, 'examples/payments', `schema.${backend.name}.sql`), 'utf8'));
      const loaded = paymentsCatalog(n);
      let statements = 0;
      const store = await openAppStore(resolveDatabase(db.url, {}, ROOT), loaded, { onStatement: () => void statements++ });
      try {
        const changes = diff({ catalog: loaded.catalog, renamedFrom: {} }, emptyCatalog()).changes;
        const written = await store.write(5000, async (tx) => (await store.apply(tx, await store.snapshot(tx), changes)).statements);
        statements = 0;
        const snapshot = await store.read((tx) => store.snapshot(tx));
        expect(Object.keys(snapshot.catalog.tiers)).toHaveLength(n);
        const read = statements;
        await db.drop();
        db = undefined;
        return { write: written, read };
      } finally {
        await store.close();
      }
    }

    it('reads the same number of statements for 3 and 450 plans, and writes them in one batch each', async () => {
      const few = await createAndRead(3);
      const many = await createAndRead(450);
      expect(many.read).toBe(few.read);
      expect(many.write).toBe(few.write);
    });
  });
}
