import type { Sequelize } from 'sequelize';
import type { DatabaseTarget } from '../../state/database-url.js';
import type { ConnectOptions } from './dialect.js';

/** Sequelize over a PostgreSQL database, from the decoded connection (state/database-url.ts). */
export async function connectPostgres(target: DatabaseTarget, options: ConnectOptions): Promise<Sequelize> {
  if (target.dialect !== 'postgres') throw new Error(`a ${target.dialect} target reached the PostgreSQL dialect`);
  const { Sequelize } = await import('sequelize');
  const c = target.connection;
  // The object form, not the URL: Sequelize's URL parser leaves `%20` in the database
  // name and has no idea of an empty host with a socket directory in ?host=.
  const sequelize = new Sequelize(c.database, c.username as string, c.password, {
    dialect: 'postgres',
    host: c.host,
    ...(c.port !== undefined ? { port: c.port } : {}),
    logging: options.logging,
    retry: { max: 1 },
    pool: { max: 2, min: 0, idle: 1000 },
    dialectOptions: { ...driverParams(c.params), connectionTimeoutMillis: 10000, application_name: c.params['application_name'] ?? 'tierctl' },
  });
  // Known version: without one, Sequelize opens a connection of its own before the first
  // query only to learn the server's version, and closes it again: two connections (two
  // server backends) per command. Its PostgreSQL SQL depends on the version only below 9.3
  // (IF NOT EXISTS forms, JSON); 9.5.0 is its own minimum, so the SQL is what the real
  // version gives. (Sequelize reads sequelize.options.databaseVersion; its types list neither.)
  (sequelize as unknown as { options: { databaseVersion: string | number } }).options.databaseVersion = '9.5.0';
  await endHalfOpenConnections(sequelize);
  return sequelize;
}

/**
 * URL query parameters as pg driver options (what Sequelize did with a URL): libpq's
 * sslmode becomes pg's `ssl`, everything else (options, statement_timeout, …) passes as is.
 */
function driverParams(params: Record<string, string>): Record<string, unknown> {
  const { sslmode, ssl, ...rest } = params;
  const out: Record<string, unknown> = { ...rest };
  if (ssl !== undefined) out['ssl'] = ssl === 'true' || ssl === '1';
  if (sslmode !== undefined) out['ssl'] = sslmode === 'disable' ? false : sslmode === 'no-verify' ? { rejectUnauthorized: false } : true;
  return out;
}

type Client = { end(): Promise<void> };

/**
 * One store for the whole process, not one per Sequelize instance: Node 20 keeps every
 * AsyncLocalStorage that has run in a process-wide list until disable(), and copies each
 * one's value into every promise created afterwards. A store per connect (the runtime API
 * opening a catalog per request, or a test process running hundreds of commands) made every
 * promise in the process slower with each database ever opened.
 */
let connectCallStore: import('node:async_hooks').AsyncLocalStorage<Client[]> | undefined;
async function connectCalls(): Promise<import('node:async_hooks').AsyncLocalStorage<Client[]>> {
  if (!connectCallStore) {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    connectCallStore ??= new AsyncLocalStorage<Client[]>();
  }
  return connectCallStore;
}

/**
 * Sequelize's PostgreSQL connect() opens a pg Client, then runs its session setup (SET …)
 * on it; when that first query fails (e.g. `options=-c statement_timeout=1`), connect()
 * rejects without ending the client, which is in no pool, so nothing ever closes its socket
 * and the process never exits. Every client is tagged with the connect() call that made
 * it (AsyncLocalStorage), and a failed call ends its own clients.
 */
async function endHalfOpenConnections(sequelize: Sequelize): Promise<void> {
  type ClientClass = new (...args: unknown[]) => Client;
  const made = await connectCalls();
  const manager = sequelize.connectionManager as unknown as { lib: { Client: ClientClass }; connect(config: unknown): Promise<Client> };
  const Base = manager.lib.Client;
  const Tracked = class extends Base {
    constructor(...args: unknown[]) {
      super(...args);
      made.getStore()?.push(this);
    }
  };
  // The pg module stays the prototype, so lib.types and the rest are unchanged.
  manager.lib = Object.assign(Object.create(manager.lib) as typeof manager.lib, { Client: Tracked as ClientClass });
  const connect = manager.connect.bind(manager);
  manager.connect = (config: unknown) => {
    const mine: Client[] = [];
    return made.run(mine, async () => {
      try {
        return await connect(config);
      } catch (err) {
        for (const client of mine) void client.end().catch(() => undefined);
        throw err;
      }
    });
  };
}
