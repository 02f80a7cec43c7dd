import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidCatalogError } from '../errors.js';
import { CATALOG_FILE_NAME, type LoadedCatalog } from './load-catalog.js';
import { emptyCatalog } from './model.js';
import { parseYaml } from './parse-yaml.js';
import { resolveStorage } from './resolve-storage.js';
import { validateCatalogShape } from './schema-validator.js';
import type { CatalogFile } from './schemas.js';
import { storedFields } from './stored-fields.js';

/** What commands that read the database without tier files (import, drift) need of catalog.yaml. */
export type StorageOnly = Pick<LoadedCatalog, 'storage' | 'catalog' | 'sources' | 'catalogSource' | 'subscribers'> & { catalogFile: CatalogFile };

/**
 * catalog.yaml alone, for `import` (the tier files do not exist yet) and `drift`: its
 * `storage:` resolved, problems at their lines. null when there is no catalog.yaml or it
 * has no `storage:` (tierctl's own tables).
 */
export function readStorageOnly(dir: string, cwd: string): StorageOnly | null {
  const file = path.join(path.resolve(cwd, dir), CATALOG_FILE_NAME);
  if (!existsSync(file)) return null;
  const shown = path.relative(cwd, file) || CATALOG_FILE_NAME;
  const r = parseYaml(shown, new Uint8Array(readFileSync(file)));
  if (!r.ok) throw new InvalidCatalogError(r.diagnostics, CATALOG_FILE_NAME);
  const shape = validateCatalogShape(r.parsed);
  if (shape.length) throw new InvalidCatalogError(shape, CATALOG_FILE_NAME);
  const value = r.parsed.value as unknown as CatalogFile;
  if (!value.storage) return null;
  const resolved = resolveStorage(r.parsed, value);
  if (!resolved.ok) throw new InvalidCatalogError(resolved.diagnostics, CATALOG_FILE_NAME);
  return {
    storage: { ...resolved.storage, stored: storedFields(resolved.storage.description) },
    catalog: emptyCatalog(),
    sources: {},
    catalogSource: r.parsed,
    subscribers: value.subscribers ? { ...value.subscribers } : null,
    catalogFile: value,
  };
}
