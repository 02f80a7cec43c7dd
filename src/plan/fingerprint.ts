import { createHash } from 'node:crypto';
import type { Catalog } from '../catalog/model.js';
import { orphanId, type OrphanRow } from './orphans.js';
import { writeCanonical } from './canonical-json.js';
import { dict } from '../dict.js';

export type Fingerprint = `sha256:${string}`;

/** sha256 of the value's canonical JSON, hashed as it is written (never the whole text at once). */
export function fingerprintOf(value: unknown): Fingerprint {
  const hash = createHash('sha256');
  writeCanonical(value, (text) => hash.update(text));
  return `sha256:${hash.digest('hex')}`;
}

/** The fingerprint of a value already in canonical JSON (apply stores that same text as the run's state). */
export function fingerprintOfJson(json: string): Fingerprint {
  return `sha256:${createHash('sha256').update(json).digest('hex')}`;
}

/** The fingerprint of a whole state: what a plan was computed against, what apply leaves. */
export function catalogFingerprint(catalog: Catalog): Fingerprint {
  return fingerprintOf(catalog);
}

/**
 * The fingerprint of a database state: the catalog, plus any orphan child rows (only
 * when there are some, so a clean database fingerprints exactly as its catalog, which
 * is what apply leaves and what desired_fingerprint names).
 */
export function stateFingerprint(catalog: Catalog, orphans: readonly OrphanRow[] = []): Fingerprint {
  return orphans.length ? fingerprintOf({ ...catalog, orphans }) : catalogFingerprint(catalog);
}

/** One fingerprint per tier, permission and orphan row, so a stale plan can say what moved. */
export function objectFingerprints(catalog: Catalog, orphans: readonly OrphanRow[] = []): Record<string, Fingerprint> {
  const out = dict<Fingerprint>();
  for (const o of orphans) out[orphanId(o)] = fingerprintOf(o);
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
