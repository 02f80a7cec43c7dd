import type { Transaction } from 'sequelize';
import { MIGRATIONS } from '../../migrations/index.js';
import type { Migration } from '../../migrations/migration-context.js';
import { emptyCatalog, normaliseCatalog, type Catalog, type Tier } from '../catalog/model.js';
import { BugError, StaleError, TierctlError, errorMessage } from '../errors.js';
import type { Change } from '../plan/plan-schema.js';
import { applyFields, projectChanges } from '../plan/project-changes.js';
import { redact } from '../secrets.js';
import type { Database } from '../state/database.js';
import { storageFailure } from '../state/storage-errors.js';
import { limitValueOf, storedLimitValue } from './limit-value.js';
import { defineModels, type AnyModel, type StoreModels } from './define-models.js';
import { ForeignKeysOnError, readMigrationStatus, runPendingMigrations } from './migrations-runner.js';
import { bookkeepingTables, type StorageDescription } from './storage-description.js';
import { foreignTables, foreignTableError } from './table-ownership.js';
import { rowPlatform, rowToTier, tierToRow, type PlatformRows, type TierChildren, type TierRow } from './tier-rows.js';
import { parseTierRef, tierRef } from '../catalog/tier-ref.js';
import { PLATFORM_MIGRATION } from '../../migrations/0003-platform-scoped-tiers.js';
import { sortOrphans, type OrphanRow } from '../plan/orphans.js';
import { lastRunFromRow, type LastRunRead } from '../state/read-last-run.js';
import { integerValue, textValue, TierIdRowRef, type RowRef } from '../state/row-values.js';
import type { AppliedWrites, MigrationStatus, RecordedRun, RunRecord, StoreSnapshot, StoreTransaction, TierStore, WriteHooks } from './tier-store.js';
import { dict } from '../dict.js';

/** Rows per multi-row statement: well under SQLite's 32,766 bound parameters and PostgreSQL's 65,535. */
export const ROWS_PER_STATEMENT = 500;

export function chunk<T>(items: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The state after the changes, tier by tier, without copying the whole catalog: at 10,000
 * tiers a projected copy of every tier was one more catalog in memory at apply's peak.
 */
interface Target {
  tier(key: string): Tier;
  permissions(): Record<string, string>;
}

function targetOf(base: Catalog, changes: readonly Change[]): Target {
  const touched = new Map<string, Tier>();
  const renamedTo = new Map<string, string>();
  for (const c of changes) if (c.kind === 'tier' && c.action === 'rename') renamedTo.set(c.tier, c.from);
  const before = (key: string): Tier | undefined => base.tiers[renamedTo.get(key) ?? key];
  for (const c of changes) {
    if (c.kind !== 'tier') continue;
    if (c.action === 'create') touched.set(c.tier, c.after);
    else if (c.action === 'update' || c.action === 'retire') {
      const t = touched.get(c.tier) ?? before(c.tier);
      if (!t) throw new BugError(`no base state for tier ${c.tier}`);
      touched.set(c.tier, c.action === 'update' ? applyFields(t, c.fields) : { ...t, status: 'retired' });
    }
  }
  return {
    tier(key) {
      const t = touched.get(key) ?? before(key);
      if (!t) throw new BugError(`no target state for tier ${key}`);
      // `key` is the tier's ref: a renamed tier keeps its platform and takes the ref's key.
      return { ...t, key: parseTierRef(key).key };
    },
    permissions: () => projectChanges({ permissions: base.permissions, tiers: {} }, changes.filter((c) => c.kind === 'permission')).permissions,
  };
}

/**
 * A number or boolean bound for a text column, as text: an INSERT would cast it on assignment,
 * but inside a CASE PostgreSQL refuses to mix an integer branch with a text column.
 */
function asColumnValue(value: unknown, field: { type?: { key?: string } } | undefined): unknown {
  const textual = field?.type?.key === 'STRING' || field?.type?.key === 'TEXT';
  return textual && (typeof value === 'number' || typeof value === 'boolean') ? String(value) : value;
}

/** A tier row's reference as the child tables hold it: the id column's value, or the key when the key is the primary key. */
type Ref = number | string;

class SqlTransaction implements StoreTransaction {
  constructor(
    readonly mode: 'read' | 'write',
    readonly tx: Transaction,
  ) {}
}

/** What apply needs from a snapshot besides the catalog (kept off the port's data). */
interface SnapshotIds {
  /** Tier ref (tier-ref.ts) -> its row reference. */
  refs: Map<string, Ref>;
  permissionIds: Map<string, number>;
  /** The app's platform table as read (platform.kind 'table'), else null. */
  platforms: PlatformRows | null;
  /** Whether the tier table has its platform column (tierctl's own tables: once migration 0003 ran). */
  platformColumn: boolean;
}

export interface SequelizeStoreOptions {
  /** tierctl's migrations (tests add one); defaults to migrations/index.ts. */
  migrations?: readonly Migration[];
}

/**
 * The one SQL implementation of the TierStore port: Sequelize models defined from a storage
 * description (define-models.ts), rows converted by tier-rows.ts, database differences in
 * `db.engine` (the Dialect). Reads one statement per table; writes in batches.
 */
export async function createSequelizeTierStore(db: Database, description: StorageDescription, options: SequelizeStoreOptions = {}): Promise<TierStore> {
  const { DataTypes, Op, fn, col, QueryTypes } = await import('sequelize');
  const models = defineModels(db.sequelize, DataTypes, description);
  const migrations = options.migrations ?? MIGRATIONS;
  const names = bookkeepingTables(description.bookkeeping.prefix);
  const ids = new WeakMap<StoreSnapshot, SnapshotIds>();
  const d = description;
  const idColumn = d.tier.idColumn;
  const refColumn = idColumn ?? d.tier.keyColumn;
  // Ids are checked like every value read (state/row-values.ts): garbage is an error naming the table.
  const toRef = (raw: unknown, table = d.tier.table): Ref => (idColumn ? integerValue({ table, row: 'a row' }, idColumn, raw) : String(raw));

  const unwrap = (t: StoreTransaction, mode?: 'write'): Transaction => {
    if (!(t instanceof SqlTransaction)) throw new BugError('a transaction from another store');
    if (mode && t.mode !== mode) throw new BugError('a write needs the write transaction');
    return t.tx;
  };
  const raw = async <T>(model: AnyModel, tx: Transaction, options: Record<string, unknown> = {}): Promise<T[]> =>
    (await model.findAll({ raw: true, transaction: tx, ...options })) as unknown as T[];

  async function inspect(tx: Transaction): Promise<{ tables: Set<string>; status: MigrationStatus }> {
    const tables = await db.engine.listTables(db.sequelize, tx);
    const status = await readMigrationStatus(models, tx, tables, names.migration, migrations);
    const foreign = foreignTables(d, tables, tables.has(names.migration) ? status.executed : null);
    if (foreign.length) throw foreignTableError(db.display, foreign, d);
    return { tables, status };
  }

  function lockTimeout(ms: number): StaleError {
    const { message, hint } = db.engine.lockTimeoutMessage(db.display, ms);
    return new StaleError(message, hint);
  }

  /** Child collections of the given tier refs (all when `refs` is null), one statement per table and batch. */
  async function readChildren(tx: Transaction, refs: Ref[] | null, permissionNames: Map<number, string>, orphans?: { known: Map<string, string>; found: OrphanRow[] }): Promise<Map<string, TierChildren>> {
    // Which row, in words: the tier's key when the snapshot read it, else its id.
    const tierWords = (ref: Ref): string => {
      const key = orphans?.known.get(String(ref));
      return key !== undefined ? `tier ${JSON.stringify(key)}` : `tier id ${String(ref)}`;
    };
    const out = new Map<string, TierChildren>();
    // Orphans (a child row whose tier row is gone) exist only where child rows hold a tier id.
    const orphan = (k: string): boolean => Boolean(orphans && idColumn && !orphans.known.has(k));
    const of = (k: string): TierChildren => {
      let c = out.get(k);
      if (!c) out.set(k, (c = { permissions: [], limits: dict(), billingKeys: [] }));
      return c;
    };
    // A child row in words (`tier id 7`) is read only for an error: not built for each of ~180,000 rows.
    const childRow = (table: string, ref: Ref): RowRef => new TierIdRowRef(table, ref);
    const batches = refs === null ? [null] : chunk(refs);
    for (const batch of batches) {
      const where = (column: string) => (batch === null ? {} : { where: { [column]: batch } });
      if (models.grant && d.permissions.kind === 'join') {
        const p = d.permissions;
        for (const g of await raw<Record<string, unknown>>(models.grant, tx, { attributes: [p.tierIdColumn, p.permissionIdColumn], ...where(p.tierIdColumn) })) {
          const ref = toRef(g[p.tierIdColumn], p.table);
          const permissionId = integerValue(childRow(p.table, ref), p.permissionIdColumn, g[p.permissionIdColumn]);
          const name = permissionNames.get(permissionId);
          const k = String(ref);
          if (orphan(k) || (orphans && name === undefined)) {
            orphans?.found.push({ table: 'subscription_tier_permission', tier_id: ref as number, permission_id: permissionId, missing: orphan(k) ? 'tier' : 'permission' });
          } else if (name !== undefined) of(k).permissions.push(name);
        }
      }
      if (models.limit && d.limits.kind === 'rows') {
        const l = d.limits;
        for (const r of await raw<Record<string, unknown>>(models.limit, tx, { attributes: [l.tierIdColumn, l.nameColumn, l.valueColumn], ...where(l.tierIdColumn) })) {
          const ref = toRef(r[l.tierIdColumn], l.table);
          const name = textValue(childRow(l.table, ref), l.nameColumn, r[l.nameColumn]);
          const k = String(ref);
          if (orphan(k)) {
            orphans?.found.push({ table: 'tier_limit', tier_id: ref as number, limit_key: name, missing: 'tier' });
            continue;
          }
          // The error's words (the tier's key, looked up) only for a value that is refused.
          const value = limitValueOf(r[l.valueColumn]);
          of(k).limits[name] = value !== undefined ? value : storedLimitValue(r[l.valueColumn], { table: l.table, limit: name, tier: tierWords(ref).slice('tier '.length), column: l.valueColumn });
        }
      }
      if (models.billingKey && d.billingKeys.kind === 'rows') {
        const b = d.billingKeys;
        for (const r of await raw<Record<string, unknown>>(models.billingKey, tx, { attributes: [b.tierIdColumn, b.providerColumn, b.keyColumn], ...where(b.tierIdColumn) })) {
          const ref = toRef(r[b.tierIdColumn], b.table);
          const row = childRow(b.table, ref);
          const key = textValue(row, b.keyColumn, r[b.keyColumn]);
          const k = String(ref);
          if (orphan(k)) {
            orphans?.found.push({ table: 'tier_billing_key', tier_id: ref as number, provider: textValue(row, b.providerColumn, r[b.providerColumn]), key, missing: 'tier' });
            continue;
          }
          of(k).billingKeys.push(key);
        }
      }
    }
    return out;
  }

  async function readVocabulary(tx: Transaction): Promise<{ permissions: Record<string, string>; ids: Map<string, number>; names: Map<number, string> }> {
    const permissions = dict<string>();
    const byName = new Map<string, number>();
    const byId = new Map<number, string>();
    if (models.permission && d.permissions.kind === 'join') {
      const v = d.permissions.vocabulary;
      const attributes = [v.idColumn, v.nameColumn, ...(v.descriptionColumn ? [v.descriptionColumn] : [])];
      for (const r of await raw<Record<string, unknown>>(models.permission, tx, { attributes })) {
        const id = integerValue({ table: v.table, row: 'a row' }, v.idColumn, r[v.idColumn]);
        const name = textValue({ table: v.table, row: `id ${id}` }, v.nameColumn, r[v.nameColumn]);
        permissions[name] = v.descriptionColumn ? textValue({ table: v.table, row: `permission ${JSON.stringify(name)}` }, v.descriptionColumn, r[v.descriptionColumn] ?? '') : '';
        byName.set(name, id);
        byId.set(id, name);
      }
    }
    return { permissions, ids: byName, names: byId };
  }

  /** Tier rows (all, or the given refs), one statement per batch; timestamps are never read. */
  async function readTierRows(tx: Transaction, refs: Ref[] | null, platformColumn: boolean): Promise<TierRow[]> {
    const platform = platformColumn && d.tier.platform ? [d.tier.platform.column] : [];
    const attributes = [...new Set([...(idColumn ? [idColumn] : []), d.tier.keyColumn, ...platform, ...Object.entries(d.tier.columns).filter(([, s]) => s.kind !== 'timestamp').map(([c]) => c)])];
    if (refs === null) return raw<TierRow>(models.tier, tx, { attributes });
    const rows: TierRow[] = [];
    for (const batch of chunk(refs)) rows.push(...(await raw<TierRow>(models.tier, tx, { attributes, where: { [refColumn]: batch } })));
    return rows;
  }

  /** The app's platform table (id <-> code) in one statement, when the description resolves platforms through it. */
  async function readPlatforms(tx: Transaction): Promise<PlatformRows | null> {
    const p = d.tier.platform;
    if (!models.platform || p?.kind !== 'table') return null;
    const codeById = new Map<string, string>();
    const idByCode = new Map<string, number>();
    for (const r of await raw<Record<string, unknown>>(models.platform, tx, { attributes: [p.idColumn, p.codeColumn] })) {
      const id = integerValue({ table: p.table, row: 'a row' }, p.idColumn, r[p.idColumn]);
      const code = textValue({ table: p.table, row: `id ${id}` }, p.codeColumn, r[p.codeColumn]);
      codeById.set(String(id), code);
      idByCode.set(code, id);
    }
    return { codeById, idByCode };
  }

  /** A tier row's ref (`key`, or `key@platform`), as the catalog names it. */
  const refOfRow = (row: TierRow, platforms: PlatformRows | null): string => {
    const key = String(row[d.tier.keyColumn]);
    return tierRef({ key, platform: rowPlatform(d, row, { table: d.tier.table, row: `tier ${JSON.stringify(key)}` }, platforms) });
  };

  const store: TierStore = {
    display: db.display,
    description: d,

    async read(fn) {
      const tx = await db.engine.beginRead(db.sequelize);
      try {
        return await fn(new SqlTransaction('read', tx));
      } finally {
        await tx.rollback().catch(() => undefined);
      }
    },

    async write(lockTimeoutMs, fn, onCommitSent) {
      try {
        return await writeOnce(lockTimeoutMs, fn, onCommitSent, false);
      } catch (err) {
        // A pending migration rebuilds a referenced SQLite table (migrations/0003): nothing was
        // written; the whole write runs again in a transaction opened with foreign keys off.
        if (err instanceof ForeignKeysOnError) return writeOnce(lockTimeoutMs, fn, onCommitSent, true);
        throw err;
      }
    },

    async snapshot(t) {
      const tx = unwrap(t);
      const { tables, status } = await inspect(tx);
      // tierctl's own table gains its platform column by migration 0003; before it ran (plan never
      // migrates) every tier is global, read and written without the column.
      const platformColumn = Boolean(d.tier.platform) && (d.origin !== 'builtin' || status.executed.includes(PLATFORM_MIGRATION));
      if (!tables.has(d.tier.table)) {
        const empty: StoreSnapshot = { catalog: emptyCatalog(), tierIds: dict(), initialised: false, orphans: [] };
        ids.set(empty, { refs: new Map(), permissionIds: new Map(), platforms: null, platformColumn });
        return empty;
      }
      const platforms = await readPlatforms(tx);
      // Sequential on purpose: one connection serves the snapshot transaction.
      // The audit table is not read here: the app's runtime path (openCatalog) must not depend
      // on it; plan and drift read the last run apart (lastRun), tolerating a damaged row.
      const tierRows = await readTierRows(tx, null, platformColumn);
      const vocabulary = await readVocabulary(tx);
      const known = new Map(tierRows.map((row) => [String(toRef(row[refColumn])), String(row[d.tier.keyColumn])]));
      const orphans = { known, found: [] as OrphanRow[] };
      const children = await readChildren(tx, null, vocabulary.names, orphans);

      const none: TierChildren = { permissions: [], limits: dict(), billingKeys: [] };
      const tiers: Tier[] = [];
      const tierIds = dict<number>();
      const refs = new Map<string, Ref>();
      for (const row of tierRows) {
        const ref = toRef(row[refColumn]);
        const tier = rowToTier(d, row, children.get(String(ref)) ?? none, platforms);
        tiers.push(tier);
        refs.set(tierRef(tier), ref);
        if (idColumn) tierIds[tierRef(tier)] = ref as number;
      }
      const snapshot: StoreSnapshot = {
        catalog: normaliseCatalog(vocabulary.permissions, tiers),
        tierIds,
        initialised: true,
        orphans: sortOrphans(orphans.found),
        ...(platforms ? { platforms: [...platforms.idByCode.keys()].sort() } : {}),
      };
      ids.set(snapshot, { refs, permissionIds: vocabulary.ids, platforms, platformColumn });
      return snapshot;
    },

    async lastRun(t) {
      const tx = unwrap(t);
      const tables = await db.engine.listTables(db.sequelize, tx);
      return tables.has(names.run) ? readLastRun(tx) : { run: null, problems: [] };
    },

    async countSubscribers(t, snapshot) {
      const tx = unwrap(t);
      const ref = d.subscribers;
      if (!ref || Object.keys(snapshot.catalog.tiers).length === 0) return {};
      const modelName = `tierctl:subscribers:${ref.table}.${ref.column}`;
      const model =
        db.sequelize.isDefined(modelName)
          ? db.sequelize.model(modelName)
          : db.sequelize.define(modelName, { [ref.column]: { type: ref.references === 'id' ? DataTypes.INTEGER : DataTypes.STRING } }, { tableName: ref.table, timestamps: false, freezeTableName: true });
      model.removeAttribute('id');
      let rows: Record<string, unknown>[];
      try {
        // In a savepoint: on PostgreSQL a failed statement (a missing table) would otherwise abort
        // the caller's transaction, and apply plans and writes in the same one.
        rows = await db.sequelize.transaction({ transaction: tx }, (savepoint) =>
          raw<Record<string, unknown>>(model, savepoint, { attributes: [ref.column, [fn('COUNT', col(ref.column)), 'n']], where: { [ref.column]: { [Op.ne]: null } }, group: [ref.column] }),
        );
      } catch (err) {
        throw new TierctlError(`cannot count subscribers in ${ref.table}.${ref.column}: ${redact(errorMessage((err as { original?: unknown }).original ?? err))}`, {
          hint: 'fix subscribers: in catalog.yaml (table and column the application uses), or remove it; deletes stay refused until subscribers can be counted',
        });
      }
      // By key, a value names every tier of that key (global and on each platform): each is
      // counted, so none of them can be deleted from under those subscribers.
      const tiersByRef = new Map<string, string[]>();
      for (const [name, tier] of Object.entries(snapshot.catalog.tiers)) {
        const value = ref.references === 'key' ? tier.key : String(snapshot.tierIds[name]);
        tiersByRef.set(value, [...(tiersByRef.get(value) ?? []), name]);
      }
      const out = dict<number>();
      for (const r of rows) {
        for (const name of tiersByRef.get(String(ref.references === 'id' ? Number(r[ref.column]) : r[ref.column])) ?? []) out[name] = Number(r['n']);
      }
      return out;
    },

    async apply(t, base, changes, hooks = {}) {
      const tx = unwrap(t, 'write');
      const known = ids.get(base);
      if (!known) throw new BugError('apply needs a snapshot read by this store in this transaction');
      return writeChanges({ tx, base, known, changes, hooks });
    },

    async recordRun(t, run) {
      const tx = unwrap(t, 'write');
      // Model.create binds its values ($1…) instead of escaping them: the two JSON values are ~12 MB at 10,000 tiers.
      const row = await models.run.create({ ...run }, { transaction: tx });
      return Number(row.get('id'));
    },

    async history(t, limit, only) {
      const tx = unwrap(t);
      const tables = await db.engine.listTables(db.sequelize, tx);
      if (!tables.has(names.run)) return [];
      const rows = await raw<Record<string, unknown>>(models.run, tx, {
        attributes: ['id', 'started_at', 'finished_at', 'tool_version', 'actor', 'git_sha', 'status', 'base_fingerprint', 'result_fingerprint', 'changes'],
        ...(only?.id !== undefined ? { where: { id: only.id } } : {}),
        order: [['id', 'DESC']],
        limit,
      });
      return rows.map(
        (r): RecordedRun => ({
          id: Number(r['id']),
          // Dates as the driver gave them (history checks them and reports a damaged row by id).
          started_at: r['started_at'] instanceof Date ? (Number.isNaN(r['started_at'].getTime()) ? 'Invalid Date' : r['started_at'].toISOString()) : String(r['started_at']),
          finished_at: r['finished_at'] === null || r['finished_at'] === undefined ? null : r['finished_at'] instanceof Date ? (Number.isNaN(r['finished_at'].getTime()) ? 'Invalid Date' : r['finished_at'].toISOString()) : String(r['finished_at']),
          tool_version: String(r['tool_version']),
          actor: (r['actor'] as string | null) ?? null,
          git_sha: (r['git_sha'] as string | null) ?? null,
          status: String(r['status']),
          base_fingerprint: String(r['base_fingerprint']),
          result_fingerprint: (r['result_fingerprint'] as string | null) ?? null,
          changes: String(r['changes']),
        }),
      );
    },

    async migrationStatus(t) {
      return (await inspect(unwrap(t))).status;
    },

    async migrate(t) {
      const tx = unwrap(t, 'write');
      const { tables, status } = await inspect(tx);
      return runPendingMigrations({ db, tx, models, prefix: d.bookkeeping.prefix, migrationTable: names.migration, migrations, tierTables: d.origin === 'builtin' }, status, tables.has(names.migration));
    },

    close: () => db.close(),
  };

  /**
   * One write transaction (see `write`). `foreignKeysOff`: SQLite opened without foreign keys,
   * for a migration that rebuilds a referenced table; the transaction then may not leave any
   * row without its parent that was not so before (`PRAGMA foreign_key_check`), or it rolls back.
   */
  async function writeOnce<T>(lockTimeoutMs: number, fn: (tx: StoreTransaction) => Promise<T>, onCommitSent: (() => void | Promise<void>) | undefined, foreignKeysOff: boolean): Promise<T> {
    let tx: Transaction;
    try {
      tx = await db.engine.beginLockedWrite(db.sequelize, lockTimeoutMs, { foreignKeysOff });
    } catch (err) {
      if (db.engine.isLockTimeout(err)) throw lockTimeout(lockTimeoutMs);
      throw storageFailure(db, err, false) ?? err;
    }
    let committing = false;
    try {
      // With foreign keys off, nothing may leave a row without its parent that was not so before.
      const brokenBefore = foreignKeysOff ? await db.engine.brokenForeignKeys(db.sequelize, tx) : 0;
      const result = await fn(new SqlTransaction('write', tx));
      if (foreignKeysOff) {
        const broken = (await db.engine.brokenForeignKeys(db.sequelize, tx)) - brokenBefore;
        if (broken > 0) throw new TierctlError(`this write would leave ${broken} row${broken === 1 ? '' : 's'} pointing at tiers that no longer exist; nothing was applied`, { hint: 'a tier still referenced by the application (or tierctl\'s own rows) cannot be deleted: move its subscribers first, then plan again' });
      }
      committing = true;
      const commit = tx.commit();
      if (onCommitSent) {
        commit.catch(() => undefined); // awaited just below; this only keeps it from counting as unhandled meanwhile
        await onCommitSent();
      }
      await commit;
      return result;
    } catch (err) {
      // On a dead connection the server has rolled back already; trying again only makes
      // Sequelize print its own warning past tierctl's output (and its redaction).
      if (!committing && !db.engine.isConnectionLost(err)) await tx.rollback().catch(() => undefined);
      if (db.engine.isLockTimeout(err)) throw lockTimeout(lockTimeoutMs);
      throw storageFailure(db, err, committing) ?? err;
    }
  }

  /** The last applied run, in one query; a damaged row is read as far as it can be and reported by id (read-last-run.ts). */
  async function readLastRun(tx: Transaction): Promise<LastRunRead> {
    const [run] = await raw<Record<string, unknown>>(models.run, tx, {
      attributes: ['id', 'result_fingerprint', 'finished_at', 'result_state'],
      where: { status: ['applied', 'no-op'], result_fingerprint: { [Op.ne]: null } },
      order: [['id', 'DESC']],
      limit: 1,
    });
    return lastRunFromRow(run, names.run);
  }

  /**
   * A plan's changes inside the caller's transaction, in batches: statements grow with the
   * number of tables and batches, not with rows. Child rows (grants, limits, billing keys)
   * of touched tiers are replaced wholesale, old rows first, so a billing key can move
   * between tiers within one apply. Then the written tiers are read back for the self-check.
   */
  async function writeChanges(input: { tx: Transaction; base: StoreSnapshot; known: SnapshotIds; changes: readonly Change[]; hooks: WriteHooks }): Promise<AppliedWrites> {
    const { tx, base, known, changes, hooks } = input;
    let statements = 0;
    let previousKind = '';
    /** `kind` (e.g. the table of an INSERT): the same kind twice running is one batched write continuing. */
    const step = async <T>(fn: () => Promise<T>, kind = ''): Promise<T> => {
      statements++;
      if (hooks.at && kind && kind === previousKind) await hooks.at('mid-batch');
      previousKind = kind;
      await hooks.beforeStatement?.(statements);
      const result = await fn();
      if (statements === 1) await hooks.at?.('after-first-write');
      return result;
    };
    // Multi-row INSERTs through Sequelize's query generator (its quoting and per-type escaping),
    // without building a model instance per row: at 10,000 tiers that is 180,000 rows.
    const queryInterface = db.sequelize.getQueryInterface();
    const insert = (model: AnyModel, rows: Record<string, unknown>[], extra: Record<string, unknown> = {}) =>
      step(() => queryInterface.bulkInsert(model.getTableName(), rows, { transaction: tx, ...extra }, model.getAttributes()), `insert ${String(model.getTableName())}`);
    /** Rows added one by one, written ROWS_PER_STATEMENT at a time (never all held at once). */
    const batcher = (model: AnyModel) => {
      let pending: Record<string, unknown>[] = [];
      return {
        async add(row: Record<string, unknown>) {
          pending.push(row);
          if (pending.length >= ROWS_PER_STATEMENT) await this.flush();
        },
        async flush() {
          if (pending.length) await insert(model, pending);
          pending = [];
        },
      };
    };
    /**
     * One `UPDATE t SET c = CASE ref WHEN r1 THEN v1 … ELSE c END, … WHERE ref IN (r1, …)` for
     * a batch of rows, through Sequelize's query generator: identifiers quoted and values
     * escaped per column type by the dialect, the WHERE built by Sequelize. `ELSE c` also gives
     * the CASE the column's type on PostgreSQL (quoted literals then coerce to it).
     */
    const queryGenerator = queryInterface.queryGenerator as {
      quoteIdentifier(name: string): string;
      quoteTable(table: unknown): string;
      escape(value: unknown, field?: unknown, options?: { context: string }): string;
      whereQuery(where: Record<string, unknown>): string;
    };
    const updateByRef = async (model: AnyModel, rows: { ref: Ref; values: Record<string, unknown> }[], keep: ReadonlySet<string>) => {
      const attributes = model.getAttributes() as Record<string, { type?: { key?: string } }>;
      const columns = Object.keys(rows[0]?.values ?? {}).filter((c) => !keep.has(c));
      if (!columns.length) return;
      const ref = queryGenerator.quoteIdentifier(refColumn);
      const refs = rows.map((r) => queryGenerator.escape(r.ref, attributes[refColumn]));
      const set = columns.map((column) => {
        const q = queryGenerator.quoteIdentifier(column);
        const field = attributes[column];
        const whens = rows.map((r, i) => `WHEN ${refs[i] as string} THEN ${queryGenerator.escape(asColumnValue(r.values[column], field), field, { context: 'UPDATE' })}`);
        return `${q} = CASE ${ref} ${whens.join(' ')} ELSE ${q} END`;
      });
      // Values are escaped into the text, so no bind parameters: Sequelize would read a "$9" inside a string literal as one.
      const sql = `UPDATE ${queryGenerator.quoteTable(model.getTableName())} SET ${set.join(', ')} ${queryGenerator.whereQuery({ [refColumn]: rows.map((r) => r.ref) })}`;
      await db.sequelize.query(sql, { transaction: tx, type: QueryTypes.UPDATE, raw: true });
    };
    const now = new Date();
    // The description rows are written by: without the platform column where the table has none yet.
    const rowsOf: StorageDescription = known.platformColumn ? d : { ...d, tier: { ...d.tier, platform: null } };
    const target = targetOf(base.catalog, changes);
    const refs = new Map(known.refs);
    const permissionIds = new Map(known.permissionIds);
    const refOf = (key: string): Ref => {
      const ref = refs.get(key);
      if (ref === undefined) throw new BugError(`no row for tier ${key}`);
      return ref;
    };

    // 0. Orphan child rows first (batched per table): a leftover billing key or limit row would
    //    collide with rows inserted below.
    const orphanTables = { subscription_tier_permission: models.grant, tier_limit: models.limit, tier_billing_key: models.billingKey } as const;
    const orphanWhere = (o: OrphanRow): Record<string, unknown> => {
      if (o.table === 'subscription_tier_permission' && d.permissions.kind === 'join') return { [d.permissions.tierIdColumn]: o.tier_id, [d.permissions.permissionIdColumn]: o.permission_id };
      if (o.table === 'tier_limit' && d.limits.kind === 'rows') return { [d.limits.tierIdColumn]: o.tier_id, [d.limits.nameColumn]: o.limit_key };
      if (o.table === 'tier_billing_key' && d.billingKeys.kind === 'rows') return { [d.billingKeys.tierIdColumn]: o.tier_id, [d.billingKeys.providerColumn]: o.provider, [d.billingKeys.keyColumn]: o.key };
      throw new BugError(`an orphan row in ${o.table}, which this storage does not have`);
    };
    for (const table of Object.keys(orphanTables) as (keyof typeof orphanTables)[]) {
      const model = orphanTables[table];
      const rows = changes.filter((c) => c.kind === 'orphan' && c.table === table) as unknown as OrphanRow[];
      if (!rows.length) continue;
      if (!model) throw new BugError(`an orphan row in ${table}, which this storage does not have`);
      for (const part of chunk(rows)) await step(() => model.destroy({ where: { [Op.or]: part.map(orphanWhere) }, transaction: tx }));
    }

    // 1. Permission vocabulary: creates in batches, description updates one by one (rare).
    const permCreates = changes.filter((c): c is Extract<Change, { kind: 'permission'; action: 'create' }> => c.kind === 'permission' && c.action === 'create');
    if (models.permission && d.permissions.kind === 'join') {
      const v = d.permissions.vocabulary;
      const permission = models.permission;
      for (const part of chunk(permCreates)) {
        await insert(permission, part.map((c) => ({ [v.nameColumn]: c.permission, ...(v.descriptionColumn ? { [v.descriptionColumn]: c.after.description } : {}) })));
        const rows = await raw<Record<string, unknown>>(permission, tx, { attributes: [v.idColumn, v.nameColumn], where: { [v.nameColumn]: part.map((c) => c.permission) } });
        for (const r of rows) permissionIds.set(String(r[v.nameColumn]), Number(r[v.idColumn]));
      }
      const descriptionColumn = v.descriptionColumn;
      if (descriptionColumn) {
        for (const c of changes) {
          if (c.kind === 'permission' && c.action === 'update') {
            await step(() => permission.update({ [descriptionColumn]: c.fields.description.after }, { where: { [v.nameColumn]: c.permission }, transaction: tx }));
          }
        }
      }
    }

    // 2. Renames keep the row id; two steps so swapped keys never collide on the key's unique constraint.
    const renames = changes.filter((c): c is Extract<Change, { action: 'rename' }> => c.action === 'rename');
    if (renames.length && !idColumn) throw new BugError('a rename reached a storage whose key is its primary key');
    const writeStamps = Object.fromEntries(Object.entries(d.tier.columns).filter(([, s]) => s.kind === 'timestamp' && s.on === 'write').map(([c]) => [c, now]));
    for (const r of renames) {
      const id = refOf(r.from);
      await step(() => models.tier.update({ [d.tier.keyColumn]: `~rename~${id}` }, { where: { [idColumn as string]: id }, transaction: tx }));
    }
    for (const r of renames) {
      const id = refOf(r.from);
      await step(() => models.tier.update({ [d.tier.keyColumn]: parseTierRef(r.tier).key, ...writeStamps }, { where: { [idColumn as string]: id }, transaction: tx }));
      refs.delete(r.from);
      refs.set(r.tier, id);
    }

    // 3. Drop child rows of every tier that is updated or deleted; they are rewritten below.
    const touched = new Set<string>();
    const deletes: string[] = [];
    for (const c of changes) {
      if (c.kind !== 'tier') continue;
      if (c.action === 'update') touched.add(c.tier);
      if (c.action === 'delete') deletes.push(c.tier);
    }
    const childTables: [AnyModel, string][] = [];
    if (models.grant && d.permissions.kind === 'join') childTables.push([models.grant, d.permissions.tierIdColumn]);
    if (models.limit && d.limits.kind === 'rows') childTables.push([models.limit, d.limits.tierIdColumn]);
    if (models.billingKey && d.billingKeys.kind === 'rows') childTables.push([models.billingKey, d.billingKeys.tierIdColumn]);
    for (const part of chunk([...touched, ...deletes].map(refOf))) {
      for (const [model, column] of childTables) await step(() => model.destroy({ where: { [column]: part }, transaction: tx }));
    }
    for (const part of chunk(deletes.map(refOf))) await step(() => models.tier.destroy({ where: { [refColumn]: part }, transaction: tx }));
    for (const k of deletes) refs.delete(k);

    // 4. New tiers in batches, then their ids in one query per batch.
    const creates = changes.filter((c): c is Extract<Change, { action: 'create'; kind: 'tier' }> => c.kind === 'tier' && c.action === 'create').map((c) => c.after);
    for (const part of chunk(creates)) {
      await insert(models.tier, part.map((tier) => tierToRow(rowsOf, tier, now, true, known.platforms)));
      if (idColumn) {
        // By key: the same key may also exist on other platforms, so each row's ref is rebuilt from its platform.
        const platformAttr = rowsOf.tier.platform ? [rowsOf.tier.platform.column] : [];
        const back = await raw<TierRow>(models.tier, tx, { attributes: [idColumn, d.tier.keyColumn, ...platformAttr], where: { [d.tier.keyColumn]: [...new Set(part.map((tier) => tier.key))] } });
        const created = new Set(part.map(tierRef));
        for (const r of back) {
          const name = refOfRow(r, known.platforms);
          if (created.has(name)) refs.set(name, Number(r[idColumn]));
        }
      } else {
        for (const tier of part) refs.set(tierRef(tier), tier.key);
      }
    }

    // 5. Updated and retired tiers: one UPDATE per batch sets every named column from the target
    //    state (an upsert's INSERT half would need every NOT NULL column of the app's table,
    //    named or not). Create timestamps, the key and the id are left as they are.
    const rewritten = [...new Set(changes.filter((c) => c.kind === 'tier' && (c.action === 'update' || c.action === 'retire')).map((c) => (c as { tier: string }).tier))];
    // Identity (key, id, platform) is never rewritten by an update; a rename has its own step.
    const keep = new Set([d.tier.keyColumn, ...(idColumn ? [idColumn] : []), ...(rowsOf.tier.platform ? [rowsOf.tier.platform.column] : [])]);
    for (const part of chunk(rewritten)) {
      const rows = part.map((k) => ({ ref: refOf(k), values: tierToRow(rowsOf, target.tier(k), now, false, known.platforms) }));
      await step(() => updateByRef(models.tier, rows, keep), `update ${String(models.tier.getTableName())}`);
    }

    // 6. Child rows of created and updated tiers, from the target state.
    const childOwners = [...creates.map(tierRef), ...touched];
    if (models.grant && d.permissions.kind === 'join') {
      const p = d.permissions;
      const grants = batcher(models.grant);
      for (const k of childOwners) {
        for (const name of (target.tier(k)).permissions) {
          const pid = permissionIds.get(name);
          if (pid === undefined) throw new BugError(`permission ${name} has no row`);
          await grants.add({ [p.tierIdColumn]: refOf(k), [p.permissionIdColumn]: pid });
        }
      }
      await grants.flush();
    }
    if (models.limit && d.limits.kind === 'rows') {
      const l = d.limits;
      const limits = batcher(models.limit);
      for (const k of childOwners) for (const [name, value] of Object.entries((target.tier(k)).limits)) await limits.add({ [l.tierIdColumn]: refOf(k), [l.nameColumn]: name, [l.valueColumn]: value });
      await limits.flush();
    }
    if (models.billingKey && d.billingKeys.kind === 'rows') {
      const b = d.billingKeys;
      const keys = batcher(models.billingKey);
      for (const k of childOwners) {
        const tier = target.tier(k);
        for (const key of tier.billing_keys) await keys.add({ [b.tierIdColumn]: refOf(k), [b.providerColumn]: tier.billing_provider, [b.keyColumn]: key });
      }
      await keys.flush();
    }

    // 7. Permissions no longer declared (their grants are gone by now).
    if (models.permission && d.permissions.kind === 'join') {
      const v = d.permissions.vocabulary;
      const permission = models.permission;
      const permDeletes = changes.filter((c) => c.kind === 'permission' && c.action === 'delete').map((c) => (c as { permission: string }).permission);
      for (const part of chunk(permDeletes)) await step(() => permission.destroy({ where: { [v.nameColumn]: part }, transaction: tx }));
    }

    // Self-check input: every written tier read back from the tables; untouched tiers are the base's.
    const written = new Set<string>([...creates.map(tierRef), ...touched, ...rewritten, ...renames.map((r) => r.tier)]);
    const result = await readBack(tx, base.catalog, target, written, deletes, renames.map((r) => r.from), [...written].map(refOf), known);
    return { statements, result };
  }

  async function readBack(tx: Transaction, base: Catalog, target: Target, written: Set<string>, deleted: string[], renamedFrom: string[], writtenRefs: Ref[], known: SnapshotIds): Promise<Catalog> {
    const vocabulary = d.permissions.kind === 'join' ? await readVocabulary(tx) : { permissions: target.permissions(), names: new Map<number, string>() };
    const rows = writtenRefs.length ? await readTierRows(tx, writtenRefs, known.platformColumn) : [];
    const children = writtenRefs.length ? await readChildren(tx, writtenRefs, vocabulary.names) : new Map<string, TierChildren>();
    const gone = new Set([...deleted, ...renamedFrom, ...written]);
    const tiers: Tier[] = Object.entries(base.tiers).filter(([name]) => !gone.has(name)).map(([, tier]) => tier);
    const none: TierChildren = { permissions: [], limits: dict(), billingKeys: [] };
    for (const row of rows) tiers.push(rowToTier(d, row, children.get(String(toRef(row[refColumn]))) ?? none, known.platforms));
    return normaliseCatalog(vocabulary.permissions, tiers);
  }

  return store;
}
