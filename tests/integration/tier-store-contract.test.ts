import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normaliseCatalog, type Catalog, type Tier } from '../../src/catalog/model.js';
import { StaleError } from '../../src/errors.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { catalogFingerprint } from '../../src/plan/fingerprint.js';
import type { Plan } from '../../src/plan/plan-schema.js';
import { createMemoryTierStore, type MemoryTierStore } from '../../src/store/memory-tier-store.js';
import type { TierStore } from '../../src/store/tier-store.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { tier as makeTier } from '../support/builders.js';
import { loadReference } from '../support/sources.js';
import { openStoreAt } from '../support/state.js';

/**
 * The TierStore contract (umzug-style: one suite, every implementation): the in-memory twin
 * and the Sequelize store on SQLite and PostgreSQL must behave the same, so unit tests on
 * the twin say something about the real thing.
 */
interface Harness {
  name: string;
  skip: boolean;
  /** A fresh, empty store (and a second handle on the same data, for lock tests). */
  create(): Promise<{ store: TierStore; other(lockTimeoutMs: number): Promise<TierStore>; subscribe(key: string, n: number, ids: Record<string, number>): Promise<void>; drop(): Promise<void> }>;
}

const SUBSCRIBERS = { table: 'organization', column: 'subscription_tier_id' };

const harnesses: Harness[] = [
  {
    name: 'memory',
    skip: false,
    async create() {
      const store: MemoryTierStore = createMemoryTierStore(undefined, undefined);
      const twin = createMemoryTierStore({ ...store.description, subscribers: { ...SUBSCRIBERS, references: 'id' } });
      const counts: Record<string, number> = {};
      return {
        store: twin,
        other: async () => twin,
        subscribe: async (key, n) => {
          counts[key] = (counts[key] ?? 0) + n;
          twin.setSubscribers(counts);
        },
        drop: async () => undefined,
      };
    },
  },
  ...BACKENDS.map(
    (backend): Harness => ({
      name: backend.name,
      skip: backend.skip,
      async create() {
        const db: TestDatabase = await backend.create();
        const store = await openStoreAt(db.url, { subscribers: SUBSCRIBERS });
        const others: TierStore[] = [];
        let organizations = false;
        return {
          store,
          other: async (lockTimeoutMs) => {
            const o = await openStoreAt(db.url, { busyTimeoutMs: lockTimeoutMs });
            others.push(o);
            return o;
          },
          subscribe: async (key, n, ids) => {
            if (!organizations) await db.sql('CREATE TABLE organization (id INTEGER PRIMARY KEY, subscription_tier_id INTEGER)');
            organizations = true;
            const [row] = await db.sql<{ n: number | string }>('SELECT COUNT(*) AS n FROM organization');
            for (let i = 0; i < n; i++) await db.sql(`INSERT INTO organization (id, subscription_tier_id) VALUES (${Number(row?.n) + i + 1}, ${Number(ids[key])})`);
          },
          drop: async () => {
            for (const o of others) await o.close().catch(() => undefined);
            await store.close().catch(() => undefined);
            await db.drop();
          },
        };
      },
    }),
  ),
];

/** The shared builder, with this file's short billing key and permission names. */
const tier = (key: string, extra: Partial<Tier> = {}): Tier => makeTier(key, { billing_keys: [`${key}_m`], permissions: ['a'], ...extra });
const planFrom = (desired: Catalog, actual: Catalog, renamedFrom: Record<string, string[]> = {}): Plan =>
  buildPlan({ desired: { catalog: desired, renamedFrom }, actual, stripe: { verified: false, keys: {} }, toolVersion: 'test' });
const RUN = { started_at: '2026-01-01T00:00:00.000Z', finished_at: '2026-01-01T00:00:01.000Z', tool_version: 't', plan_fingerprint: 'sha256:0', actor: null, git_sha: null, status: 'applied' as const };

/** Migrate, read, plan against the read, write the plan, record the run: what apply does, through the port only. */
async function reconcile(store: TierStore, desired: Catalog, renamedFrom: Record<string, string[]> = {}) {
  return store.write(5000, async (tx) => {
    await store.migrate(tx);
    const base = await store.snapshot(tx);
    const plan = planFrom(desired, base.catalog, renamedFrom);
    const written = await store.apply(tx, base, plan.changes);
    await store.recordRun(tx, { ...RUN, base_fingerprint: plan.base_fingerprint, result_fingerprint: catalogFingerprint(written.result), changes: JSON.stringify(plan.changes), result_state: JSON.stringify(written.result) });
    return { plan, written };
  });
}
const read = (store: TierStore) => store.read((tx) => store.snapshot(tx));

for (const h of harnesses) {
  describe.skipIf(h.skip)(`TierStore contract: ${h.name}`, () => {
    let env: Awaited<ReturnType<Harness['create']>>;
    beforeEach(async () => {
      env = await h.create();
    });
    afterEach(async () => {
      await env.drop();
    });

    it('reads a fresh database as empty and uninitialised; migrate runs every migration once', async () => {
      const { store } = env;
      expect(await read(store)).toMatchObject({ initialised: false, tierIds: {}, orphans: [], catalog: { permissions: {}, tiers: {} } });
      expect(await store.read((tx) => store.lastRun(tx))).toEqual({ run: null, problems: [] });
      expect(await store.read((tx) => store.migrationStatus(tx))).toEqual({ executed: [], pending: MIGRATIONS.map((m) => m.name) });
      expect(await store.write(5000, (tx) => store.migrate(tx))).toEqual(MIGRATIONS.map((m) => m.name));
      expect(await store.write(5000, (tx) => store.migrate(tx))).toEqual([]);
      expect(await read(store)).toMatchObject({ initialised: true, catalog: { permissions: {}, tiers: {} } });
    });

    it('writes a catalog and reads the same model back; the written result is what a fresh read gives', async () => {
      const { store } = env;
      const loaded = loadReference();
      const { written } = await reconcile(store, loaded.catalog);
      const state = await read(store);
      expect(state.catalog).toEqual(loaded.catalog);
      expect(written.result).toEqual(state.catalog);
      expect(Object.keys(state.tierIds).sort()).toEqual(Object.keys(loaded.catalog.tiers).sort());
      expect((await store.read((tx) => store.lastRun(tx))).run?.result_fingerprint).toBe(catalogFingerprint(loaded.catalog));
      const history = await store.read((tx) => store.history(tx, 10));
      expect(history.map((r) => r.status)).toEqual(['applied']);
      expect(JSON.parse(history[0]?.changes ?? '[]')).toHaveLength(Object.keys(loaded.catalog.tiers).length + Object.keys(loaded.catalog.permissions).length);
    });

    it('renames keep the row id; updates, retires, deletes and vocabulary changes reach the planned state', async () => {
      const { store } = env;
      const first = normaliseCatalog({ a: 'A', b: 'B', gone: 'G' }, [tier('one'), tier('two', { permissions: ['a', 'gone'] }), tier('three'), tier('four', { billing_keys: ['four_m', 'four_y'] })]);
      await reconcile(store, first);
      const before = await read(store);
      const second = normaliseCatalog({ a: 'A2', b: 'B', c: 'C' }, [
        tier('uno'),
        tier('two', { name: 'Two!', permissions: ['b', 'c'], limits: { users: null, seats: 5 }, billing_keys: ['four_y'] }),
        tier('three', { status: 'retired' }),
      ]);
      const { plan, written } = await reconcile(store, second, { uno: ['one'] });
      expect(plan.changes.map((c) => `${c.kind}:${c.action}:${'tier' in c ? c.tier : 'permission' in c ? c.permission : c.table}`)).toEqual([
        'permission:create:c',
        'permission:update:a',
        'tier:rename:uno',
        'tier:update:two',
        'tier:update:uno',
        'tier:retire:three',
        'tier:delete:four',
        'permission:delete:gone',
      ]);
      const after = await read(store);
      expect(after.catalog).toEqual(second);
      expect(written.result).toEqual(second);
      expect(after.tierIds['uno']).toBe(before.tierIds['one']);
      expect(after.tierIds['two']).toBe(before.tierIds['two']);
      expect(after.tierIds['four']).toBeUndefined();
    });

    it('a write that fails leaves everything as it was', async () => {
      const { store } = env;
      await reconcile(store, normaliseCatalog({ a: 'A' }, [tier('one')]));
      const before = await read(store);
      await expect(
        store.write(5000, async (tx) => {
          const base = await store.snapshot(tx);
          await store.apply(tx, base, planFrom(normaliseCatalog({ a: 'A' }, [tier('one', { name: 'Changed' }), tier('two')]), base.catalog).changes);
          throw new Error('boom after the writes');
        }),
      ).rejects.toThrow('boom after the writes');
      expect(await read(store)).toEqual(before);
    });

    it('counts subscribers of every tier in one call', async () => {
      const { store } = env;
      await reconcile(store, normaliseCatalog({ a: 'A' }, [tier('one'), tier('two'), tier('three')]));
      const state = await read(store);
      await env.subscribe('one', 2, state.tierIds);
      await env.subscribe('three', 1, state.tierIds);
      expect(await store.read((tx) => store.countSubscribers(tx, state))).toEqual({ one: 2, three: 1 });
    });

    it('a second writer waits for the lock, then gives up with a stale error (exit 4)', async () => {
      const { store } = env;
      await store.write(5000, (tx) => store.migrate(tx));
      const other = await env.other(300);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const first = store.write(5000, async () => {
        entered();
        await held;
      });
      await inside;
      const second = other.write(300, async () => 'should not run');
      await expect(second).rejects.toThrow(StaleError);
      // SQLite cannot tell who holds its write lock (issue 15): its message says so.
      await expect(second).rejects.toThrow(/(another tierctl run holds the lock|another process holds the write lock) on \S+.*; gave up after 300 ms/);
      release();
      await first;
      expect(await other.write(300, async () => 'ran')).toBe('ran');
    });
  });
}
