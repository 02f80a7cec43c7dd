import { createHash } from 'node:crypto';
import type { Catalog } from '../catalog/model.js';
import { canonicalJson } from './canonical-json.js';
import { dict } from '../dict.js';

export type Fingerprint = `sha256:${string}`;

export function fingerprintOf(value: unknown): Fingerprint {
  return fingerprintOfJson(canonicalJson(value));
}

/** The fingerprint of a value already in canonical JSON (apply stores that same text as the run's state). */
export function fingerprintOfJson(json: string): Fingerprint {
  return `sha256:${createHash('sha256').update(json).digest('hex')}`;
}

/** The fingerprint of a whole state: what a plan was computed against, what apply leaves. */
export function catalogFingerprint(catalog: Catalog): Fingerprint {
  return fingerprintOf(catalog);
}

/** One fingerprint per tier and permission, so a stale plan can say what moved. */
export function objectFingerprints(catalog: Catalog): Record<string, Fingerprint> {
  const out = dict<Fingerprint>();
  for (const name of Object.keys(catalog.permissions).sort()) out[`permission:${name}`] = fingerprintOf(catalog.permissions[name]);
  for (const key of Object.keys(catalog.tiers).sort()) out[`tier:${key}`] = fingerprintOf(catalog.tiers[key]);
  return out;
}

/** Objects whose fingerprint differs between two maps: changed, added or removed. */
export function changedObjects(before: Record<string, string>, after: Record<string, string>): string[] {
  const out: string[] = [];
  for (const id of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!Object.hasOwn(after, id)) out.push(`${id} was removed`);
    else if (!Object.hasOwn(before, id)) out.push(`${id} was added`);
    else if (before[id] !== after[id]) out.push(`${id} was changed`);
  }
  return out.sort();
}
