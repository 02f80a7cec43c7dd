import { existsSync } from 'node:fs';
import path from 'node:path';
import { TierctlError } from './errors.js';

/** Node's file-system error codes a user can fix (a path, a permission, a read-only disk). */
const USER_FIXABLE = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EROFS', 'ENOSPC']);

/**
 * A file-system error (an --out or --summary-file path, a plan file, the database file) as
 * a plain message naming the path and what to do, instead of "internal problem". Returns
 * undefined for anything that is not such an error, which then stays a bug report.
 */
export function fileSystemError(err: unknown): TierctlError | undefined {
  const e = err as Partial<NodeJS.ErrnoException> | null;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string' || !USER_FIXABLE.has(e.code) || typeof e.path !== 'string') return undefined;
  const file = e.path;
  const dir = path.dirname(file);
  const verb = e.syscall === 'mkdir' ? 'cannot create directory' : e.syscall === 'unlink' || e.syscall === 'rm' ? 'cannot remove' : 'cannot open';
  switch (e.code) {
    case 'ENOENT':
      return existsSync(dir)
        ? new TierctlError(`${verb} ${file}: it does not exist`, { hint: 'check the path', cause: err })
        : new TierctlError(`${verb} ${file}: directory ${dir} does not exist`, { hint: `create ${dir} first (tierctl does not create directories), or pass a path in an existing one`, cause: err });
    case 'ENOTDIR':
      return new TierctlError(`${verb} ${file}: a part of the path is a file, not a directory`, { hint: 'check the path', cause: err });
    case 'EISDIR':
      return new TierctlError(`${verb} ${file}: it is a directory`, { hint: 'name a file, e.g. plan.json inside that directory', cause: err });
    case 'EACCES':
    case 'EPERM':
      return new TierctlError(`${verb} ${file}: permission denied`, { hint: `give this user access to ${file} (and write access to ${dir} for a new file), or choose another path`, cause: err });
    case 'EROFS':
      return new TierctlError(`${verb} ${file}: the file system is read-only`, { hint: 'write to a writable location (for example the working directory or $RUNNER_TEMP)', cause: err });
    case 'ENOSPC':
      return new TierctlError(`${verb} ${file}: the disk is full`, { hint: 'free some disk space, then run the command again', cause: err });
    default:
      return undefined;
  }
}
