import { describe, expect, it } from 'vitest';
import { normaliseCatalog, type Tier } from '../../src/catalog/model.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import type { Plan } from '../../src/plan/plan-schema.js';
import { MARKDOWN_MARKER, MARKDOWN_MAX_BYTES, renderMarkdown } from '../../src/render/markdown.js';
import { COLOR, PLAIN, wantsColor } from '../../src/render/style.js';
import { renderText } from '../../src/render/text.js';

const base: Tier = { key: 'pro', name: 'Pro', description: null, customer_facing: true, display_order: 1, status: 'active', protected: false, billing_provider: 'stripe', billing_keys: ['pro_m'], fallback_price: null, limits: { users: 1 }, permissions: ['a'] };
const t = (key: string, over: Partial<Tier> = {}): Tier => ({ ...base, key, billing_keys: [`${key}_m`], ...over });

function plan(desired: Tier[], actual: Tier[], verified = true): Plan {
  return buildPlan({
    desired: { catalog: normaliseCatalog({ a: 'A', b: 'B' }, desired), renamedFrom: {} },
    actual: normaliseCatalog({ a: 'A', b: 'B' }, actual),
    stripe: verified ? { verified: true, keys: {} } : { verified: false, reason: 'STRIPE_API_KEY is not set', keys: {} },
    toolVersion: 'test',
  });
}

describe('text renderer', () => {
  it('shows one block per change with Terraform-style marks and a Plan: line', () => {
    const text = renderText(plan([t('new'), t('pro', { name: 'Pro 2', permissions: ['a', 'b'], limits: {} })], [t('pro'), t('old')]));
    expect(text).toContain('  + tier new will be created');
    expect(text).toContain('  ~ tier pro will be updated');
    expect(text).toContain('      ~ name: "Pro" → "Pro 2"');
    expect(text).toContain('      + permissions: b');
    expect(text).toContain('      - limits.users: 1');
    expect(text).toContain('  - tier old will be DELETED');
    expect(text.trimEnd().split('\n').at(-1)).toBe('Plan: 1 to create, 1 to update, 0 to rename, 0 to retire, 1 to delete.');
  });

  it('says there is nothing to do', () => {
    expect(renderText(plan([t('pro')], [t('pro')]))).toContain('No changes.');
  });

  it('is loud when Stripe keys were not verified', () => {
    expect(renderText(plan([t('pro')], [t('pro')], false))).toContain('WARNING: Stripe lookup keys were NOT verified (STRIPE_API_KEY is not set).');
  });

  it('colours only when asked, and never with NO_COLOR', () => {
    const p = plan([t('new')], []);
    expect(renderText(p, PLAIN)).not.toContain('\u001b[');
    expect(renderText(p, COLOR)).toContain('\u001b[32m');
    expect(wantsColor({ isTTY: true }, {})).toBe(true);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor({ isTTY: false }, {})).toBe(false);
    expect(wantsColor({ isTTY: true }, { CI: 'true' })).toBe(false);
  });
});

describe('markdown renderer', () => {
  it('puts the marker, counts and the destructive warning first, details folded', () => {
    const md = renderMarkdown(plan([t('new')], [t('old')]));
    expect(md.startsWith(`${MARKDOWN_MARKER}\n`)).toBe(true);
    const warning = md.indexOf('[!WARNING]');
    const details = md.indexOf('<details>');
    expect(warning).toBeGreaterThan(0);
    expect(details).toBeGreaterThan(warning);
    expect(md).toContain('| create | 1 | 0 |');
    expect(md).toContain('| delete | 1 | 0 |');
    expect(md).toContain('```diff\n+ tier new will be created');
  });

  it('stays under 60 KB for a huge plan and says what was cut', () => {
    const many = Array.from({ length: 3000 }, (_, i) => t(`tier_${String(i).padStart(4, '0')}`, { description: 'x'.repeat(40) }));
    const md = renderMarkdown(plan(many, []));
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(MARKDOWN_MAX_BYTES);
    expect(md).toMatch(/… \d+ more lines not shown/);
    expect(md.trimEnd().endsWith('</details>')).toBe(true);
  });
});

describe('Stripe facts for review', () => {
  it('lists the prices of tiers the plan creates or changes, in text and Markdown', () => {
    const p = plan([t('new'), t('pro')], [t('pro')]);
    p.stripe = {
      verified: true,
      keys: {
        new_m: { tier: 'new', price: 'price_1', product: 'prod_1', product_name: 'New plan', unit_amount: 900, currency: 'usd', interval: 'month', livemode: false },
        pro_m: { tier: 'pro', price: 'price_2', product: 'prod_2', product_name: 'Pro plan', unit_amount: 4900, currency: 'eur', interval: 'year', livemode: false },
      },
    };
    const text = renderText(p);
    expect(text).toContain('new_m → New plan (prod_1), 9.00 USD / month, price_1, test mode');
    expect(text).not.toContain('pro_m →');
    const md = renderMarkdown(p);
    expect(md).toContain('| `pro_m` | pro | Pro plan | 49.00 EUR / year |');
  });
});
