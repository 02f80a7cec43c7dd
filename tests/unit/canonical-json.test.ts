import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, writeCanonical } from '../../src/plan/canonical-json.js';
import { fingerprintOf } from '../../src/plan/fingerprint.js';

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
