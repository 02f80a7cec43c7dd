import { describe, expect, it } from 'vitest';
import { parseJsonDict } from '../../src/dict.js';

describe('parseJsonDict', () => {
  it('parses like JSON.parse, with no object inheriting anything', () => {
    const text = '{"tiers": {"constructor": {"limits": {"toString": 1}, "keys": [{"a": 1}, 2, null]}, "__proto__": {"x": [true]}}, "n": 1.5}';
    const value = parseJsonDict(text) as Record<string, Record<string, Record<string, unknown>>>;
    expect(JSON.stringify(value)).toBe(JSON.stringify(JSON.parse(text)));
    const tiers = value['tiers']!;
    // `__proto__` is data: an own key, no prototype change anywhere.
    expect(Object.keys(tiers)).toEqual(['constructor', '__proto__']);
    expect(Object.getPrototypeOf(tiers['__proto__'])).toBeNull();
    for (const o of [value, tiers, tiers['constructor'], tiers['constructor']!['limits'], (tiers['constructor']!['keys'] as object[])[0]]) {
      expect(Object.getPrototypeOf(o)).toBeNull();
    }
    expect('hasOwnProperty' in tiers).toBe(false);
    expect(Array.isArray(tiers['constructor']!['keys'])).toBe(true);
  });
});
