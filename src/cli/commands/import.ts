import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TierctlError, type Outcome } from '../../errors.js';
import { renderCatalogFiles } from '../../catalog/write-catalog-files.js';
import { schemaDirFor } from '../../init/schema-location.js';
import { readState } from '../../state/read-state.js';
import { withReadTransaction } from '../../state/read-transaction.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { connect, withDatabase } from '../shared.js';

/** Adopting tierctl on a live system: the database's tiers become files; planning them gives no changes. */
export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const dir = path.resolve(io.cwd, values['dir'] as string);
  const db = await connect(values, io, { readOnly: true });
  const state = await withDatabase(db, async (d) => (d ? withReadTransaction(d, (tx) => readState(d, tx)) : readState(null)));
  if (!state.initialised || Object.keys(state.catalog.tiers).length === 0) {
    throw new TierctlError('the database holds no tierctl tiers to import', { hint: 'check --database / $DATABASE_URL' });
  }
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.some((f) => f.endsWith('.yaml')) && values['force'] !== true) {
    throw new TierctlError(`${values['dir'] as string} already holds tier files`, { hint: 'import into an empty directory, or pass --force to overwrite' });
  }
  await mkdir(dir, { recursive: true });
  const files = renderCatalogFiles(state.catalog, schemaDirFor(dir, io.cwd));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  io.out(`Imported ${Object.keys(state.catalog.tiers).length} tiers and ${Object.keys(state.catalog.permissions).length} permissions into ${values['dir'] as string}/\n`);
  return 'ok';
}
