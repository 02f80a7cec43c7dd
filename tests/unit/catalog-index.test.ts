import { describe, expect, it } from 'vitest';
import { normaliseCatalog, type Tier } from '../../src/catalog/model.js';
import { buildCatalogIndex, CatalogLookupError } from '../../src/runtime/catalog-index.js';

const tier = (key: string, over: Partial<Tier> = {}): Tier => ({
  key, name: key, description: null, customer_facing: true, display_order: 0, status: 'active', protected: false,
  billing_provider: 'exempt', billing_keys: [], fallback_price: null, limits: {}, permissions: [], ...over,
});

const catalog = normaliseCatalog({ 'a.read': 'A', 'b.write': 'B' }, [
  tier('pro', { display_order: 20, limits: { seats: 10, projects: null }, permissions: ['a.read', 'b.write'] }),
  tier('free', { display_order: 10, limits: { seats: 1 }, permissions: ['a.read'] }),
  tier('staff', { display_order: 0, customer_facing: false, limits: { seats: null, projects: null } }),
  tier('legacy', { display_order: 10, status: 'retired', limits: { seats: 2 } }),
]);
const index = buildCatalogIndex(catalog, { pro: 3, free: 1, staff: 7, legacy: 9 });

describe('the runtime catalog index (pure)', () => {
  it('orders by display_order then key, and filters', () => {
    expect(index.tiers().map((t) => t.key)).toEqual(['staff', 'free', 'legacy', 'pro']);
    expect(index.tiers({ customerFacing: true, status: 'active' }).map((t) => t.key)).toEqual(['free', 'pro']);
    expect(index.tiers({ status: 'retired' }).map((t) => t.key)).toEqual(['legacy']);
  });

  it('finds tiers by key and by row id, frozen', () => {
    expect(index.tierById(3)).toBe(index.tier('pro'));
    expect(index.tierById(4)).toBeUndefined();
    expect(Object.isFrozen(index.tier('pro'))).toBe(true);
    expect(Object.isFrozen(index.tier('pro')?.limits)).toBe(true);
  });

  it('answers can() and limit(), null = unlimited', () => {
    expect(index.can('free', 'a.read')).toBe(true);
    expect(index.can('free', 'b.write')).toBe(false);
    expect(index.limit('pro', 'seats')).toBe(10);
    expect(index.limit('pro', 'projects')).toBeNull();
  });

  it('throws for names it cannot answer instead of guessing', () => {
    expect(() => index.limit('free', 'projects')).toThrow('tier "free" does not set limit "projects"');
    expect(() => index.limit('free', 'storage')).toThrow('no tier sets limit "storage"');
    expect(() => index.can('free', 'c.admin')).toThrow(CatalogLookupError);
    expect(() => index.can('gold', 'a.read')).toThrow('unknown tier "gold"');
    expect(() => index.limit('gold', 'seats')).toThrow('unknown tier "gold"');
  });
});
