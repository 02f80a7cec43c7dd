import type { Tier } from '../../src/catalog/model.js';

/**
 * A tier with every field set to a plain default, `over` replacing any of them: the one
 * builder for tests that need Tier objects without tier files (tests/unit/diff.test.ts,
 * tests/integration/tier-store-contract.test.ts).
 */
export function tier(key: string, over: Partial<Tier> = {}): Tier {
  return {
    key,
    name: key.toUpperCase(),
    description: null,
    customer_facing: true,
    display_order: 0,
    status: 'active',
    protected: false,
    billing_provider: 'stripe',
    billing_keys: [`${key}_monthly`],
    fallback_price: null,
    limits: { users: 1 },
    permissions: ['a.view'],
    ...over,
  };
}
