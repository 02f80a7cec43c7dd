import type { Catalog } from '../catalog/model.js';
import type { OrphanRow } from '../plan/orphans.js';
import type { Change } from '../plan/plan-schema.js';
import type { LastRunRead } from '../state/read-last-run.js';
import type { StorageDescription } from './storage-description.js';

/**
 * The port in front of tier data (DESIGN.md, "Storage"). Everything that reads or writes
 * tiers goes through it: the Sequelize-model store (`sequelize-tier-store.ts`) for SQLite
 * and PostgreSQL, and the in-memory twin (`memory-tier-store.ts`) for unit tests. Both
 * pass the same contract tests (tests/integration/tier-store-contract.test.ts).
 *
 * Reads and writes happen inside a transaction the store opens (`read` / `write`); the
 * methods that take a `StoreTransaction` run inside it, so a caller can read, decide and
 * write under one lock without ever seeing SQL.
 */
export interface TierStore {
  /** The database as users may see it (no password). */
  readonly display: string;
  readonly description: StorageDescription;

  /** Runs `fn` in one consistent read-only snapshot, always rolled back: plan never writes. */
  read<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in one write transaction under the writer lock (another tierctl writer waits
   * up to `lockTimeoutMs`, then gets a StaleError: exit 4). Commits when `fn` resolves,
   * rolls everything back when it throws, so a failure leaves the tables as they were.
   */
  write<T>(lockTimeoutMs: number, fn: (tx: StoreTransaction) => Promise<T>, onCommitSent?: () => void | Promise<void>): Promise<T>;

  /**
   * The whole catalog, in a constant number of statements (one per table), every value
   * checked (a row holding nonsense is a TierctlError naming table, tier, column, value). A database
   * without tierctl's tables reads as empty (`initialised: false`); a table with one of
   * tierctl's names that tierctl did not create is a TierctlError naming it.
   */
  snapshot(tx: StoreTransaction): Promise<StoreSnapshot>;
  /**
   * The last run that left a known state (applied or no-op), for drift, in one statement.
   * Apart from snapshot: the app's runtime path never reads the audit table, and a damaged
   * audit row is reported (by id, in `problems`) instead of failing the read.
   */
  lastRun(tx: StoreTransaction): Promise<LastRunRead>;
  /** Subscribers per tier key, for every tier, in one grouped query ({} without `subscribers`). */
  countSubscribers(tx: StoreTransaction, snapshot: StoreSnapshot): Promise<Record<string, number>>;
  /**
   * Writes `changes` (a plan's, ordered) on top of `base` (the snapshot read in this same
   * write transaction), in batches. Returns the catalog the tables now hold, read back from
   * the tables for every tier it wrote (untouched tiers are `base`'s), for the self-check.
   */
  apply(tx: StoreTransaction, base: StoreSnapshot, changes: readonly Change[], hooks?: WriteHooks): Promise<AppliedWrites>;
  /** Appends the audit row; returns its id. */
  recordRun(tx: StoreTransaction, run: RunRecord): Promise<number>;
  /** Recorded runs, newest first ([] before the first apply); `only.id` picks one run. */
  history(tx: StoreTransaction, limit: number, only?: { id?: number }): Promise<RecordedRun[]>;

  /** Which of tierctl's migrations ran and which are pending. Reads only: no DDL. */
  migrationStatus(tx: StoreTransaction): Promise<MigrationStatus>;
  /**
   * Runs the pending migrations in the caller's write transaction (all or none). With none
   * pending it issues no DDL at all, so a role without CREATE privilege can apply.
   */
  migrate(tx: StoreTransaction): Promise<string[]>;

  close(): Promise<void>;
}

/** An open transaction of one store; opaque to callers, handed back to the same store's methods. */
export interface StoreTransaction {
  readonly mode: 'read' | 'write';
}

/** The catalog as stored, plus the row ids the app's foreign keys hold. */
export interface StoreSnapshot {
  catalog: Catalog;
  /** Tier ref (`key`, `key@platform`) → its id column's value (empty when the key is the primary key). */
  tierIds: Record<string, number>;
  /** false when the tables do not exist yet (a fresh database plans as empty). */
  initialised: boolean;
  /** Child rows whose tier (or permission) row is gone: drift, and removed by the next apply. */
  orphans: OrphanRow[];
  /** Platform codes the app's platform table holds (storage: resolving platforms through a table); absent otherwise. */
  platforms?: string[];
}

export type { LastRun, LastRunRead } from '../state/read-last-run.js';

/**
 * Named moments of an apply where a test can stop it (and kill it) deterministically:
 * before BEGIN; after the first write statement; between two statements of one batched
 * write (part of a table's rows written); after the last write (the audit row) with
 * COMMIT not yet sent; COMMIT sent, its outcome not yet known. See cli/test-hooks.ts.
 */
export const PAUSE_POINTS = ['before-begin', 'after-first-write', 'mid-batch', 'last-write', 'during-commit'] as const;
export type PausePoint = (typeof PAUSE_POINTS)[number];

export interface WriteHooks {
  /** Called before every write statement; tests use it to inject a fault at statement N. */
  beforeStatement?: (n: number) => void | Promise<void>;
  /** Called at each named point of an apply (test-only). */
  at?: (point: PausePoint) => void | Promise<void>;
}

export interface AppliedWrites {
  /** Write statements issued (the bench checks they grow with batches, not rows). */
  statements: number;
  /** The catalog after the writes: written tiers read back from the tables, the rest from `base`. */
  result: Catalog;
}

/** The audit row apply leaves (reconcile_run). JSON values are passed as text, bound, never escaped into SQL. */
export interface RunRecord {
  started_at: string;
  finished_at: string;
  tool_version: string;
  base_fingerprint: string;
  result_fingerprint: string;
  plan_fingerprint: string;
  actor: string | null;
  git_sha: string | null;
  /** JSON text of the plan's changes. */
  changes: string;
  /** JSON text of the catalog the run left. */
  result_state: string;
  status: 'applied' | 'no-op';
}

export interface RecordedRun {
  id: number;
  started_at: string;
  finished_at: string | null;
  tool_version: string;
  actor: string | null;
  git_sha: string | null;
  status: string;
  base_fingerprint: string;
  result_fingerprint: string | null;
  /** JSON text of the run's changes, as recorded. */
  changes: string;
}

export interface MigrationStatus {
  executed: string[];
  pending: string[];
}
