import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TierctlError, type Outcome } from '../../errors.js';
import { CATALOG_FILE_NAME } from '../../catalog/load-catalog.js';
import { readStorageOnly } from '../../catalog/read-storage.js';
import { renderCatalogFiles, type SchemaRefs } from '../../catalog/write-catalog-files.js';
import { RESERVED_TIER_KEYS } from '../../catalog/rules.js';
import { NAME_PATTERN, PLATFORM_CODE_PATTERN, TIER_KEY_PATTERN } from '../../catalog/schemas.js';
import { visible } from '../../render/visible.js';
import { schemaDirFor } from '../../init/schema-location.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { openStore, withStore } from '../shared.js';
import { importLookupKeys } from '../../billing/import-lookup-keys.js';
import { stripeIdColumns } from '../../plan/resolve-stripe-ids.js';

const TIER_KEY = new RegExp(TIER_KEY_PATTERN);
const NAME = new RegExp(NAME_PATTERN);
const PLATFORM_CODE = new RegExp(PLATFORM_CODE_PATTERN);

/**
 * Adopting tierctl on a live system: the database's tiers become files; planning them gives
 * no changes. With catalog.yaml's storage: in --dir, the app's own tables are read through
 * it, and catalog.yaml is kept as written (permissions and limits filled in).
 */
export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const shownDir = values['dir'] as string;
  const dir = path.resolve(io.cwd, shownDir);
  const app = readStorageOnly(shownDir, io.cwd);
  const store = await openStore(values, io, { readOnly: true, app });
  const state = await withStore(store, async (s) => (s ? s.read((tx) => s.snapshot(tx)) : null));
  if (!state?.initialised || Object.keys(state.catalog.tiers).length === 0) {
    const where = app?.storage ? `${app.storage.description.tier.table} (catalog.yaml storage:)` : 'tierctl\'s tables';
    throw new TierctlError(`the database holds no tiers to import in ${where}`, { hint: 'check --database / $DATABASE_URL' });
  }
  // Every name that becomes a path is a database value: check them all before writing anything.
  for (const [ref, t] of Object.entries(state.catalog.tiers)) checkTierKey(t.key, t.platform, ref, state.tierIds);
  // Permission and limit names become YAML keys: import only what validate will accept back.
  for (const name of Object.keys(state.catalog.permissions)) checkName(name, 'permission');
  for (const t of Object.values(state.catalog.tiers)) for (const name of Object.keys(t.limits)) checkName(name, `limit of tier "${t.key}"`);
  // A table with Stripe price IDs but no lookup keys: the keys come from Stripe (before anything is written).
  const stripeIds = app?.storage ? stripeIdColumns(app.storage.description) : null;
  const catalog = stripeIds && !stripeIds.keepsKeys ? await importLookupKeys(state.catalog, stripeIds, io.env) : state.catalog;
  const existing = await readdir(dir).catch(() => [] as string[]);
  // catalog.yaml with storage: is the description import reads through; anything else is overwritten only with --force.
  if (existing.some((f) => f.endsWith('.yaml') && !(app && f === CATALOG_FILE_NAME)) && values['force'] !== true) {
    throw new TierctlError(`${shownDir} already holds tier files`, { hint: 'import into a directory holding only catalog.yaml (or nothing), or pass --force to overwrite' });
  }
  await mkdir(dir, { recursive: true });
  const catalogText = app ? await readFile(path.join(dir, CATALOG_FILE_NAME), 'utf8') : null;
  const files = renderCatalogFiles(catalog, {
    schemaRefs: schemaRefs(dir, io.cwd),
    stored: app?.storage?.stored ?? null,
    catalogText,
    // With an app platform table, that table is the vocabulary: catalog.yaml declares none.
    declarePlatforms: app?.storage?.description.tier.platform?.kind !== 'table',
  });
  for (const name of Object.keys(files)) checkInside(name, dir);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  const permissions = Object.keys(state.catalog.permissions).length || new Set(Object.values(state.catalog.tiers).flatMap((t) => t.permissions)).size;
  io.out(`Imported ${Object.keys(state.catalog.tiers).length} tiers and ${permissions} permissions into ${shownDir}/\n`);
  return 'ok';
}

/**
 * A tier file is named after its key, and the key comes from a row anyone with database
 * access could have written (`../.github/workflows/ci`, `a/b`, `catalog`). Only keys the
 * loader would accept become file names, and the path must stay directly inside --dir.
 */
function checkTierKey(key: string, platform: string | undefined, ref: string, tierIds: Readonly<Record<string, number>>): void {
  const row = Object.hasOwn(tierIds, ref) ? ` (subscription_tier id ${tierIds[ref]})` : '';
  // A platform code is part of a file name too (key@platform.yaml).
  if (platform !== undefined && !PLATFORM_CODE.test(platform)) {
    throw new TierctlError(`the database holds a tier on platform ${JSON.stringify(visible(platform))}${row}, which is not a valid platform code; nothing was imported`, {
      hint: 'rename that platform in the database to 1-32 lowercase letters, digits, _ or - (starting with a letter), then import again',
    });
  }
  if (TIER_KEY.test(key) && !RESERVED_TIER_KEYS.has(key)) return;
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

/** The `$schema` references init writes, so both point at a path that exists in the user's repository. */
function schemaRefs(dir: string, cwd: string): SchemaRefs {
  const schemaDir = schemaDirFor(dir, cwd);
  return { tier: `${schemaDir}/tier.schema.json`, catalog: `${schemaDir}/catalog.schema.json` };
}
