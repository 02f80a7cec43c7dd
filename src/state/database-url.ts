import path from 'node:path';
import { TierctlError } from '../errors.js';
import { registerSecret } from '../secrets.js';

export const DEFAULT_SQLITE_FILE = 'tierctl.sqlite';

export type DatabaseTarget =
  | { dialect: 'sqlite'; storage: string; display: string }
  | { dialect: 'postgres'; url: string; display: string; connection: PostgresConnection };

/** What the pg driver needs, decoded from the URL (Sequelize's own URL parsing decodes neither the database name nor a socket host). */
export interface PostgresConnection {
  /** A host name, or a socket directory (`?host=/var/run/postgresql`). */
  host: string;
  port: number | undefined;
  database: string;
  username: string | undefined;
  password: string | undefined;
  /** Other query parameters, for the driver (`options`, `sslmode`, `application_name`, …). */
  params: Record<string, string>;
}

/** Stands in for an empty host (`postgres://user@/db?host=/socket/dir`), which WHATWG URL refuses. */
const NO_HOST = 'tierctl-no-host.invalid';

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
    const url = parsePostgresUrl(raw);
    const connection = postgresConnection(url);
    return { dialect: 'postgres', url: raw, display: redactUrl(url), connection };
  }
  throw new TierctlError(`unsupported database URL scheme "${raw.split(':')[0] ?? ''}"`, {
    hint: 'use sqlite:path/to/file.db or postgres://user:password@host:5432/database',
  });
}

function parsePostgresUrl(raw: string): URL {
  // `postgres://user@/db` (a Unix socket given by ?host=) has an empty host after credentials.
  const withHost = raw.replace(/^(postgres(?:ql)?:\/\/[^/?#@]*@)(?=[/?#]|$)/, `$1${NO_HOST}`);
  let url: URL;
  try {
    url = new URL(withHost);
  } catch {
    throw new TierctlError('the database URL is not a valid URL', { hint: 'use postgres://user:password@host:5432/database, or postgres://user@/database?host=/var/run/postgresql for a Unix socket' });
  }
  // Registered before any decoding can fail, so an error message can never show it.
  if (url.password) {
    registerSecret(url.password);
    registerSecret(safeDecode(url.password));
  }
  return url;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function decoded(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new TierctlError(`the database URL's ${what} is not valid percent-encoding`, { hint: 'encode special characters as %XX (a space is %20)' });
  }
}

/** Pure: the decoded connection settings of a postgres:// URL. */
export function postgresConnection(url: URL): PostgresConnection {
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) params[k] = v;
  const { host: hostParam, port: portParam, ...rest } = params;
  const hostname = url.hostname === NO_HOST ? '' : decoded(url.hostname, 'host');
  // libpq's rule: ?host= wins; an empty host means the default socket directory.
  const host = hostParam || hostname || '/var/run/postgresql';
  const portText = portParam || url.port;
  const port = portText ? Number(portText) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new TierctlError(`the database URL's port ${JSON.stringify(portText)} is not a port number`, { hint: 'use a port from 1 to 65535, e.g. 5432' });
  }
  return {
    host,
    port,
    database: decoded(url.pathname.replace(/^\//, ''), 'database name'),
    username: url.username ? decoded(url.username, 'user name') : undefined,
    password: url.password ? safeDecode(url.password) : undefined,
    params: rest,
  };
}

export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  copy.search = '';
  const socket = url.searchParams.get('host');
  const href = copy.href.replace(NO_HOST, '');
  return socket ? `${href} (host ${socket})` : href;
}
