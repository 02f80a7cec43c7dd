import { TierctlError, errorMessage } from '../errors.js';
import { redact } from '../secrets.js';
import type { Database } from './database.js';


/**
 * The database itself failing under a write: read-only storage, a full disk, a dropped
 * connection. Neither the user's input nor a tierctl bug, so each gets a plain message
 * and what to do, instead of "internal problem". Returns undefined for anything else.
 * `committing`: the failure hit COMMIT, after which the outcome cannot be known.
 */
export function storageFailure(db: Database, err: unknown, committing: boolean): TierctlError | undefined {
  const original = (err as { original?: unknown; parent?: unknown }).original ?? (err as { parent?: unknown }).parent ?? err;
  const code = String((original as { code?: unknown }).code ?? '');
  const detail = redact(errorMessage(original));
  const text = `${code} ${detail} ${(err as { name?: string }).name ?? ''}`;

  if (/SQLITE_READONLY/.test(text)) {
    return new TierctlError(`cannot write to ${db.display}: the database is read-only; nothing was applied`, {
      hint: 'make the database file and its directory writable for this user, and check that the disk is not mounted read-only',
      cause: err,
    });
  }
  if (/SQLITE_FULL|database or disk is full|ENOSPC/.test(text) || code === '53100') {
    return new TierctlError(`the disk holding ${db.display} is full (${detail}); the transaction was rolled back and nothing was applied`, {
      hint: 'free some disk space, then run the command again',
      cause: err,
    });
  }
  if (code === '42501' || /SQLITE_PERM|SQLITE_AUTH/.test(text)) {
    return new TierctlError(`the database role on ${db.display} lacks a privilege: ${detail}; nothing was changed`, {
      hint: "grant the role SELECT, INSERT, UPDATE and DELETE on tierctl's tables (and CREATE on the schema while a migration is pending), or use a role that has them",
      cause: err,
    });
  }
  if (/SQLITE_CANTOPEN/.test(text)) {
    return new TierctlError(`cannot open ${db.display} (or its journal file beside it) for writing: ${detail}; nothing was changed`, {
      hint: 'make the database file and its directory writable for this user',
      cause: err,
    });
  }
  if (isConnectionLost(db, err)) {
    return committing
      ? new TierctlError(`lost the connection to ${db.display} while committing (${detail}); whether the apply was recorded is unknown`, {
          hint: 'run `tierctl plan`: "no changes" means it was applied; otherwise run the apply again',
          cause: err,
        })
      : new TierctlError(`lost the connection to ${db.display} during the apply (${detail}); PostgreSQL rolled the transaction back and nothing was applied`, {
          hint: 'check that PostgreSQL is up, then run the command again',
          cause: err,
        });
  }
  return undefined;
}

/** The connection is gone: a ROLLBACK cannot be sent, the server has already rolled back. */
export function isConnectionLost(db: Database, err: unknown): boolean {
  return db.engine.isConnectionLost(err);
}
