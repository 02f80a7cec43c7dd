import { describe, expect, it } from 'vitest';
import { classifyChange, impactRows, withImpact } from '../../src/plan/impact.js';
import type { Change, TierChange, TierFields } from '../../src/plan/plan-schema.js';
import type { Tier } from '../../src/catalog/model.js';

const update = (fields: TierFields): TierChange => ({ kind: 'tier', action: 'update', tier: 'pro', fields });
const tier = (key: string): Tier => ({ key, name: key, description: null, customer_facing: true, display_order: 0, status: 'active', protected: false, billing_provider: 'exempt', billing_keys: [], fallback_price: null, limits: {}, permissions: [] });
const effect = (c: TierChange) => classifyChange(c)?.effect;

describe('classifyChange', () => {
  it('limits: down or unlimited -> number reduces; up or number -> unlimited extends; a new cap reduces, a removed cap extends', () => {
    const changed = (before: number | null, after: number | null) => update({ limits: { added: {}, removed: {}, changed: { users: { before, after } } } });
    expect(effect(changed(10, 3))).toBe('reduces');
    expect(effect(changed(null, 1000))).toBe('reduces');
    expect(effect(changed(3, 10))).toBe('extends');
    expect(effect(changed(3, null))).toBe('extends');
    expect(classifyChange(changed(null, 5))?.reduces).toEqual(['limits.users: unlimited → 5']);
    expect(classifyChange(update({ limits: { added: { seats: 5 }, removed: {}, changed: {} } }))).toEqual({ effect: 'reduces', reduces: ['limits.seats: not set → 5'], extends: [] });
    expect(classifyChange(update({ limits: { added: {}, removed: { seats: 5 }, changed: {} } }))).toEqual({ effect: 'extends', reduces: [], extends: ['limits.seats: 5 → not set'] });
    expect(effect(update({ limits: { added: { seats: null }, removed: {}, changed: {} } }))).toBe('neutral');
  });

  it('permissions: removed reduces, added extends; both at once reduce, with each part listed', () => {
    expect(classifyChange(update({ permissions: { added: ['b'], removed: ['a'] } }))).toEqual({ effect: 'reduces', reduces: ['permission a removed'], extends: ['permission b added'] });
    expect(effect(update({ permissions: { added: ['b'], removed: [] } }))).toBe('extends');
  });

  it('retire and delete reduce; a retired tier offered again extends; names, order, visibility, billing and renames are neutral', () => {
    expect(effect({ kind: 'tier', action: 'retire', tier: 'pro' })).toBe('reduces');
    expect(effect({ kind: 'tier', action: 'delete', tier: 'pro', before: tier('pro') })).toBe('reduces');
    expect(effect(update({ status: { before: 'retired', after: 'active' } }))).toBe('extends');
    expect(effect({ kind: 'tier', action: 'rename', tier: 'pro', from: 'old' })).toBe('neutral');
    expect(
      effect(
        update({
          name: { before: 'A', after: 'B' },
          description: { before: null, after: 'x' },
          display_order: { before: 1, after: 2 },
          customer_facing: { before: true, after: false },
          billing_keys: { added: ['k2'], removed: ['k1'] },
          fallback_price: { before: null, after: '$1' },
        }),
      ),
    ).toBe('neutral');
    expect(classifyChange({ kind: 'tier', action: 'create', tier: 'new', after: tier('new') })).toBeUndefined();
  });
});

describe('withImpact', () => {
  it('counts a renamed tier under its database key, keeps what impact already held, leaves creates and permissions alone', () => {
    const changes: Change[] = [
      { kind: 'permission', action: 'create', permission: 'p', after: { description: 'P' } },
      { kind: 'tier', action: 'rename', tier: 'starter', from: 'hobby' },
      { kind: 'tier', action: 'create', tier: 'new', after: tier('new') },
      update({ name: { before: 'A', after: 'B' } }),
      { ...update({ permissions: { added: [], removed: ['x'] } }), tier: 'starter' },
    ];
    const out = withImpact(changes, { hobby: 4, pro: 1 });
    expect(out.map((c) => ('impact' in c ? c.impact?.subscribers : 'none'))).toEqual(['none', 4, 'none', 1, 4]);
    expect(withImpact(changes, undefined).map((c) => ('impact' in c && c.impact ? 'subscribers' in c.impact : 'none'))).toEqual(['none', false, 'none', false, false]);
    expect(impactRows(out).map((r) => [r.tier, r.subscribers, r.effect])).toEqual([
      ['starter', 4, 'reduces'],
      ['pro', 1, 'neutral'],
    ]);
  });
});
