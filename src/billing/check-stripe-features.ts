import type { StripeKeyFacts } from '../plan/plan-schema.js';
import type { BillingKeyRef, FeatureExpectations, KeyProblem } from './verifier.js';

/** The fields of a Stripe product_feature's entitlement_feature that parity reads. */
export interface ListedFeature {
  lookup_key: string;
  name: string;
  active: boolean;
}

const ATTACH_HINT = 'attach the feature to the product in Stripe (Product catalog > the product > Features), or stop granting the permission in this tier';

/**
 * The pure half of feature parity: given the features Stripe lists for each product behind
 * a tier's lookup keys, report every difference from the features the tier's permissions
 * declare. Missing and archived features are reported at the permission's line, extra ones
 * at the tier's `permissions:` list, products of one tier that differ at the lookup key.
 * Products absent from `features` (deleted, or a price that did not resolve) are skipped:
 * their keys already carry a problem.
 */
export function checkStripeFeatures(
  keys: readonly BillingKeyRef[],
  facts: Readonly<Record<string, StripeKeyFacts>>,
  features: ReadonlyMap<string, readonly ListedFeature[]>,
  expected: FeatureExpectations,
): KeyProblem[] {
  const problems: KeyProblem[] = [];
  // Tier -> its products in the order of its keys, each with the first key that reaches it.
  const products = new Map<string, { product: string; key: string }[]>();
  for (const ref of keys) {
    const fact = facts[ref.key];
    const want = expected.tiers[ref.tier];
    if (!fact || !want || !features.has(fact.product)) continue;
    const list = products.get(ref.tier) ?? [];
    if (!list.some((e) => e.product === fact.product)) list.push({ product: fact.product, key: ref.key });
    products.set(ref.tier, list);
  }

  for (const [tier, list] of products) {
    const want = expected.tiers[tier] as Record<string, string>;
    const wanted = new Set(Object.values(want));
    for (const { product, key } of list) {
      const have = new Map((features.get(product) ?? []).map((f) => [f.lookup_key, f]));
      const where = `product ${product} (lookup key "${key}")`;
      for (const [permission, feature] of Object.entries(want)) {
        const f = have.get(feature);
        if (!f) {
          problems.push({ tier, key, permission, message: `permission "${permission}" is Stripe feature "${feature}", but ${where} does not have it`, hint: ATTACH_HINT });
        } else if (!f.active) {
          problems.push({
            tier,
            key,
            permission,
            message: `permission "${permission}" is Stripe feature "${feature}", which is archived in Stripe (attached to ${where})`,
            hint: 'unarchive the feature in Stripe (Product catalog > Features), or stop granting the permission',
          });
        }
      }
      for (const f of [...have.values()].sort((a, b) => a.lookup_key.localeCompare(b.lookup_key))) {
        if (wanted.has(f.lookup_key)) continue;
        const owner = expected.owners[f.lookup_key];
        problems.push({
          tier,
          key,
          permission: null,
          message: `${where} has Stripe feature "${f.lookup_key}"${f.active ? '' : ' (archived)'}, which tier "${tier}" does not grant${owner ? ` (it is permission "${owner}")` : ' (no permission in catalog.yaml declares it)'}`,
          hint: owner ? `grant "${owner}" in this tier, or detach the feature from the product in Stripe` : 'detach the feature from the product in Stripe, or declare it as a permission\'s stripe_feature in catalog.yaml and grant that permission',
        });
      }
    }
    if (list.length > 1) {
      const setOf = (product: string) => (features.get(product) ?? []).map((f) => f.lookup_key).sort();
      const first = list[0] as { product: string; key: string };
      const base = setOf(first.product).join(', ');
      for (const other of list.slice(1)) {
        const theirs = setOf(other.product).join(', ');
        if (theirs === base) continue;
        problems.push({
          tier,
          key: other.key,
          message: `lookup keys "${first.key}" and "${other.key}" of tier "${tier}" sell products with different Stripe features (${first.product}: ${base || 'none'}; ${other.product}: ${theirs || 'none'})`,
          hint: 'a tier grants one set of permissions, so every product it sells needs the same features',
        });
      }
    }
  }
  return problems;
}
