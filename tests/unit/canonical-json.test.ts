import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, writeCanonical } from '../../src/plan/canonical-json.js';
import type { Catalog } from '../../src/catalog/model.js';
import { fingerprintOf, stateFingerprint, stateFingerprints } from '../../src/plan/fingerprint.js';
import { orphanId, type OrphanRow } from '../../src/plan/orphans.js';

/** The definition the streaming writer must match byte for byte: JSON.stringify of a key-sorted copy. */
function sortedCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedCopy);
  if (value && typeof value === 'object') {
    const out = Object.create(null) as Record<string, unknown>;
    for (const k of Object.keys(value).sort()) out[k] = sortedCopy((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}
const reference = (value: unknown) => JSON.stringify(sortedCopy(value));

const SAMPLES: unknown[] = [
  { b: 1, a: [3, 'x', null, true, { d: undefined, c: -0 }], __proto__x: 1 },
  JSON.parse('{"__proto__": {"z": 1, "y": [1, 2]}, "é": "\\u2028 \\"quoted\\" \\\\ \\n"}'),
  [undefined, () => 1, Symbol('s'), 1.5e300, -2],
  { nested: { deeper: { list: [[], {}, [{}]], date: new Date(0) } } },
  'text',
  // Strings quoted without JSON.stringify must still be escaped where JSON.stringify escapes.
  { 'k"ey': 'tab\there', 'back\\slash': '\u0000\u001f\u007f', lone: '\ud800 x \udfff', pair: '😀 é ', plain: 'feature_001.use' },
  ['\u2028\u2029', '<script>', false, 0.1, 1e21, -1e-7, Number.MAX_SAFE_INTEGER],
  42,
  null,
];

describe('canonical JSON, written in pieces', () => {
  it('is byte for byte JSON.stringify of a key-sorted copy', () => {
    for (const sample of SAMPLES) expect(canonicalJson(sample)).toBe(reference(sample));
    expect(canonicalJson(undefined)).toBe(JSON.stringify(undefined));
  });

  it('hands text over in pieces that join to the whole, and fingerprints the same bytes', () => {
    const big = { tiers: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`t${i}`, { name: `Tier ${i}`, limits: { a: i, b: null }, permissions: ['x', 'y'] }])) };
    const pieces: string[] = [];
    writeCanonical(big, (text) => pieces.push(text));
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(reference(big));
    expect(fingerprintOf(big)).toBe(`sha256:${createHash('sha256').update(reference(big)).digest('hex')}`);
  });

  it('refuses numbers JSON would write as null', () => {
    expect(() => canonicalJson({ limit: Number.NaN })).toThrow(/cannot fingerprint the number NaN/);
    expect(() => fingerprintOf([Number.POSITIVE_INFINITY])).toThrow(/Infinity/);
  });
});

describe('a state fingerprinted in one pass (stateFingerprints)', () => {
  const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
  const tier = (key: string, extra: Record<string, unknown> = {}) => ({ key, name: `Tier "${key}" é`, limits: { z: null, a: 5 }, permissions: ['b', 'a'], billing_keys: [{ provider: 'stripe', key: `${key}_m` }], ...extra });
  const catalog = {
    permissions: { zeta: { description: 'Z' }, alpha: { description: 'A', gone: undefined } },
    // Written out of order: the fingerprints must not depend on insertion order.
    tiers: { pro: tier('pro'), basic: tier('basic', { description: null }), ...JSON.parse('{"__proto__": {"key": "p", "permissions": [], "billing_keys": [], "limits": {}}}') },
  } as unknown as Catalog;
  const orphans: OrphanRow[] = [{ table: 'tier_limit', tier_id: 7, limit_key: 'users' } as OrphanRow, { table: 'subscription_tier_permission', tier_id: 3, permission_id: 9 } as OrphanRow];

  it('gives the whole state the fingerprint of its canonical JSON, and each object that of its own', () => {
    for (const rows of [[], orphans]) {
      const both = stateFingerprints(catalog, rows);
      expect(both.state).toBe(sha(reference(rows.length ? { ...catalog, orphans: rows } : catalog)));
      expect(both.state).toBe(stateFingerprint(catalog, rows));
      const expected: [string, string][] = [
        ...rows.map((o): [string, string] => [orphanId(o), sha(reference(o))]),
        ['permission:alpha', sha(reference(catalog.permissions['alpha']))],
        ['permission:zeta', sha(reference(catalog.permissions['zeta']))],
        ['tier:__proto__', sha(reference((catalog.tiers as Record<string, unknown>)['__proto__']))],
        ['tier:basic', sha(reference(catalog.tiers['basic']))],
        ['tier:pro', sha(reference(catalog.tiers['pro']))],
      ];
      // Order too: base_objects lists orphans, then permissions, then tiers, each sorted.
      expect(Object.entries(both.objects)).toEqual(expected);
    }
  });
});
