import type { Diagnostic } from '../catalog/diagnostic.js';
import type { LoadedCatalog } from '../catalog/load-catalog.js';
import type { Tier } from '../catalog/model.js';
import { locate, pointer } from '../catalog/parse-yaml.js';
import { yamlField } from '../catalog/resolve-storage.js';
import type { ColumnSource, StorageDescription } from './storage-description.js';
import { tierRef } from '../catalog/tier-ref.js';

/** One column as `queryInterface.describeTable` reports it (the parts the checks need). */
export interface LiveColumn {
  type: string;
  allowNull: boolean;
  defaultValue?: unknown;
  primaryKey?: boolean;
  autoIncrement?: boolean;
}
/** Table -> its columns, or null when the table does not exist. */
export type LiveTables = Record<string, Record<string, LiveColumn> | null>;

/** Every table a description reads or writes (subscribers included), for one describeTable each. */
export function tablesToDescribe(d: StorageDescription): string[] {
  const out = [d.tier.table];
  if (d.tier.platform?.kind === 'table') out.push(d.tier.platform.table);
  if (d.permissions.kind === 'join') out.push(d.permissions.table, d.permissions.vocabulary.table);
  if (d.limits.kind === 'rows') out.push(d.limits.table);
  if (d.billingKeys.kind === 'rows') out.push(d.billingKeys.table);
  if (d.subscribers) out.push(d.subscribers.table);
  return [...new Set(out)];
}

/**
 * `describeTable` for each table, a missing one as null. The thin shell around the pure
 * check below; `describe` is the query interface's method (it quotes the name itself).
 */
export async function describeTables(
  describe: (table: string) => Promise<Record<string, LiveColumn>>,
  tables: readonly string[],
  /** PostgreSQL's describeTable drops NUMERIC(p, s); the dialect can supply it (column -> 'NUMERIC(p, s)'). */
  numericTypes?: (table: string) => Promise<Record<string, string>>,
): Promise<LiveTables> {
  const out: LiveTables = {};
  for (const table of tables) {
    try {
      const columns = await describe(table);
      if (numericTypes && Object.values(columns).some((c) => /^(NUMERIC|DECIMAL)$/i.test(c.type))) {
        for (const [column, type] of Object.entries(await numericTypes(table))) {
          const c = columns[column];
          if (c) columns[column] = { ...c, type };
        }
      }
      out[table] = Object.keys(columns).length ? columns : null;
    } catch (err) {
      // Sequelize says "No description found" (SQLite) or returns nothing (PostgreSQL) for a missing table.
      if (/No description found/i.test(String((err as Error).message))) out[table] = null;
      else throw err;
    }
  }
  return out;
}

const INT_RANGES: [RegExp, number][] = [
  [/^(SMALLINT|INT2)\b/, 32767],
  [/^(INTEGER|INT|INT4|MEDIUMINT)\b/, 2147483647],
];

/**
 * The description against the live tables, before anything is written (DESIGN.md, Storage):
 * a missing table or column, a NOT NULL column tierctl would leave without a value, a value
 * the column cannot hold (text too long, integer out of range, null into NOT NULL). Each
 * problem names catalog.yaml's line (the description) or the tier file's line (the value)
 * and the column. Pure: the live tables are passed in.
 */
export function checkLiveTables(loaded: LoadedCatalog, live: LiveTables, existingKeys?: ReadonlySet<string>): Diagnostic[] {
  const storage = loaded.storage;
  if (!storage) return [];
  const d = storage.description;
  const at = storage.positions.at;
  const out: Diagnostic[] = [];
  const push = (pos: { file: string; line: number; col: number }, message: string, hint: string) => out.push({ ...pos, message, hint });

  const needTable = (table: string, path: (string | number)[]) => {
    const columns = live[table];
    if (columns === null || columns === undefined) {
      push(at(path), `table ${table} does not exist in the database`, 'tierctl never creates an app\'s tables: run the app\'s migrations first, or fix the table name');
      return undefined;
    }
    return columns;
  };
  const needColumn = (table: string, columns: Record<string, LiveColumn> | undefined, column: string, pos: { file: string; line: number; col: number }) => {
    if (!columns) return;
    if (!columns[column]) push(pos, `column ${table}.${column} does not exist`, `columns of ${table}: ${Object.keys(columns).join(', ')}`);
  };

  // The tier table: every named column exists; an unnamed NOT NULL column without a default
  // only matters to an INSERT (updates set named columns only), so it is refused when a tier
  // would be created: one the tables do not hold yet (`existingKeys`; unknown: every tier).
  const tierColumns = needTable(d.tier.table, ['tiers', 'table']);
  needColumn(d.tier.table, tierColumns, d.tier.keyColumn, at(['tiers', 'key']));
  if (d.tier.idColumn) needColumn(d.tier.table, tierColumns, d.tier.idColumn, at(['tiers', 'id']));
  for (const column of Object.keys(d.tier.columns)) needColumn(d.tier.table, tierColumns, column, at(['tiers', 'columns', column], true));
  const platform = d.tier.platform;
  if (platform) {
    needColumn(d.tier.table, tierColumns, platform.column, at(['tiers', 'platform', 'column']));
    const info = tierColumns?.[platform.column];
    if (info && !info.allowNull) push(at(['tiers', 'platform', 'column']), `column ${d.tier.table}.${platform.column} is NOT NULL, so it cannot hold a global tier`, 'a global tier is stored with a NULL platform: make the column nullable in the app\'s migration');
    if (platform.kind === 'table') {
      const platforms = needTable(platform.table, ['tiers', 'platform', 'table']);
      needColumn(platform.table, platforms, platform.idColumn, at(['tiers', 'platform', 'id']));
      needColumn(platform.table, platforms, platform.codeColumn, at(['tiers', 'platform', 'code']));
    }
  }
  // With a platform column a tier's identity is (platform, key), which the key column alone
  // does not give: every tier then counts as new (the check as strict as before).
  const created = newTiers(loaded, platform ? undefined : existingKeys);
  if (tierColumns && created.length) {
    const shown = created.length > 3 ? `${created.slice(0, 3).join(', ')} and ${created.length - 3} more` : created.join(', ');
    for (const column of unnamedRequiredColumns(d, tierColumns)) {
      push(
        at(['tiers', 'columns'], true),
        `column ${d.tier.table}.${column} is NOT NULL without a default, and storage.tiers.columns gives it no value (creating ${shown} would insert a row without it)`,
        `describe where its value comes from (for example  ${column}: per_tier  and a columns: value in each tier file)`,
      );
    }
  }
  if (d.permissions.kind === 'join') {
    const p = d.permissions;
    const join = needTable(p.table, ['permissions', 'table']);
    needColumn(p.table, join, p.tierIdColumn, at(['permissions', 'tier_column']));
    needColumn(p.table, join, p.permissionIdColumn, at(['permissions', 'permission_column']));
    const vocabulary = needTable(p.vocabulary.table, ['permissions', 'vocabulary', 'table']);
    needColumn(p.vocabulary.table, vocabulary, p.vocabulary.idColumn, at(['permissions', 'vocabulary', 'id']));
    needColumn(p.vocabulary.table, vocabulary, p.vocabulary.nameColumn, at(['permissions', 'vocabulary', 'name']));
    if (p.vocabulary.descriptionColumn) needColumn(p.vocabulary.table, vocabulary, p.vocabulary.descriptionColumn, at(['permissions', 'vocabulary', 'description']));
    const nameInfo = vocabulary?.[p.vocabulary.nameColumn];
    const descInfo = p.vocabulary.descriptionColumn ? vocabulary?.[p.vocabulary.descriptionColumn] : undefined;
    for (const [name, description] of Object.entries(loaded.catalog.permissions)) {
      const pos = { file: loaded.catalogSource.file, ...locate(loaded.catalogSource, pointer(['permissions', name]), true) };
      if (nameInfo) out.push(...valueProblems(p.vocabulary.table, p.vocabulary.nameColumn, nameInfo, name, () => pos));
      if (descInfo) out.push(...valueProblems(p.vocabulary.table, p.vocabulary.descriptionColumn as string, descInfo, description, () => pos));
    }
  }
  if (d.limits.kind === 'rows') {
    const l = d.limits;
    const cols = needTable(l.table, ['limits', 'table']);
    for (const [c, key] of [[l.tierIdColumn, 'tier_column'], [l.nameColumn, 'name_column'], [l.valueColumn, 'value_column']] as const) needColumn(l.table, cols, c, at(['limits', key]));
  }
  if (d.billingKeys.kind === 'rows') {
    const b = d.billingKeys;
    const cols = needTable(b.table, ['billing_keys', 'table']);
    for (const [c, key] of [[b.tierIdColumn, 'tier_column'], [b.providerColumn, 'provider_column'], [b.keyColumn, 'key_column']] as const) needColumn(b.table, cols, c, at(['billing_keys', key]));
  }
  if (d.subscribers) {
    const s = d.subscribers;
    const cols = live[s.table];
    const pos = (k: string) => ({ file: loaded.catalogSource.file, ...locate(loaded.catalogSource, pointer(['subscribers', k])) });
    if (!cols) push(pos('table'), `subscribers table ${s.table} does not exist in the database`, 'fix subscribers: in catalog.yaml, or remove it (deletes stay refused until subscribers can be counted)');
    else needColumn(s.table, cols, s.column, pos('column'));
  }

  // Every value the desired tiers put in a tier-table column fits it.
  if (tierColumns) {
    for (const tier of Object.values(loaded.catalog.tiers)) {
      const source = loaded.sources[tierRef(tier)];
      const where = (path: (string | number)[]) => (source ? { file: source.file, ...locate(source, pointer(path), true) } : at(['tiers', 'table']));
      const keyInfo = tierColumns[d.tier.keyColumn];
      if (keyInfo) out.push(...valueProblems(d.tier.table, d.tier.keyColumn, keyInfo, tier.key, () => where(['key'])));
      for (const [column, src] of Object.entries(d.tier.columns)) {
        const info = tierColumns[column];
        if (!info) continue;
        const value = plannedValue(src, tier);
        if (value === undefined) continue;
        out.push(...valueProblems(d.tier.table, column, info, value, () => where(valuePath(src, tier))));
      }
    }
  }
  return out;
}

/** Columns of the live tier table an INSERT must fill that the description does not name. */
export function unnamedRequiredColumns(d: StorageDescription, tierColumns: Record<string, LiveColumn>): string[] {
  const named = new Set([d.tier.keyColumn, ...(d.tier.idColumn ? [d.tier.idColumn] : []), ...(d.tier.platform ? [d.tier.platform.column] : []), ...Object.keys(d.tier.columns)]);
  return Object.entries(tierColumns)
    .filter(([column, info]) => !named.has(column) && !info.allowNull && !hasDefault(info))
    .map(([column]) => column);
}

/** Desired tiers with no row yet (neither their key nor a key they were renamed from is stored): the plan creates them. */
function newTiers(loaded: LoadedCatalog, existingKeys: ReadonlySet<string> | undefined): string[] {
  const keys = Object.keys(loaded.catalog.tiers).sort();
  if (!existingKeys) return keys;
  return keys.filter((key) => !existingKeys.has(key) && !(loaded.renamedFrom?.[key] ?? []).some((old) => existingKeys.has(old)));
}

/** The value a column will be written with for a tier (undefined: tierctl sets it itself, e.g. a timestamp). */
function plannedValue(src: ColumnSource, t: Tier): unknown {
  switch (src.kind) {
    case 'field':
      return t[src.field];
    case 'map':
      return src.values[String(t[src.field])];
    case 'tier-column':
      return t.columns?.[src.name] ?? null;
    case 'limit':
      return t.limits[src.limit] ?? null;
    case 'billing-key':
      return t.billing_provider === src.provider ? (t.billing_keys[0] ?? null) : null;
    default:
      return undefined;
  }
}

/** Where in a tier file the value of a column comes from. */
function valuePath(src: ColumnSource, t: Tier): (string | number)[] {
  switch (src.kind) {
    case 'field':
    case 'map':
      return yamlField(src.field).split('.');
    case 'tier-column':
      return ['columns', src.name];
    case 'limit':
      return ['limits', src.limit];
    case 'billing-key':
      return src.provider === 'stripe' ? ['billing', 'lookup_keys', 0] : ['billing', 'product_key'];
    default:
      return [t.key];
  }
}

function hasDefault(info: LiveColumn): boolean {
  if (info.autoIncrement) return true;
  // SQLite's INTEGER PRIMARY KEY is the rowid: it always gets a value.
  if (info.primaryKey && /^INTEGER$/i.test(info.type)) return true;
  return info.defaultValue !== undefined && info.defaultValue !== null;
}

function valueProblems(table: string, column: string, info: LiveColumn, value: unknown, at: () => { file: string; line: number; col: number }): Diagnostic[] {
  const out: Diagnostic[] = [];
  // Located only for a problem: finding a line re-parses the tier file (parse-yaml.ts), which
  // done for every tier cost a second parse of the whole catalog and kept every file's position maps.
  const type = info.type.toUpperCase();
  const name = `${table}.${column}`;
  if (value === null || value === undefined) {
    if (!info.allowNull) out.push({ ...at(), message: `${name} is NOT NULL, and this tier leaves it empty (null)`, hint: 'give it a value here (a limit needs a number: this storage cannot hold unlimited)' });
    return out;
  }
  const length = /^(?:VARCHAR|CHARACTER VARYING|CHAR|CHARACTER|NVARCHAR|VARYING CHARACTER)\s*\((\d+)\)/.exec(type);
  if (length && typeof value === 'string' && [...value].length > Number(length[1])) {
    out.push({ ...at(), message: `${name} holds at most ${length[1]} characters, and this value has ${[...value].length}`, hint: 'shorten it, or widen the column in the app\'s migrations' });
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    const n = Number(value);
    for (const [re, max] of INT_RANGES) {
      if (re.test(type) && (n > max || n < -max - 1)) out.push({ ...at(), message: `${name} is ${type.split(/[\s(]/)[0]} (up to ${max}), and this value is ${n}`, hint: 'use a smaller number, or widen the column in the app\'s migrations' });
    }
    if (/^(INTEGER|INT|INT2|INT4|INT8|SMALLINT|BIGINT)\b/.test(type) && typeof value === 'number' && !Number.isInteger(value)) {
      out.push({ ...at(), message: `${name} holds whole numbers, and this value is ${value}`, hint: 'use a whole number' });
    }
    const numeric = /^(?:NUMERIC|DECIMAL)\s*\((\d+)\s*,\s*(\d+)\)/.exec(type);
    if (numeric && Math.abs(n) >= 10 ** (Number(numeric[1]) - Number(numeric[2]))) {
      out.push({ ...at(), message: `${name} is ${numeric[0]}, too small for ${n}`, hint: 'use a smaller number, or widen the column in the app\'s migrations' });
    }
  }
  if (typeof value === 'string' && /^(INTEGER|INT|INT2|INT4|INT8|SMALLINT|BIGINT|NUMERIC|DECIMAL|REAL|DOUBLE|FLOAT)/.test(type) && !/^-?\d+(\.\d+)?$/.test(value)) {
    out.push({ ...at(), message: `${name} holds numbers, and this value is text ${JSON.stringify(value.slice(0, 40))}`, hint: 'write a number (without quotes)' });
  }
  return out;
}
