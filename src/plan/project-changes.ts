import { normaliseCatalog, type Catalog, type Tier } from '../catalog/model.js';
import type { Change, TierFields } from './plan-schema.js';
import { toDict } from '../dict.js';
import { parseTierRef } from '../catalog/tier-ref.js';

/** A tier after an update's field changes. Pure. */
export function applyFields(tier: Tier, fields: TierFields): Tier {
  const out: Tier = { ...tier, limits: toDict(tier.limits), permissions: [...tier.permissions], billing_keys: [...tier.billing_keys] };
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'permissions' || name === 'billing_keys') {
      const v = value as { added: string[]; removed: string[] };
      const removed = new Set(v.removed);
      out[name] = [...out[name].filter((x) => !removed.has(x)), ...v.added];
    } else if (name === 'columns') {
      const v = value as NonNullable<TierFields['columns']>;
      out.columns = { ...out.columns };
      for (const [k, x] of Object.entries(v)) out.columns[k] = x.after;
    } else if (name === 'limits') {
      const v = value as NonNullable<TierFields['limits']>;
      for (const k of Object.keys(v.removed)) delete out.limits[k];
      for (const [k, x] of Object.entries(v.added)) out.limits[k] = x;
      for (const [k, x] of Object.entries(v.changed)) out.limits[k] = x.after;
    } else {
      (out as Record<string, unknown>)[name] = (value as { after: unknown }).after;
    }
  }
  return out;
}

/**
 * The catalog a list of changes leads to from `base`. Pure: apply checks its own
 * writes against this, and tests use it to prove a plan reaches the desired state.
 */
export function projectChanges(base: Catalog, changes: readonly Change[]): Catalog {
  const permissions = toDict(base.permissions);
  const tiers = new Map<string, Tier>(Object.entries(base.tiers));
  for (const c of changes) {
    if (c.kind === 'permission') {
      if (c.action === 'create') permissions[c.permission] = c.after.description;
      else if (c.action === 'update') permissions[c.permission] = c.fields.description.after as string;
      else delete permissions[c.permission];
      continue;
    }
    // Orphan rows are not part of the catalog; removing them changes no tier.
    if (c.kind === 'orphan') continue;
    switch (c.action) {
      case 'rename': {
        const t = tiers.get(c.from);
        if (t) {
          tiers.delete(c.from);
          // A rename stays on its platform: only the key part of the ref changes.
          tiers.set(c.tier, { ...t, key: parseTierRef(c.tier).key });
        }
        break;
      }
      case 'create':
        tiers.set(c.tier, c.after);
        break;
      case 'update': {
        const t = tiers.get(c.tier);
        if (t) tiers.set(c.tier, applyFields(t, c.fields));
        break;
      }
      case 'retire': {
        const t = tiers.get(c.tier);
        if (t) tiers.set(c.tier, { ...t, status: 'retired' });
        break;
      }
      case 'delete':
        tiers.delete(c.tier);
        break;
    }
  }
  return normaliseCatalog(permissions, [...tiers.values()]);
}
