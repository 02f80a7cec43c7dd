import { closest } from '../did-you-mean.js';
import type { Diagnostic } from './diagnostic.js';
import { locate, pointer, type ParsedYaml } from './parse-yaml.js';
import type { CatalogFile, TierFile } from './schemas.js';
import { tierRef } from './tier-ref.js';

/**
 * Tier keys that cannot be used: a tier file is written as `<key>.yaml` by import, and
 * `catalog.yaml` is the vocabulary. Refused here (file rules) and by import (database rows).
 */
export const RESERVED_TIER_KEYS: ReadonlySet<string> = new Set(['catalog']);

export interface TierInput {
  parsed: ParsedYaml;
  /**
   * The tier's fields that passed the schema (a file with schema problems still gets every
   * rule its remaining fields allow); `limits` and `permissions` may hold values of the wrong
   * type, only their names are checked here.
   */
  tier: Partial<TierFile>;
}

/** The catalog's vocabulary as far as it could be read; absent parts are not checked against. */
export interface VocabularyInput {
  file: string;
  permissions?: Partial<CatalogFile['permissions']>;
  limits?: Partial<CatalogFile['limits']>;
  /** Declared platforms (catalog.yaml platforms:), when it has any. */
  platforms?: Partial<NonNullable<CatalogFile['platforms']>>;
  /** catalog.yaml's parsed tree, when it passed the schema (rules about the catalog itself need it). */
  parsed?: ParsedYaml;
  /** catalog.yaml has a storage: (the app's own tables), resolvable or not. */
  hasStorage?: boolean;
}

/**
 * The rules that span files or fields, beyond what the JSON Schema can say
 * (DESIGN.md, "Tier files"). Pure: every field that passed the schema in, every violation out.
 */
export function checkRules(catalog: VocabularyInput, tiers: readonly TierInput[], options: { billingStored?: boolean; platformTable?: boolean } = {}): Diagnostic[] {
  const billingStored = options.billingStored ?? true;
  const out: Diagnostic[] = [];
  const at = (p: ParsedYaml, path: (string | number)[], message: string, hint?: string, key = false) => {
    out.push({ file: p.file, ...locate(p, pointer(path), key), message, ...(hint ? { hint } : {}) });
  };
  const where = (p: ParsedYaml, path: (string | number)[]) => {
    const pos = locate(p, pointer(path));
    return `${p.file}:${pos.line}:${pos.col}`;
  };

  // A Stripe feature stands for one permission; two would make parity ambiguous.
  // Needs catalog.yaml's tree to point at lines: only when the catalog itself is schema-valid.
  const featureOwner = new Map<string, string>();
  const catalogParsed = catalog.parsed;
  for (const [name, p] of catalogParsed ? Object.entries(catalog.permissions ?? {}) : []) {
    if (!catalogParsed || p === undefined || typeof p === 'string' || p.stripe_feature === undefined) continue;
    const first = featureOwner.get(p.stripe_feature);
    if (first !== undefined) {
      at(catalogParsed, ['permissions', name, 'stripe_feature'], `stripe_feature "${p.stripe_feature}" already represents permission "${first}" (${where(catalogParsed, ['permissions', first, 'stripe_feature'])})`, 'a Stripe feature represents one permission; give each its own feature');
    } else featureOwner.set(p.stripe_feature, name);
  }

  // Platforms: a tier names a declared one. With an app platform table (storage:) and no
  // platforms: here, the table is the vocabulary and plan checks the code against it.
  const platforms = catalog.platforms;
  for (const t of tiers) {
    const code = t.tier.platform;
    if (code === undefined) continue;
    if (platforms && Object.prototype.hasOwnProperty.call(platforms, code)) continue;
    if (!platforms && options.platformTable) continue;
    const near = platforms ? closest(code, Object.keys(platforms)) : undefined;
    at(t.parsed, ['platform'], `platform "${code}" is not declared in ${catalog.file}`, near ? `did you mean "${near}"? Otherwise add it under platforms: in catalog.yaml` : 'add it under platforms: in catalog.yaml (code: { name: ... }), or fix the spelling');
  }

  // Identity is (platform, key): a key may repeat across platforms, never within one.
  const keyOwner = new Map<string, TierInput>();
  for (const t of tiers) {
    if (t.tier.key === undefined) continue;
    if (RESERVED_TIER_KEYS.has(t.tier.key)) at(t.parsed, ['key'], `tier key "${t.tier.key}" is reserved`, 'import writes each tier to <key>.yaml, and catalog.yaml holds the vocabulary; choose another key');
    const ref = tierRef({ key: t.tier.key, platform: t.tier.platform });
    const first = keyOwner.get(ref);
    if (first) at(t.parsed, ['key'], `tier key "${t.tier.key}" is already used${t.tier.platform ? ` on platform ${t.tier.platform}` : ''} by ${where(first.parsed, ['key'])}`, t.tier.platform ? 'tier keys must be unique within a platform' : 'tier keys must be unique among global tiers (a platform tier may reuse a key: add platform:)');
    else keyOwner.set(ref, t);
  }

  const billingOwner = new Map<string, { t: TierInput; path: (string | number)[] }>();
  const renameOwner = new Map<string, TierInput>();
  for (const t of tiers) {
    const { tier, parsed } = t;
    // A storage that holds no billing provider (catalog.yaml storage:) takes tiers without
    // billing:, and storage-rules.ts refuses one that has it; everywhere else it is required.
    // A billing: the schema refused is absent here but present in the file: the schema
    // already reported it, so it is neither "missing" nor checked further.
    const billingInFile = Object.prototype.hasOwnProperty.call(parsed.value, 'billing');
    const billing: Partial<TierFile['billing']> | undefined = tier.billing ?? (billingStored || billingInFile ? undefined : { provider: 'exempt' as const });
    if (!billing) {
      if (!billingInFile) at(parsed, [], 'missing required field "billing"', 'add billing: with provider stripe, whop or exempt');
    } else {
      // Billing: each provider names its own keys; no silent fallback to exempt.
      if (billing.provider === 'stripe') {
        if (!billing.lookup_keys) at(parsed, ['billing'], 'a stripe tier needs billing.lookup_keys', 'name the Stripe Price lookup keys, or set provider: exempt if the tier is never billed');
        if (billing.product_key !== undefined) at(parsed, ['billing', 'product_key'], 'product_key is for whop tiers; a stripe tier uses lookup_keys', undefined, true);
      } else if (billing.provider === 'whop') {
        if (billing.product_key === undefined) at(parsed, ['billing'], 'a whop tier needs billing.product_key');
        if (billing.lookup_keys) at(parsed, ['billing', 'lookup_keys'], 'lookup_keys are for stripe tiers; a whop tier uses product_key', undefined, true);
      } else if (billing.provider === 'exempt') {
        if (billing.lookup_keys) at(parsed, ['billing', 'lookup_keys'], 'an exempt tier is never billed and carries no lookup_keys', 'remove lookup_keys or change the provider', true);
        if (billing.product_key !== undefined) at(parsed, ['billing', 'product_key'], 'an exempt tier is never billed and carries no product_key', 'remove product_key or change the provider', true);
      }
      const billingKeys: { key: string; path: (string | number)[] }[] = [
        ...(billing.lookup_keys ?? []).map((k, i) => ({ key: `stripe:${k}`, path: ['billing', 'lookup_keys', i] })),
        ...(billing.product_key !== undefined ? [{ key: `whop:${billing.product_key}`, path: ['billing', 'product_key'] }] : []),
      ];
      for (const bk of billingKeys) {
        const first = billingOwner.get(bk.key);
        if (first && first.t !== t) {
          at(parsed, bk.path, `billing key "${bk.key.slice(bk.key.indexOf(':') + 1)}" already bills tier "${tierRef({ key: first.t.tier.key ?? '?', platform: first.t.tier.platform })}" (${where(first.t.parsed, first.path)})`, 'a price belongs to one tier only, whatever its platform');
        } else if (!first) billingOwner.set(bk.key, { t, path: bk.path });
      }
    }

    const permissions = catalog.permissions;
    if (permissions) {
      (tier.permissions ?? []).forEach((perm, i) => {
        if (typeof perm === 'string' && !Object.prototype.hasOwnProperty.call(permissions, perm)) {
          const near = closest(perm, Object.keys(permissions));
          at(parsed, ['permissions', i], `permission "${perm}" is not declared in ${catalog.file}`, near ? `did you mean "${near}"? Otherwise add it under permissions: in catalog.yaml` : 'add it under permissions: in catalog.yaml, or fix the spelling');
        }
      });
    }
    const limits = catalog.limits;
    if (limits) {
      for (const limit of Object.keys(tier.limits ?? {})) {
        if (!Object.prototype.hasOwnProperty.call(limits, limit)) {
          const near = closest(limit, Object.keys(limits));
          at(parsed, ['limits', limit], `limit "${limit}" is not declared in ${catalog.file}`, near ? `did you mean "${near}"? Otherwise add it under limits: in catalog.yaml` : 'add it under limits: in catalog.yaml, or fix the spelling', true);
        }
      }
    }

    if (tier.protected === true && tier.status === 'retired') {
      at(parsed, ['status'], 'a protected tier cannot be retired', 'set protected: false in one apply, then retire it in the next');
    }

    // renamed_from stays within the tier's own platform: old keys are refs in the same scope.
    (tier.renamed_from ?? []).forEach((old, i) => {
      if (old === tier.key || tier.key === undefined) {
        at(parsed, ['renamed_from', i], `renamed_from lists the tier's own key "${old}"`);
        return;
      }
      const oldRef = tierRef({ key: old, platform: tier.platform });
      const live = keyOwner.get(oldRef);
      if (live) {
        at(parsed, ['renamed_from', i], `renamed_from "${old}" is the key of a live tier${tier.platform ? ` on platform ${tier.platform}` : ''} (${where(live.parsed, ['key'])})`, 'a tier cannot be renamed while another file still uses its old key');
        return;
      }
      const claimant = renameOwner.get(oldRef);
      if (claimant && claimant !== t) {
        at(parsed, ['renamed_from', i], `"${old}" is also listed in renamed_from of tier "${tierRef({ key: claimant.tier.key ?? '?', platform: claimant.tier.platform })}"`, 'an old key can be renamed into one tier only');
      } else renameOwner.set(oldRef, t);
    });
  }
  return out;
}
