import { createHash } from 'node:crypto';
import type { Catalog } from '../catalog/model.js';
import { orphanId, type OrphanRow } from './orphans.js';
import { canonicalJson, writeCanonical } from './canonical-json.js';
import { dict, toDict } from '../dict.js';

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
  return stateFingerprints(catalog, orphans).objects;
}

/** A state's fingerprint and its objects' (what a plan records of the state it was made against). */
export interface StateFingerprints {
  state: Fingerprint;
  objects: Record<string, Fingerprint>;
}

/**
 * `stateFingerprint` and `objectFingerprints` of one state in one pass: the state's canonical
 * JSON holds each tier's, permission's and orphan row's canonical JSON as it is, so each is
 * written once and its text hashed twice (for itself, and as part of the state). Writing the
 * catalog twice more was ~0.2 s of a 10,000-tier plan.
 */
export function stateFingerprints(catalog: Catalog, orphans: readonly OrphanRow[] = []): StateFingerprints {
  const value = (orphans.length ? { ...catalog, orphans } : catalog) as unknown as Record<string, unknown>;
  const hash = createHash('sha256');
  // The same pieces, in the same order, as writeCanonical(value) writes (canonical-json.ts).
  let buffer = '';
  const out = (text: string) => {
    buffer += text;
    if (buffer.length >= 64 * 1024) {
      hash.update(buffer);
      buffer = '';
    }
  };
  // Kept apart so base_objects lists orphans, then permissions, then tiers, as it always has.
  const byKind = { orphans: dict<Fingerprint>(), permissions: dict<Fingerprint>(), tiers: dict<Fingerprint>() };
  let first = true;
  out('{');
  for (const key of Object.keys(value).sort()) {
    const v = value[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    out(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
    first = false;
    if (key === 'orphans' && Array.isArray(v)) {
      out('[');
      (v as OrphanRow[]).forEach((o, i) => {
        const text = canonicalJson(o);
        out(i ? `,${text}` : text);
        byKind.orphans[orphanId(o)] = fingerprintOfJson(text);
      });
      out(']');
    } else if ((key === 'permissions' || key === 'tiers') && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const members = v as Record<string, unknown>;
      const prefix = key === 'tiers' ? 'tier' : 'permission';
      let firstMember = true;
      out('{');
      for (const name of Object.keys(members).sort()) {
        const text = canonicalJson(members[name]);
        // As writeCanonical: a member JSON has no text for is left out (and has no fingerprint to give).
        if (text === undefined) continue;
        out(firstMember ? `${JSON.stringify(name)}:${text}` : `,${JSON.stringify(name)}:${text}`);
        firstMember = false;
        byKind[key][`${prefix}:${name}`] = fingerprintOfJson(text);
      }
      out('}');
    } else {
      writeCanonical(v, out);
    }
  }
  out('}');
  hash.update(buffer);
  return { state: `sha256:${hash.digest('hex')}`, objects: toDict([...Object.entries(byKind.orphans), ...Object.entries(byKind.permissions), ...Object.entries(byKind.tiers)]) };
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
