import type { Dialect } from './dialect.js';
import { postgresDialect } from './postgres-dialect.js';
import { sqliteDialect } from './sqlite-dialect.js';

export type { Dialect } from './dialect.js';

const DIALECTS: Record<Dialect['name'], Dialect> = { sqlite: sqliteDialect, postgres: postgresDialect };

export function dialectFor(name: Dialect['name']): Dialect {
  return DIALECTS[name];
}
