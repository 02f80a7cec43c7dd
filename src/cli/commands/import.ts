import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TierctlError, type Outcome } from '../../errors.js';
import { RESERVED_TIER_KEYS } from '../../catalog/rules.js';
import { NAME_PATTERN, TIER_KEY_PATTERN } from '../../catalog/schemas.js';
import { renderCatalogFiles } from '../../catalog/write-catalog-files.js';
import { visible } from '../../render/visible.js';
import { readState } from '../../state/read-state.js';
import { withReadTransaction } from '../../state/read-transaction.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { connect, withDatabase } from '../shared.js';

const TIER_KEY = new RegExp(TIER_KEY_PATTERN);
const NAME = new RegExp(NAME_PATTERN);

/** Adopting tierctl on a live system: the database's tiers become files; planning them gives no changes. */
export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const dir = path.resolve(io.cwd, values['dir'] as string);
  const db = await connect(values, io, { readOnly: true });
  const state = await withDatabase(db, async (d) => (d ? withReadTransaction(d, (tx) => readState(d, tx)) : readState(null)));
  if (!state.initialised || Object.keys(state.catalog.tiers).length === 0) {
    throw new TierctlError('the database holds no tierctl tiers to import', { hint: 'check --database / $DATABASE_URL' });
  }
  const files = renderCatalogFiles(state.catalog);
  // Every name that becomes a path is a database value: check them all before writing anything.
  for (const key of Object.keys(state.catalog.tiers)) checkTierKey(key, state.tierIds);
  // Permission and limit names become YAML keys: import only what validate will accept back.
  for (const name of Object.keys(state.catalog.permissions)) checkName(name, 'permission');
  for (const t of Object.values(state.catalog.tiers)) for (const name of Object.keys(t.limits)) checkName(name, `limit of tier "${t.key}"`);
  for (const name of Object.keys(files)) checkInside(name, dir);
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.some((f) => f.endsWith('.yaml')) && values['force'] !== true) {
    throw new TierctlError(`${values['dir'] as string} already holds tier files`, { hint: 'import into an empty directory, or pass --force to overwrite' });
  }
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  io.out(`Imported ${Object.keys(state.catalog.tiers).length} tiers and ${Object.keys(state.catalog.permissions).length} permissions into ${values['dir'] as string}/\n`);
  return 'ok';
}

/**
 * A tier file is named after its key, and the key comes from a row anyone with database
 * access could have written (`../.github/workflows/ci`, `a/b`, `catalog`). Only keys the
 * loader would accept become file names, and the path must stay directly inside --dir.
 */
function checkTierKey(key: string, tierIds: Readonly<Record<string, number>>): void {
  if (TIER_KEY.test(key) && !RESERVED_TIER_KEYS.has(key)) return;
  const row = Object.hasOwn(tierIds, key) ? ` (subscription_tier id ${tierIds[key]})` : '';
  throw new TierctlError(`the database holds a tier keyed ${JSON.stringify(visible(key))}${row}, which ${RESERVED_TIER_KEYS.has(key) ? 'is reserved (catalog.yaml holds the vocabulary)' : 'is not a valid tier key'}; nothing was imported`, {
    hint: 'rename that row in the database to a key of 2-32 lowercase letters, digits or _ (starting with a letter, not "catalog"), then import again',
  });
}

function checkName(name: string, what: string): void {
  if (NAME.test(name) && name !== '__proto__' && name !== 'prototype') return;
  throw new TierctlError(`the database holds a ${what} named ${JSON.stringify(visible(name))}, which is not a valid name; nothing was imported`, {
    hint: 'names are up to 64 lowercase letters, digits, _ . : or -, starting with a letter; rename that row in the database, then import again',
  });
}

function checkInside(name: string, dir: string): void {
  const target = path.resolve(dir, name);
  if (path.dirname(target) !== dir) throw new TierctlError(`refusing to write ${JSON.stringify(visible(name))} outside ${dir}; nothing was imported`);
}
