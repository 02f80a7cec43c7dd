import { describe, expect, it } from 'vitest';
import { normaliseCatalog, type Tier } from '../../src/catalog/model.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { COLOR, PLAIN } from '../../src/render/style.js';
import { renderText } from '../../src/render/text.js';
import { createInteractiveUi, LARGE_PLAN_CHANGES } from '../../src/ui/interactive.js';

const tier = (i: number): Tier => ({
  key: `t${String(i).padStart(5, '0')}`,
  name: `Tier ${i}`,
  description: null,
  customer_facing: true,
  display_order: i,
  status: 'active',
  protected: false,
  billing_provider: 'exempt',
  billing_keys: [],
  fallback_price: null,
  limits: { users: i },
  permissions: ['a'],
});
const planOf = (n: number) =>
  buildPlan({
    desired: { catalog: normaliseCatalog({ a: 'A' }, Array.from({ length: n }, (_, i) => tier(i))), renamedFrom: {} },
    actual: normaliseCatalog({ a: 'A' }, []),
    // Unverified: the Ink view boxes the warning, which tells its output from the text renderer's.
    stripe: { verified: false, reason: 'STRIPE_API_KEY is not set', keys: {} },
    toolVersion: 'test',
  });

/**
 * A large plan at a terminal is printed once by the text renderer (same lines, same
 * colours), not laid out box by box by Ink; small plans keep the Ink view.
 */
describe('the interactive view of a large plan', () => {
  for (const color of [false, true]) {
    it(`prints ${LARGE_PLAN_CHANGES * 10} changes as the plain-text plan (${color ? 'colour' : 'no colour'})`, () => {
      const plan = planOf(LARGE_PLAN_CHANGES * 10);
      const written: string[] = [];
      createInteractiveUi({ stdin: process.stdin, live: process.stderr, write: (s) => written.push(s), columns: 100, color }).showPlan(plan);
      expect(written).toEqual([renderText(plan, color ? COLOR : PLAIN)]);
    });
  }

  it('keeps the Ink layout for a small plan', () => {
    const plan = planOf(3);
    const written: string[] = [];
    createInteractiveUi({ stdin: process.stdin, live: process.stderr, write: (s) => written.push(s), columns: 100, color: false }).showPlan(plan);
    expect(written).toHaveLength(1);
    expect(written[0]).toContain('+ tier t00000 will be created');
    expect(written[0]).toMatch(/[║│]/);
    expect(renderText(plan, PLAIN)).not.toMatch(/[║│]/);
  });
});
