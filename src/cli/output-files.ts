import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, lstatSync, constants, fstatSync, openSync, readSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { TierctlError } from '../errors.js';
import { redact } from '../secrets.js';

/**
 * Files tierctl writes on request (`plan --out`, `plan --summary-file`). A typo in a CI
 * script must not replace the SQLite database, a tier file or anything else with plan
 * output: every target is resolved to its real path (symlinks followed) and refused when
 * it is the database (or its -journal/-wal/-shm), lies in the tier directory, or already
 * holds something that is not ours. Every byte passes through `redact`, like stdout.
 */
export interface ProtectedPaths {
  cwd: string;
  /** The SQLite file, when the database is one. */
  databaseFile: string | null;
  /** The tier directory (--dir). */
  tierDir: string;
}

/** Existing --out files are read to check they are plans; plans of 10,000 tiers are ~15 MB. */
const MAX_EXISTING_PLAN_BYTES = 256 * 1024 * 1024;
/** How much of an existing summary file is checked for being text. */
const TEXT_SNIFF_BYTES = 64 * 1024;

/** The real path a write to `target` would reach (the file itself may not exist yet). */
function realTarget(target: string, cwd: string, flag: string): string {
  const abs = path.resolve(cwd, target);
  try {
    return realpathSync(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new TierctlError(`--${flag} ${target}: a part of the path is a file, not a directory`, { hint: 'fix the path' });
    }
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotWrite(flag, target, err);
  }
  // A dangling symlink would be followed by open(O_CREAT) to wherever it points.
  if (lstatSync(abs, { throwIfNoEntry: false })?.isSymbolicLink()) {
    throw new TierctlError(`--${flag} ${target} is a symbolic link to a file that does not exist; refusing to follow it`, { hint: 'name a regular file' });
  }
  let dir: string;
  try {
    dir = realpathSync(path.dirname(abs));
  } catch (err) {
    // The most common case by far (a typo, a CI step that did not mkdir): say which directory.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TierctlError(`--${flag} ${target}: directory ${path.dirname(abs)} does not exist`, { hint: 'create the directory first (tierctl does not create directories), or fix the path' });
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new TierctlError(`--${flag} ${target}: a part of the path is a file, not a directory`, { hint: 'fix the path' });
    }
    throw cannotWrite(flag, target, err, 'create the directory first');
  }
  return path.join(dir, path.basename(abs));
}

function cannotWrite(flag: string, target: string, err: unknown, hint?: string): TierctlError {
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  return new TierctlError(`--${flag} ${target}: cannot write there (${code})`, hint ? { hint } : {});
}

function realOrSame(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** Refuses the database file and its companions, and anything in the tier directory. */
function refuseProtected(real: string, target: string, flag: string, paths: ProtectedPaths): void {
  if (paths.databaseFile) {
    const db = realOrSame(path.resolve(paths.cwd, paths.databaseFile));
    const companions = [db, `${db}-journal`, `${db}-wal`, `${db}-shm`];
    if (companions.includes(real) || companions.includes(path.resolve(paths.cwd, target))) {
      throw new TierctlError(`--${flag} ${target} is the SQLite database (or its journal); refusing to overwrite it`, { hint: `write the ${flag === 'out' ? 'plan' : 'summary'} somewhere else, e.g. --${flag} ${flag === 'out' ? 'plan.json' : 'summary.md'}` });
    }
  }
  const tierDir = realOrSame(path.resolve(paths.cwd, paths.tierDir));
  // A new plan.json beside the tiers is harmless (only *.yaml is loaded); a tier file is not.
  if ((real.startsWith(tierDir + path.sep) && /\.ya?ml$/i.test(real)) || real === tierDir) {
    throw new TierctlError(`--${flag} ${target} is a file of the tier directory ${paths.tierDir}; refusing to overwrite it`, { hint: 'tier files are reviewed input; write output outside the tier directory' });
  }
}

/**
 * `plan --out`: written atomically (a temporary file in the same directory, then a rename,
 * so a reader never sees half a plan), mode 0644. An existing target must be a tierctl plan.
 */
export function writePlanOutput(target: string, text: string, paths: ProtectedPaths): void {
  const flag = 'out';
  const real = realTarget(target, paths.cwd, flag);
  refuseProtected(real, target, flag, paths);
  const existing = statOrNull(real);
  if (existing) {
    if (!existing.isFile()) throw new TierctlError(`--out ${target} exists and is not a regular file; refusing to replace it`, { hint: 'name a new file, e.g. --out plan.json' });
    if (!isPlanFile(real, existing.size)) {
      throw new TierctlError(`--out ${target} exists and is not a tierctl plan; refusing to overwrite it`, { hint: 'name a new file, or delete that one first if you really mean to replace it' });
    }
  }
  const tmp = path.join(path.dirname(real), `.${path.basename(real)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    writeAll(fd, redact(text));
    closeSync(fd);
    fd = undefined;
    chmodSync(tmp, 0o644); // whatever the umask says: CI reads plans as another user
    renameSync(tmp, real);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw cannotWrite(flag, target, err);
  }
}

/**
 * `plan --summary-file` (usually $GITHUB_STEP_SUMMARY): appended to, so it must be a
 * regular text file, or not exist yet. FIFOs, devices, directories and binary files are refused.
 */
export function appendSummaryOutput(target: string, text: string, paths: ProtectedPaths): void {
  const flag = 'summary-file';
  const real = realTarget(target, paths.cwd, flag);
  refuseProtected(real, target, flag, paths);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO without a reader fails (ENXIO) instead of hanging.
    fd = openSync(real, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENXIO' || code === 'EISDIR') throw notAppendable(target);
    throw cannotWrite(flag, target, err);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notAppendable(target);
    if (st.size > 0 && !looksLikeText(real)) {
      throw new TierctlError(`--summary-file ${target} holds binary data; refusing to append Markdown to it`, { hint: 'point --summary-file at a Markdown file, e.g. $GITHUB_STEP_SUMMARY' });
    }
    writeAll(fd, redact(text));
  } finally {
    closeSync(fd);
  }
}

function notAppendable(target: string): TierctlError {
  return new TierctlError(`--summary-file ${target} is not a regular file (a directory, FIFO or device); refusing to write to it`, { hint: 'point --summary-file at a Markdown file, e.g. $GITHUB_STEP_SUMMARY' });
}

function statOrNull(p: string) {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

function readHead(file: string, max: number): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(max);
    let n = 0;
    for (let r = 1; r > 0 && n < max; n += r) r = readSync(fd, buf, n, max - n, n);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** A file is ours to replace when it parses as JSON with a numeric format_version. */
function isPlanFile(file: string, size: number): boolean {
  if (size > MAX_EXISTING_PLAN_BYTES) return false;
  try {
    const value = JSON.parse(readHead(file, size).toString('utf8')) as { format_version?: unknown; tool_version?: unknown } | null;
    return typeof value?.format_version === 'number' && typeof value.tool_version === 'string';
  } catch {
    return false;
  }
}

/** No NUL bytes and valid UTF-8 in the first 64 KiB (a cut multi-byte tail forgiven). */
function looksLikeText(file: string): boolean {
  const head = readHead(file, TEXT_SNIFF_BYTES);
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.length === TEXT_SNIFF_BYTES ? trimPartial(head) : head);
    return true;
  } catch {
    return false;
  }
}

function trimPartial(buf: Buffer): Buffer {
  let end = buf.length;
  for (let i = 0; i < 3 && end > 0 && ((buf[end - 1] as number) & 0xc0) === 0x80; i++) end--;
  if (end > 0 && (buf[end - 1] as number) >= 0xc0) end--;
  return buf.subarray(0, end);
}
