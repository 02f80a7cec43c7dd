import { lstatSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { TierctlError } from '../errors.js';
import type { Diagnostic } from './diagnostic.js';
import { CATALOG_FILE_NAME, loadCatalog, type LoadResult, type SourceFile } from './load-catalog.js';
import { MAX_FILE_BYTES } from './parse-yaml.js';

export interface CatalogSources {
  catalogFile: SourceFile | undefined;
  tierFiles: SourceFile[];
  problems: Diagnostic[];
}

/**
 * Reads a tier directory: catalog.yaml plus every other *.yaml beside it (not
 * recursive, hidden files skipped). Symlinks leading outside the directory and
 * oversized files are refused before their content is read.
 * Synchronous fs calls on purpose: a CLI has nothing else to do meanwhile, and at
 * 10,000 files the promise round trips (four per file) cost about a second.
 */
export async function readCatalogDir(dir: string, cwd = process.cwd()): Promise<CatalogSources> {
  const absDir = path.resolve(cwd, dir);
  let entries: string[];
  try {
    const st = statSync(absDir);
    if (!st.isDirectory()) throw new TierctlError(`${dir} is not a directory`, { hint: 'pass the folder holding catalog.yaml with --dir' });
    entries = readdirSync(absDir).sort();
  } catch (err) {
    if (err instanceof TierctlError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TierctlError(`tier directory not found: ${dir}`, { hint: 'run `tierctl init` to create one, or pass --dir' });
    throw new TierctlError(`cannot read tier directory ${dir}: ${code ?? String(err)}`);
  }
  const realDir = realpathSync(absDir);
  const display = (name: string) => path.relative(cwd, path.join(absDir, name)) || name;

  const problems: Diagnostic[] = [];
  let catalogFile: SourceFile | undefined;
  const tierFiles: SourceFile[] = [];
  for (const name of entries) {
    if (name.startsWith('.')) continue;
    const full = path.join(absDir, name);
    const shown = display(name);
    if (name.endsWith('.yml')) {
      problems.push({ file: shown, line: 1, col: 1, message: 'tier files end in .yaml', hint: `rename it to ${name.slice(0, -4)}.yaml` });
      continue;
    }
    if (!name.endsWith('.yaml')) continue;
    const link = lstatSync(full);
    if (link.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(full);
      } catch {
        problems.push({ file: shown, line: 1, col: 1, message: 'symbolic link to a file that does not exist' });
        continue;
      }
      if (path.dirname(target) !== realDir && !target.startsWith(realDir + path.sep)) {
        problems.push({ file: shown, line: 1, col: 1, message: 'symbolic link leads outside the tier directory', hint: 'copy the file into the directory instead' });
        continue;
      }
    }
    // A regular file's lstat is its stat: only a symbolic link needs the second call.
    const st = link.isSymbolicLink() ? statSync(full) : link;
    if (!st.isFile()) continue;
    if (st.size > MAX_FILE_BYTES) {
      problems.push({ file: shown, line: 1, col: 1, message: `file is ${st.size} bytes, over the ${MAX_FILE_BYTES}-byte limit for tier files`, hint: 'a tier file is a few hundred bytes; check that this is the file you meant' });
      continue;
    }
    // readFileSync's buffer is the file's own (not a slice of a shared pool): no copy needed.
    const bytes: Uint8Array = readFileSync(full);
    if (name === CATALOG_FILE_NAME) catalogFile = { path: shown, bytes };
    else tierFiles.push({ path: shown, bytes });
  }
  if (!catalogFile && !problems.some((p) => p.file === display(CATALOG_FILE_NAME))) {
    problems.push({ file: display(CATALOG_FILE_NAME), line: 1, col: 1, message: `${CATALOG_FILE_NAME} not found in ${dir}`, hint: 'every tier directory needs a catalog.yaml declaring permissions and limits' });
  }
  return { catalogFile, tierFiles, problems };
}

export async function loadCatalogDir(dir: string, cwd = process.cwd()): Promise<LoadResult> {
  const s = await readCatalogDir(dir, cwd);
  return loadCatalog(s.catalogFile, s.tierFiles, s.problems);
}
