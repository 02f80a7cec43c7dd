import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { TierctlError } from '../errors.js';
import type { Diagnostic } from './diagnostic.js';
import { CATALOG_FILE_NAME, loadCatalog, type LoadResult, type SourceFile } from './load-catalog.js';
import { MAX_FILE_BYTES } from './parse-yaml.js';

const run = promisify(execFile);

/**
 * Reads the tier directory as it was at a git ref (no database, no credentials: the
 * pull-request view). One `git ls-tree` and one `git cat-file --batch` process,
 * however many files. A directory missing at the ref reads as an empty catalog.
 */
export async function loadCatalogAtRef(ref: string, dir: string, cwd: string): Promise<LoadResult | 'absent'> {
  if (!/^[A-Za-z0-9_./@^~{}-]+$/.test(ref) || ref.startsWith('-')) throw new TierctlError(`not a usable git ref: ${ref}`);
  try {
    await run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd });
  } catch (err) {
    throw await whyRefFailed(ref, cwd, err);
  }
  const rel = path.relative(cwd, path.resolve(cwd, dir)) || '.';
  const { stdout } = await run('git', ['ls-tree', '-z', '--long', ref, '--', `${rel}/`], { cwd, maxBuffer: 64 * 1024 * 1024 });
  const entries = stdout.split('\0').filter(Boolean).map((line) => {
    const [meta = '', file = ''] = line.split('\t');
    const [mode = '', type = '', sha = '', size = ''] = meta.split(/\s+/);
    return { mode, type, sha, size: Number(size), file };
  });
  if (entries.length === 0) return 'absent';

  const problems: Diagnostic[] = [];
  const wanted: { file: string; sha: string }[] = [];
  for (const e of entries) {
    const name = path.basename(e.file);
    const shown = `${ref}:${e.file}`;
    if (e.type !== 'blob' || name.startsWith('.') || !(name.endsWith('.yaml') || name.endsWith('.yml'))) continue;
    if (name.endsWith('.yml')) problems.push({ file: shown, line: 1, col: 1, message: 'tier files end in .yaml' });
    else if (e.mode === '120000') problems.push({ file: shown, line: 1, col: 1, message: 'symbolic links are not followed in git trees' });
    else if (e.size > MAX_FILE_BYTES) problems.push({ file: shown, line: 1, col: 1, message: `file is ${e.size} bytes, over the ${MAX_FILE_BYTES}-byte limit for tier files` });
    else wanted.push({ file: e.file, sha: e.sha });
  }
  const blobs = await catFileBatch(wanted.map((w) => w.sha), cwd);
  const missing = wanted.filter((_, i) => blobs[i] === undefined);
  if (missing.length) {
    throw new TierctlError(`git has no contents for ${missing.map((m) => `${ref}:${m.file}`).join(', ')} (object${missing.length === 1 ? '' : 's'} missing from this clone)`, {
      hint: 'the clone is shallow or partial: fetch the objects (git fetch --unshallow, or actions/checkout with fetch-depth: 0) and plan again',
    });
  }
  let catalogFile: SourceFile | undefined;
  const tierFiles: SourceFile[] = [];
  wanted.forEach((w, i) => {
    const source = { path: `${ref}:${w.file}`, bytes: blobs[i] as Uint8Array };
    if (path.basename(w.file) === CATALOG_FILE_NAME) catalogFile = source;
    else tierFiles.push(source);
  });
  return loadCatalog(catalogFile, tierFiles, problems);
}

/**
 * Why `git rev-parse --verify REF` failed, in the user's terms: no git at all, a
 * directory that is not a repository, or a ref this clone does not have.
 */
async function whyRefFailed(ref: string, cwd: string, err: unknown): Promise<TierctlError> {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
    return new TierctlError('--against needs git, and git is not installed (or not on PATH)', { hint: 'install git, or plan against a database instead of a git ref' });
  }
  try {
    await run('git', ['rev-parse', '--git-dir'], { cwd });
  } catch {
    return new TierctlError(`${cwd} is not in a git repository, so --against ${ref} has nothing to compare with`, {
      hint: 'run tierctl plan --against inside the repository that holds the tier files, or plan against a database (--database)',
    });
  }
  return new TierctlError(`git ref "${ref}" not found`, { hint: 'fetch it first (e.g. git fetch origin main) or pass another --against' });
}

/**
 * The blobs for the given object names, in order, through one `git cat-file --batch`.
 * An object git does not have (`<sha> missing`: a shallow or partial clone) is undefined.
 */
function catFileBatch(shas: string[], cwd: string): Promise<(Buffer | undefined)[]> {
  if (shas.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', () => {
      const all = Buffer.concat(chunks);
      const out: (Buffer | undefined)[] = [];
      let pos = 0;
      for (let i = 0; i < shas.length; i++) {
        const nl = all.indexOf(0x0a, pos);
        if (nl < 0) {
          // git stopped early: whatever it did not answer is as good as missing.
          out.push(undefined);
          continue;
        }
        const header = all.subarray(pos, nl).toString('utf8').split(' ');
        const size = Number(header[2]);
        if (header[1] !== 'blob' || !Number.isSafeInteger(size) || size < 0) {
          // "<sha> missing" (or an unexpected object type): one header line, no contents.
          out.push(undefined);
          pos = nl + 1;
          continue;
        }
        out.push(all.subarray(nl + 1, nl + 1 + size));
        pos = nl + 1 + size + 1;
      }
      resolve(out);
    });
    child.stdin.end(`${shas.join('\n')}\n`);
  });
}
