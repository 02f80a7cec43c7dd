import { MIGRATIONS } from '../../migrations/index.js';
import { emptyCatalog, normaliseCatalog, type Catalog, type Tier } from '../catalog/model.js';
import { BugError, StaleError, TierctlError } from '../errors.js';
import type { Change } from '../plan/plan-schema.js';
import { projectChanges } from '../plan/project-changes.js';
import { builtinStorage, type StorageDescription } from './storage-description.js';
import { lastRunFromRow, type LastRunRead } from '../state/read-last-run.js';
import type { MigrationStatus, RecordedRun, RunRecord, StoreSnapshot, StoreTransaction, TierStore } from './tier-store.js';
import { toDict } from '../dict.js';

/** The twin's whole database: what the SQL tables would hold. */
interface MemoryData {
  /** null until migrated (no tables). */
  migrations: string[] | null;
  catalog: Catalog;
  ids: Record<string, number>;
  nextId: number;
  runs: (RunRecord & { id: number })[];
}

class MemoryTransaction implements StoreTransaction {
  constructor(
    readonly mode: 'read' | 'write',
    readonly data: MemoryData,
  ) {}
}

export interface MemoryTierStore extends TierStore {
  /** Test set-up: subscribers per tier key (what the app's table would hold). */
  setSubscribers(counts: Record<string, number>): void;
}

const clone = <T>(value: T): T => structuredClone(value);

/**
 * The in-memory twin of the TierStore port (umzug's memory storage): the same contract as
 * the Sequelize store (tests/integration/tier-store-contract.test.ts runs both), for unit
 * tests of everything above the store. Writes go to a copy that replaces the data only
 * when the transaction's function resolves, so a failure changes nothing; one writer at a time.
 */
export function createMemoryTierStore(description: StorageDescription = builtinStorage(), migrations: readonly string[] = MIGRATIONS.map((m) => m.name)): MemoryTierStore {
  let data: MemoryData = { migrations: null, catalog: emptyCatalog(), ids: {}, nextId: 1, runs: [] };
  let subscribers: Record<string, number> = {};
  let lock: Promise<void> = Promise.resolve();
  let closed = false;
  const open = (t: StoreTransaction, mode?: 'write'): MemoryTransaction => {
    if (closed) throw new BugError('the store is closed');
    if (!(t instanceof MemoryTransaction)) throw new BugError('a transaction from another store');
    if (mode && t.mode !== mode) throw new BugError('a write needs the write transaction');
    return t;
  };
  // The same reading as the SQL store's (read-last-run.ts): the twin holds the audit row's text values.
  const lastRun = (d: MemoryData): LastRunRead => {
    const run = [...d.runs].reverse().find((r) => (r.status === 'applied' || r.status === 'no-op') && r.result_fingerprint);
    return lastRunFromRow(run ? { id: run.id, result_fingerprint: run.result_fingerprint, finished_at: run.finished_at, result_state: run.result_state } : undefined);
  };

  return {
    display: 'memory',
    description,
    setSubscribers(counts) {
      subscribers = { ...counts };
    },
    async read(fn) {
      return fn(new MemoryTransaction('read', clone(data)));
    },
    async write(lockTimeoutMs, fn, onCommitSent) {
      const previous = lock;
      let release = () => undefined as void;
      lock = new Promise<void>((r) => (release = r));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        previous.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), lockTimeoutMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        void previous.then(release);
        throw new StaleError(`another tierctl run holds the lock on memory; gave up after ${lockTimeoutMs} ms`, 'wait for the other apply to finish, then plan again (or raise --lock-timeout)');
      }
      try {
        const working = clone(data);
        const result = await fn(new MemoryTransaction('write', working));
        data = working;
        await onCommitSent?.();
        return result;
      } finally {
        release();
      }
    },
    async snapshot(t) {
      const { data: d } = open(t);
      // The twin's rows are the catalog itself: it holds no orphan rows.
      if (d.migrations === null) return { catalog: emptyCatalog(), tierIds: {}, initialised: false, orphans: [] };
      return { catalog: clone(d.catalog), tierIds: toDict(d.ids), initialised: true, orphans: [] };
    },
    async lastRun(t) {
      return lastRun(open(t).data);
    },
    async countSubscribers(t, snapshot: StoreSnapshot) {
      open(t);
      if (!description.subscribers) return {};
      return Object.fromEntries(Object.entries(subscribers).filter(([k, n]) => k in snapshot.catalog.tiers && n > 0));
    },
    async apply(t, base, changes: readonly Change[]) {
      const { data: d } = open(t, 'write');
      if (d.migrations === null) throw new BugError('apply before migrate');
      let statements = 0;
      for (const c of changes) {
        statements++;
        if (c.kind !== 'tier') continue;
        // What the tables' constraints would refuse (uq_…_platform_key, uq_…_global_key: one row per tier ref).
        if (c.action === 'create' && c.tier in d.catalog.tiers) throw new TierctlError(`duplicate tier key ${c.tier}`);
        if (c.action === 'rename') {
          const id = d.ids[c.from];
          if (id === undefined) throw new BugError(`rename of unknown tier ${c.from}`);
          delete d.ids[c.from];
          d.ids[c.tier] = id;
        }
        if (c.action === 'create') d.ids[c.tier] = d.nextId++;
        if (c.action === 'delete') delete d.ids[c.tier];
      }
      const next = projectChanges(base.catalog, changes);
      d.catalog = normaliseCatalog(next.permissions, Object.values(next.tiers) as Tier[]);
      return { statements, result: clone(d.catalog) };
    },
    async recordRun(t, run) {
      const { data: d } = open(t, 'write');
      const id = (d.runs.at(-1)?.id ?? 0) + 1;
      d.runs.push({ ...run, id });
      return id;
    },
    async history(t, limit, only) {
      const { data: d } = open(t);
      return [...d.runs]
        .filter((r) => only?.id === undefined || r.id === only.id)
        .reverse()
        .slice(0, limit)
        .map(
          (r): RecordedRun => ({
            id: r.id,
            started_at: r.started_at,
            finished_at: r.finished_at,
            tool_version: r.tool_version,
            actor: r.actor,
            git_sha: r.git_sha,
            status: r.status,
            base_fingerprint: r.base_fingerprint,
            result_fingerprint: r.result_fingerprint,
            changes: r.changes,
          }),
        );
    },
    async migrationStatus(t): Promise<MigrationStatus> {
      const { data: d } = open(t);
      const executed = d.migrations ?? [];
      return { executed: [...executed], pending: migrations.filter((m) => !executed.includes(m)) };
    },
    async migrate(t) {
      const { data: d } = open(t, 'write');
      const executed = d.migrations ?? [];
      const pending = migrations.filter((m) => !executed.includes(m));
      if (pending.length) d.migrations = [...executed, ...pending];
      return pending;
    },
    async close() {
      closed = true;
    },
  };
}
