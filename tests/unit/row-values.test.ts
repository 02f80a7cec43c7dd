import { describe, expect, it } from 'vitest';
import { integerValue, textValue, TierIdRowRef } from '../../src/state/row-values.js';
import { limitValueOf, storedLimitValue } from '../../src/store/limit-value.js';

describe('TierIdRowRef: a child row named by its tier id, worded only for an error', () => {
  it('an error names the table and the tier id', () => {
    expect(() => integerValue(new TierIdRowRef('subscription_tier_permission', 7), 'permission_id', 'x')).toThrow('subscription_tier_permission: tier id 7: column permission_id holds "x"');
    expect(() => textValue(new TierIdRowRef('tier_billing_key', '12'), 'key', 3)).toThrow('tier_billing_key: tier id 12: column key holds 3');
  });

  it('a good value passes through', () => {
    expect(integerValue(new TierIdRowRef('t', 1), 'c', '42')).toBe(42);
  });
});

describe('limitValueOf: storedLimitValue\'s check without its error', () => {
  const where = { table: 'tier_limit', limit: 'users', tier: '"pro"', column: 'value' };
  it.each([null, undefined, 0, 5, '12', 10n])('accepts %s as storedLimitValue does', (raw) => {
    expect(limitValueOf(raw)).toBe(storedLimitValue(raw, where));
  });
  it.each(['abc', 12.5, -1, '9007199254740993', Number.NaN, true])('refuses %s (undefined), where storedLimitValue throws', (raw) => {
    expect(limitValueOf(raw)).toBeUndefined();
    expect(() => storedLimitValue(raw, where)).toThrow('tier_limit holds');
  });
});
