import path from 'node:path';
import { TierctlError } from '../errors.js';
import { registerSecret } from '../secrets.js';

export const DEFAULT_SQLITE_FILE = 'tierctl.sqlite';

export type DatabaseTarget =
  | { dialect: 'sqlite'; storage: string; display: string }
  | { dialect: 'postgres'; url: string; display: string };

/**
 * --database, else $DATABASE_URL, else the embedded SQLite file in the working
 * directory. The password is registered as a secret and never part of `display`.
 */
export function resolveDatabase(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): DatabaseTarget {
  const raw = flag ?? (env['DATABASE_URL'] || undefined) ?? `sqlite:${DEFAULT_SQLITE_FILE}`;
  if (raw.startsWith('sqlite:')) {
    let rest = raw.slice('sqlite:'.length);
    if (rest.startsWith('//')) rest = rest.slice(2);
    if (rest === '') throw new TierctlError('the SQLite URL names no file', { hint: 'use sqlite:path/to/file.db' });
    if (rest === ':memory:') return { dialect: 'sqlite', storage: ':memory:', display: 'sqlite::memory:' };
    const storage = path.resolve(cwd, rest);
    return { dialect: 'sqlite', storage, display: `sqlite:${rest}` };
  }
  if (/^postgres(ql)?:\/\//.test(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new TierctlError('the database URL is not a valid URL', { hint: 'use postgres://user:password@host:5432/database' });
    }
    if (url.password) registerSecret(decodeURIComponent(url.password));
    registerSecret(url.password);
    return { dialect: 'postgres', url: raw, display: redactUrl(url) };
  }
  throw new TierctlError(`unsupported database URL scheme "${raw.split(':')[0] ?? ''}"`, {
    hint: 'use sqlite:path/to/file.db or postgres://user:password@host:5432/database',
  });
}

export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  copy.search = '';
  return copy.href;
}
