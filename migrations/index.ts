import { migration as initialTables } from './0001-initial-tables.js';
import { migration as limits64Bit } from './0002-limits-64-bit.js';
import { migration as platformScopedTiers } from './0003-platform-scoped-tiers.js';
import type { Migration } from './migration-context.js';

/** tierctl's migrations, in order. A new migration is a new file, appended here. */
export const MIGRATIONS: readonly Migration[] = [initialTables, limits64Bit, platformScopedTiers];
