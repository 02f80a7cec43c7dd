import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TierctlError, type Outcome } from '../../errors.js';
import { CATALOG_FILE_NAME } from '../../catalog/load-catalog.js';
import { readStorageOnly } from '../../catalog/read-storage.js';
import { catalogSchema, tierSchema } from '../../catalog/schemas.js';
import { renderCatalogFiles, type SchemaRefs } from '../../catalog/write-catalog-files.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { openStore, withStore } from '../shared.js';

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
  const existing = await readdir(dir).catch(() => [] as string[]);
  // catalog.yaml with storage: is the description import reads through; anything else is overwritten only with --force.
  if (existing.some((f) => f.endsWith('.yaml') && !(app && f === CATALOG_FILE_NAME)) && values['force'] !== true) {
    throw new TierctlError(`${shownDir} already holds tier files`, { hint: 'import into a directory holding only catalog.yaml (or nothing), or pass --force to overwrite' });
  }
  await mkdir(dir, { recursive: true });
  const catalogText = app ? await readFile(path.join(dir, CATALOG_FILE_NAME), 'utf8') : null;
  const files = renderCatalogFiles(state.catalog, { schemaRefs: schemaRefs(dir, io.cwd), stored: app?.storage?.stored ?? null, catalogText });
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  const permissions = Object.keys(state.catalog.permissions).length || new Set(Object.values(state.catalog.tiers).flatMap((t) => t.permissions)).size;
  io.out(`Imported ${Object.keys(state.catalog.tiers).length} tiers and ${permissions} permissions into ${shownDir}/\n`);
  return 'ok';
}

/**
 * `$schema` references that resolve where the files are written: a relative path to this
 * package's schemas/ when it lives inside the project (node_modules/tierctl, or tierctl's own
 * repository), else the schemas' published URLs.
 */
function schemaRefs(dir: string, cwd: string): SchemaRefs {
  const root = packageRoot();
  const schemas = root ? path.join(root, 'schemas') : null;
  const inside = (p: string, base: string) => !path.relative(base, p).startsWith('..');
  if (schemas && existsSync(schemas) && (inside(schemas, cwd) || inside(cwd, root as string))) {
    const rel = (file: string) => path.relative(dir, path.join(schemas, file)).split(path.sep).join('/');
    return { tier: rel('tier.schema.json'), catalog: rel('catalog.schema.json') };
  }
  return { tier: tierSchema.$id, catalog: catalogSchema.$id };
}

function packageRoot(): string | null {
  let here = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = path.join(here, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tierctl') return here;
      } catch {
        return null;
      }
    }
    here = path.dirname(here);
  }
  return null;
}
