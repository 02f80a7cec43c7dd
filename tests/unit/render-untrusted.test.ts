import { describe, expect, it } from 'vitest';
import { normaliseCatalog, type Tier } from '../../src/catalog/model.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import type { Plan, StripeKeyFacts } from '../../src/plan/plan-schema.js';
import { MARKDOWN_MARKER, MARKDOWN_MAX_BYTES, renderMarkdown } from '../../src/render/markdown.js';
import { renderText } from '../../src/render/text.js';

/**
 * Renderers take what the database and Stripe say as untrusted (issue 15 items 14 and 15):
 * nothing invisible reaches a terminal or a PR comment, nothing breaks the Markdown, and
 * the Markdown keeps its 60 KB cap whatever section grows.
 */
const base: Tier = { key: 'pro', name: 'Pro', description: null, customer_facing: true, display_order: 1, status: 'active', protected: false, billing_provider: 'whop', billing_keys: ['prod_x'], fallback_price: null, limits: {}, permissions: [] };
const t = (key: string, over: Partial<Tier> = {}): Tier => ({ ...base, key, billing_keys: [`prod_${key}`], ...over });
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/;

function plan(desired: Tier[], actual: Tier[], extra: Partial<Plan> = {}): Plan {
  return {
    ...buildPlan({
      desired: { catalog: normaliseCatalog({}, desired), renamedFrom: {} },
      actual: normaliseCatalog({}, actual),
      stripe: { verified: true, keys: {} },
      toolVersion: 'test',
    }),
    ...extra,
  };
}

const facts = (tier: string, name: string): StripeKeyFacts => ({ tier, price: 'price_1', product: 'prod_1', product_name: name, unit_amount: 900, currency: 'usd', interval: 'month', livemode: false });

describe('values from the database and Stripe in the renderers (item 14)', () => {
  // A row written by hand: the files would refuse every one of these.
  const hostileRow = t('evil', { name: 'Ev\u202eil\u2066 x\u2069', description: 'zero\u200bwidth\u00a0\u009b31m \u001b[2J\rgone', fallback_price: '\u0007$9' });

  it('text: deleted, updated and Stripe-described tiers show every invisible character as an escape', () => {
    const p = plan([t('evil', { name: 'Clean' })], [hostileRow]);
    p.stripe = { verified: true, keys: { 'k`|\u001b[31m': facts('evil', 'Prod\u001b]0;title\u0007 \u202e') } };
    const deleted = renderText(plan([], [hostileRow]));
    const updated = renderText(p);
    for (const out of [deleted, updated]) {
      expect(out).not.toMatch(RAW);
      expect(out).toContain('\\u{202e}');
    }
    expect(deleted).toMatch(/\\u(001b|\{1b\})\[2J/);
    expect(updated).toContain('Prod\\u{1b}]0;title\\u{7}');
  });

  it('markdown: no raw controls, lookup keys with ` and | keep the table to four cells, no HTML from a name', () => {
    const p = plan([t('evil', { name: 'Clean' })], [hostileRow]);
    p.stripe = { verified: true, keys: { 'a`b|c': facts('evil', '</details><img src=x onerror=alert(1)> | **bold**') } };
    p.warnings = [{ tier: 'evil', message: 'warn `code` </details> | \u202e' }];
    const md = renderMarkdown(p);
    expect(md).not.toMatch(RAW);
    expect(md).not.toMatch(/(^|[^\\])<img/m);
    expect(md.match(/<\/details>/g)).toHaveLength(md.match(/<details>/g)?.length ?? 0);
    const row = md.split('\n').find((l) => l.includes('a\\`b'));
    expect(row, md).toBeDefined();
    expect((row as string).replace(/\\\|/g, '').split('|')).toHaveLength(6);
    // The diff fence cannot be closed from inside.
    const inFence = md.slice(md.indexOf('```diff') + 7, md.lastIndexOf('```'));
    expect(inFence).not.toContain('```');
  });

  it('keeps emoji joined by U+200D as they are', () => {
    const family = '\u{1f469}\u200d\u{1f467}';
    expect(renderText(plan([t('fam', { name: family })], []))).toContain(family);
  });
});

describe('the Markdown cap covers every section (item 15)', () => {
  it('2,500 Whop tiers with a warning each, drift and 200 long Stripe rows stay under 60 KB', () => {
    const many = Array.from({ length: 2500 }, (_, i) => t(`whop_${String(i).padStart(4, '0')}`, { description: 'd'.repeat(60) }));
    const p = plan(many, []);
    p.warnings = many.map((x) => ({ tier: x.key, message: `whop product key ${x.billing_keys[0] as string} not verified (no verifier for whop)` }));
    p.drift = { run_id: 7, changes: Array.from({ length: 3000 }, (_, i) => ({ kind: 'permission' as const, action: 'create' as const, permission: `drifted_${i}`, after: { description: 'changed by hand' } })) };
    p.stripe = { verified: true, keys: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`key_${i}`, facts(`whop_${String(i).padStart(4, '0')}`, 'P'.repeat(250))])) };
    const md = renderMarkdown(p);
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(MARKDOWN_MAX_BYTES);
    expect(md.length).toBeLessThan(65_536);
    expect(md.startsWith(MARKDOWN_MARKER)).toBe(true);
    expect(md).toMatch(/… \d+ more warning lines not shown; the JSON plan lists them all/);
    expect(md).toMatch(/… \d+ more lines not shown; see the JSON plan artifact/);
    // Every section still has its place: the changes are not crowded out by the warnings.
    expect(md).toContain('<summary>Changes (2500)</summary>');
    expect(md).toContain('+ tier whop_0000 will be created');
  });

  it('a single enormous warning cannot push it over either', () => {
    const p = plan([t('one')], []);
    p.warnings = [{ tier: 'one', message: 'w'.repeat(200_000) }];
    const md = renderMarkdown(p);
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(MARKDOWN_MAX_BYTES);
    expect(md).toContain('+ tier one will be created');
  });
});
