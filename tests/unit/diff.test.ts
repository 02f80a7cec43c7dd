import { describe, expect, it } from 'vitest';
import { normaliseCatalog, type Catalog, type Tier } from '../../src/catalog/model.js';
import { buildPlan, planOutcome, summarizePlan } from '../../src/plan/build-plan.js';
import { diff, diffTier, type DesiredState } from '../../src/plan/diff.js';
import { catalogFingerprint } from '../../src/plan/fingerprint.js';
import { projectChanges } from '../../src/plan/project-changes.js';
import { renderJson } from '../../src/render/json.js';
import { tier } from '../support/builders.js';
import { loadReference } from '../support/sources.js';

const PERMS = { 'a.view': 'View A', 'b.edit': 'Edit B' };
const cat = (tiers: Tier[], perms: Record<string, string> = PERMS): Catalog => normaliseCatalog(perms, tiers);
const want = (tiers: Tier[], renamedFrom: Record<string, string[]> = {}, perms: Record<string, string> = PERMS): DesiredState => ({ catalog: cat(tiers, perms), renamedFrom });
const STRIPE = { verified: false, reason: 'test', keys: {} };

describe('diff: one row per action', () => {
  const cases: { name: string; desired: DesiredState; actual: Catalog; subscribers?: Record<string, number>; changes: unknown[]; blocked?: unknown[] }[] = [
    { name: 'nothing to do', desired: want([tier('pro')]), actual: cat([tier('pro')]), changes: [] },
    { name: 'create', desired: want([tier('pro')]), actual: cat([]), changes: [{ kind: 'tier', action: 'create', tier: 'pro', after: tier('pro') }] },
    {
      name: 'update a scalar field',
      desired: want([tier('pro', { name: 'Pro' })]),
      actual: cat([tier('pro', { name: 'Professional' })]),
      changes: [{ kind: 'tier', action: 'update', tier: 'pro', fields: { name: { before: 'Professional', after: 'Pro' } } }],
    },
    {
      name: 'add a permission',
      desired: want([tier('pro', { permissions: ['a.view', 'b.edit'] })]),
      actual: cat([tier('pro')]),
      changes: [{ kind: 'tier', action: 'update', tier: 'pro', fields: { permissions: { added: ['b.edit'], removed: [] } } }],
    },
    {
      name: 'remove a limit, change another, add a third',
      desired: want([tier('pro', { limits: { users: 5, orders: null } })]),
      actual: cat([tier('pro', { limits: { users: 1, products: 10 } })]),
      changes: [{ kind: 'tier', action: 'update', tier: 'pro', fields: { limits: { added: { orders: null }, removed: { products: 10 }, changed: { users: { before: 1, after: 5 } } } } }],
    },
    {
      name: 'swap a billing key',
      desired: want([tier('pro', { billing_keys: ['pro_yearly'] })]),
      actual: cat([tier('pro')]),
      changes: [{ kind: 'tier', action: 'update', tier: 'pro', fields: { billing_keys: { added: ['pro_yearly'], removed: ['pro_monthly'] } } }],
    },
    {
      name: 'rename keeps the row',
      desired: want([tier('pro', { billing_keys: ['old_monthly'] })], { pro: ['old'] }),
      actual: cat([tier('old')]),
      changes: [
        { kind: 'tier', action: 'rename', tier: 'pro', from: 'old' },
        { kind: 'tier', action: 'update', tier: 'pro', fields: { name: { before: 'OLD', after: 'PRO' } } },
      ],
    },
    { name: 'retire', desired: want([tier('pro', { status: 'retired' })]), actual: cat([tier('pro')]), changes: [{ kind: 'tier', action: 'retire', tier: 'pro' }] },
    { name: 'unretire is an update', desired: want([tier('pro')]), actual: cat([tier('pro', { status: 'retired' })]), changes: [{ kind: 'tier', action: 'update', tier: 'pro', fields: { status: { before: 'retired', after: 'active' } } }] },
    { name: 'delete', desired: want([tier('pro')]), actual: cat([tier('pro'), tier('old')]), changes: [{ kind: 'tier', action: 'delete', tier: 'old', before: tier('old') }] },
    {
      name: 'delete of a protected tier is blocked',
      desired: want([tier('pro')]),
      actual: cat([tier('pro'), tier('exempt', { protected: true })]),
      changes: [],
      blocked: [{ tier: 'exempt', action: 'delete', reason: expect.stringContaining('protected') }],
    },
    {
      name: 'retire of a protected tier is blocked',
      desired: want([tier('exempt', { status: 'retired', protected: false })]),
      actual: cat([tier('exempt', { protected: true })]),
      changes: [{ kind: 'tier', action: 'update', tier: 'exempt', fields: { protected: { before: true, after: false } } }],
      blocked: [{ tier: 'exempt', action: 'retire', reason: expect.stringContaining('protected') }],
    },
    {
      name: 'delete of a tier with subscribers is blocked',
      desired: want([tier('pro')]),
      actual: cat([tier('pro'), tier('old')]),
      subscribers: { old: 3 },
      changes: [],
      blocked: [{ tier: 'old', action: 'delete', reason: expect.stringContaining('3 subscribers') }],
    },
    {
      name: 'permission vocabulary',
      desired: want([tier('pro')], {}, { 'a.view': 'View all of A', 'c.new': 'New' }),
      actual: cat([tier('pro')]),
      changes: [
        { kind: 'permission', action: 'create', permission: 'c.new', after: { description: 'New' } },
        { kind: 'permission', action: 'update', permission: 'a.view', fields: { description: { before: 'View A', after: 'View all of A' } } },
        { kind: 'permission', action: 'delete', permission: 'b.edit', before: { description: 'Edit B' } },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = diff(c.desired, c.actual, c.subscribers ? { subscriberCounts: c.subscribers } : {});
      expect(r.changes).toEqual(c.changes);
      expect(r.blocked).toEqual(c.blocked ?? []);
    });
  }
});

describe('diff: ordering, warnings, determinism', () => {
  it('orders changes as apply runs them: vocabulary, renames, creates, updates, retires, deletes, permission deletes', () => {
    const desired = want([tier('zeta'), tier('alpha', { name: 'A2' }), tier('beta', { status: 'retired' }), tier('newkey', { billing_keys: ['x_m'] })], { newkey: ['oldkey'] }, { 'a.view': 'View A', 'z.new': 'Z' });
    const actual = cat([tier('alpha'), tier('beta'), tier('gone'), tier('oldkey', { billing_keys: ['x_m'] })]);
    const order = diff(desired, actual).changes.map((c) => `${c.kind}:${c.action}:${c.kind === 'tier' ? c.tier : c.kind === 'permission' ? c.permission : c.table}`);
    expect(order).toEqual([
      'permission:create:z.new',
      'tier:rename:newkey',
      'tier:create:zeta',
      'tier:update:alpha',
      'tier:update:newkey',
      'tier:retire:beta',
      'tier:delete:gone',
      'permission:delete:b.edit',
    ]);
  });

  it('warns "possible rename" instead of guessing when a delete and a create look alike', () => {
    const r = diff(want([tier('pro2', { billing_keys: ['pro_monthly'] })]), cat([tier('pro')]));
    expect(r.changes.map((c) => c.action)).toEqual(['create', 'delete']);
    expect(r.warnings).toEqual([{ tier: 'pro2', message: expect.stringContaining('possible rename of "pro" to "pro2"; add renamed_from: [pro]') }]);
  });

  it('gives byte-identical plans for the same inputs, whatever the input order', () => {
    const a = buildPlan({ desired: want([tier('b'), tier('a')]), actual: cat([tier('c'), tier('a', { name: 'x' })]), stripe: STRIPE, toolVersion: '0' });
    const b = buildPlan({ desired: want([tier('a'), tier('b')]), actual: cat([tier('a', { name: 'x' }), tier('c')]), stripe: STRIPE, toolVersion: '0' });
    expect(renderJson(a)).toBe(renderJson(b));
  });

  it('applying the changes reaches exactly the desired state (reference catalog from empty, and back)', () => {
    const loaded = loadReference();
    const fromEmpty = diff(loaded, cat([], {}));
    expect(catalogFingerprint(projectChanges(cat([], {}), fromEmpty.changes))).toBe(catalogFingerprint(loaded.catalog));
    const edited = structuredClone(loaded.catalog);
    const [first] = Object.keys(edited.tiers);
    (edited.tiers[first as string] as Tier).name = 'Edited';
    delete edited.tiers[Object.keys(edited.tiers).at(-1) as string];
    const back = diff({ catalog: edited, renamedFrom: {} }, loaded.catalog);
    expect(catalogFingerprint(projectChanges(loaded.catalog, back.changes))).toBe(catalogFingerprint(edited));
  });

  it('classifies outcomes: none, safe, destructive, blocked', () => {
    const plan = (d: DesiredState, a: Catalog, s?: Record<string, number>) => buildPlan({ desired: d, actual: a, context: { subscriberCounts: s ?? {} }, stripe: STRIPE, toolVersion: '0' });
    expect(planOutcome(plan(want([tier('a')]), cat([tier('a')])))).toBe('ok');
    expect(planOutcome(plan(want([tier('a'), tier('b')]), cat([tier('a')])))).toBe('changes');
    expect(planOutcome(plan(want([tier('a')]), cat([tier('a'), tier('b')])))).toBe('destructive');
    const blocked = plan(want([tier('a')]), cat([tier('a'), tier('b')]), { b: 1 });
    expect(planOutcome(blocked)).toBe('destructive');
    expect(summarizePlan(blocked)).toMatchObject({ blocked: 1, total: 0 });
  });
});

// diffTier compares lists and limits without allocating when they match; these pin what
// counts as "the same" on that fast path and on the slow one it falls back to.
describe('diffTier: unchanged collections, compared without copies', () => {
  it('the same members in another order are no change (permissions, billing keys)', () => {
    const have = tier('pro', { permissions: ['a.view', 'b.edit'], billing_keys: ['k1', 'k2'] });
    const wantTier = tier('pro', { permissions: ['b.edit', 'a.view'], billing_keys: ['k2', 'k1'] });
    expect(diffTier(have, wantTier, false)).toBeUndefined();
  });

  it('the same limits in another key order are no change; one value more, less or different is', () => {
    const have = tier('pro', { limits: { users: 1, orders: null } });
    expect(diffTier(have, tier('pro', { limits: { orders: null, users: 1 } }), false)).toBeUndefined();
    expect(diffTier(have, tier('pro', { limits: { users: 1 } }), false)).toEqual({ limits: { added: {}, removed: { orders: null }, changed: {} } });
    expect(diffTier(have, tier('pro', { limits: { users: 1, orders: null, seats: 0 } }), false)).toEqual({ limits: { added: { seats: 0 }, removed: {}, changed: {} } });
    expect(diffTier(have, tier('pro', { limits: { users: 1, orders: 0 } }), false)).toEqual({ limits: { added: {}, removed: {}, changed: { orders: { before: null, after: 0 } } } });
  });

  it('a list of the same length with one member swapped is an add and a remove', () => {
    const have = tier('pro', { permissions: ['a.view', 'b.edit'] });
    expect(diffTier(have, tier('pro', { permissions: ['a.view', 'c.run'] }), false)).toEqual({ permissions: { added: ['c.run'], removed: ['b.edit'] } });
  });

  it('app columns are still compared when only one side has them', () => {
    const have = tier('pro');
    const wantTier = { ...tier('pro'), columns: { tier_level: 2 } } as Tier;
    expect(diffTier(have, wantTier, false)).toEqual({ columns: { tier_level: { before: null, after: 2 } } });
  });
});
