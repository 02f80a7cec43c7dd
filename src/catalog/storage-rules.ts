import type { TierField } from '../store/storage-description.js';
import type { Diagnostic } from './diagnostic.js';
import { locate, pointer, type ParsedYaml } from './parse-yaml.js';
import { yamlField, type ResolvedStorage } from './resolve-storage.js';
import type { TierInput } from './rules.js';
import type { StoredFields } from './stored-fields.js';

/**
 * Tier files against the storage that will hold them: a file that needs something the
 * description does not store is refused at its line, so the plan can compare only what the
 * storage holds without silently dropping what a reviewer wrote. Pure.
 */
export function checkTiersAgainstStorage(storage: ResolvedStorage, stored: StoredFields, tiers: readonly TierInput[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { description: d, positions } = storage;
  const table = d.tier.table;
  const at = (p: ParsedYaml, path: (string | number)[], message: string, hint: string, key = true) =>
    out.push({ file: p.file, ...locate(p, pointer(path), key), message, hint });
  const unstored = (p: ParsedYaml, path: (string | number)[], what: string, field: TierField) => {
    const cat = positions.at(['tiers', 'columns']);
    at(p, path, `${what}, but ${table} has no column for ${yamlField(field)} in ${cat.file}:${cat.line}`, `remove it from this file, or store ${yamlField(field)} in a column under storage.tiers.columns`);
  };

  for (const { tier, parsed } of tiers) {
    const has = (f: TierField) => stored.fields.has(f);
    if (tier.description !== undefined && !has('description')) unstored(parsed, ['description'], 'this tier has a description', 'description');
    if (tier.customer_facing === false && !has('customer_facing')) unstored(parsed, ['customer_facing'], 'this tier is not customer-facing', 'customer_facing');
    if (tier.display_order !== undefined && tier.display_order !== 0 && !has('display_order')) unstored(parsed, ['display_order'], 'this tier sets display_order', 'display_order');
    if (tier.status === 'retired' && !has('status')) unstored(parsed, ['status'], 'this tier is retired', 'status');
    if (tier.protected === true && !has('protected')) unstored(parsed, ['protected'], 'this tier is protected', 'protected');

    const billing = tier.billing;
    // With {stripe: ...} columns, billing: is their source even where no column stores it.
    const resolves = stored.stripeColumns.length > 0;
    if (billing && !has('billing_provider') && !resolves) {
      at(parsed, ['billing'], `this tier has billing:, but ${table} stores no billing provider`, 'remove billing: from the tier files of this storage (the app keeps billing elsewhere)');
    } else if (billing) {
      if (billing.fallback_price !== undefined && !has('fallback_price')) unstored(parsed, ['billing', 'fallback_price'], 'this tier has a fallback_price', 'fallback_price');
      const keys = [...(billing.lookup_keys ?? []).map((k, i) => ({ provider: 'stripe' as const, k, path: ['billing', 'lookup_keys', i] })), ...(billing.product_key !== undefined ? [{ provider: 'whop' as const, k: billing.product_key, path: ['billing', 'product_key'] }] : [])];
      if (keys.length && stored.billingKeys === 'none' && !(resolves && keys.every((k) => k.provider === 'stripe'))) {
        at(parsed, ['billing', keys[0]?.provider === 'whop' ? 'product_key' : 'lookup_keys'], `${table} stores no billing keys`, 'describe where the keys go (storage.billing_keys, or a {billing_key: ...} column), or remove them');
      }
      if (stored.billingKeys === 'columns') {
        for (const key of keys) {
          if (!stored.keyColumns.has(key.provider)) at(parsed, key.path, `${table} has no ${key.provider} key column`, `add a column with {billing_key: ${key.provider}}`, false);
        }
        if ((billing.lookup_keys?.length ?? 0) > 1) {
          const column = Object.entries(d.tier.columns).find(([, s]) => s.kind === 'billing-key' && s.provider === 'stripe')?.[0] ?? '?';
          at(parsed, ['billing', 'lookup_keys', 1], `${table}.${column} holds one lookup key, and this tier lists ${billing.lookup_keys?.length}`, 'keep one lookup key per tier for this storage', false);
        }
      }
    }

    if ((tier.permissions?.length ?? 0) > 0 && stored.permissions === 'none') {
      at(parsed, ['permissions'], `this tier grants permissions, but ${table}'s storage holds none`, 'describe where permissions go (storage.permissions, or a {permissions: array|object} column), or remove them');
    }
    for (const name of Object.keys(tier.columns ?? {})) {
      if (!stored.perTierColumns.includes(name)) {
        const hint = stored.perTierColumns.length ? `per-tier columns of ${table}: ${stored.perTierColumns.join(', ')}` : `declare it in catalog.yaml as  ${name}: per_tier  under storage.tiers.columns`;
        at(parsed, ['columns', name], `column "${name}" is not a per_tier column of ${table}`, hint);
      }
    }
    if (tier.platform !== undefined && !d.tier.platform) {
      at(parsed, ['platform'], `this tier belongs to platform "${tier.platform}", but ${table} has no platform column`, 'describe it under storage.tiers.platform in catalog.yaml, or remove platform: from this file', false);
    }
    if (d.tier.idColumn === null && tier.renamed_from?.length) {
      at(parsed, ['renamed_from'], `${table} is keyed by its primary key ${d.tier.keyColumn}, so a tier cannot be renamed: the app's rows point at the old key`, `keep the key "${tier.renamed_from[0]}" (change name: instead), or create a new tier and move subscribers in the app`);
    }
  }
  return out;
}

/** Without storage:, tierctl's own tables hold no app columns. */
export function checkNoAppColumns(tiers: readonly TierInput[]): Diagnostic[] {
  return tiers
    .filter(({ tier }) => tier.columns !== undefined)
    .map(({ parsed }) => ({ file: parsed.file, ...locate(parsed, pointer(['columns']), true), message: 'columns: holds values for an app\'s own tier table', hint: 'describe that table under storage: in catalog.yaml, or remove columns:' }));
}
