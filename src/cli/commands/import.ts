import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TierctlError, type Outcome } from '../../errors.js';
import { renderCatalogFiles } from '../../catalog/write-catalog-files.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { openStore, withStore } from '../shared.js';

/** Adopting tierctl on a live system: the database's tiers become files; planning them gives no changes. */
export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const dir = path.resolve(io.cwd, values['dir'] as string);
  const store = await openStore(values, io, { readOnly: true });
  const state = await withStore(store, async (s) => (s ? s.read((tx) => s.snapshot(tx)) : null));
  if (!state?.initialised || Object.keys(state.catalog.tiers).length === 0) {
    throw new TierctlError('the database holds no tierctl tiers to import', { hint: 'check --database / $DATABASE_URL' });
  }
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.some((f) => f.endsWith('.yaml')) && values['force'] !== true) {
    throw new TierctlError(`${values['dir'] as string} already holds tier files`, { hint: 'import into an empty directory, or pass --force to overwrite' });
  }
  await mkdir(dir, { recursive: true });
  const files = renderCatalogFiles(state.catalog);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  io.out(`Imported ${Object.keys(state.catalog.tiers).length} tiers and ${Object.keys(state.catalog.permissions).length} permissions into ${values['dir'] as string}/\n`);
  return 'ok';
}
