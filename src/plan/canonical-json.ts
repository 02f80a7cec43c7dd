import { BugError } from '../errors.js';

/** JSON with object keys sorted at every level: equal values give equal bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value));
}

function sortDeep(value: unknown): unknown {
  // JSON.stringify writes NaN and Infinity as null: a garbage limit would fingerprint as
  // "unlimited" and hide as no drift. Readers refuse such values; this is the last guard.
  if (typeof value === 'number' && !Number.isFinite(value)) throw new BugError(`cannot fingerprint the number ${value}`);
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value && typeof value === 'object') {
    // Prototype-free: a key `__proto__` must be hashed like any other.
    const out = Object.create(null) as Record<string, unknown>;
    for (const k of Object.keys(value).sort()) out[k] = sortDeep((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}
