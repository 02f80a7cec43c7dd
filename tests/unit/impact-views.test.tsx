import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { normaliseCatalog, type Tier } from '../../src/catalog/model.js';
import { buildPlan, type PlanInput } from '../../src/plan/build-plan.js';
import { MAX_IMPACT_ROWS } from '../../src/render/impact-lines.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { renderText } from '../../src/render/text.js';
import { PlanView } from '../../src/ui/plan-view.js';
import { restoreForceColor } from '../support/force-color.js';

restoreForceColor();
afterEach(() => cleanup());

const base: Tier = { key: 'pro', name: 'Pro', description: null, customer_facing: true, display_order: 1, status: 'active', protected: false, billing_provider: 'exempt', billing_keys: [], fallback_price: null, limits: { users: 5 }, permissions: ['a'] };
const t = (key: string, over: Partial<Tier> = {}): Tier => ({ ...base, key, ...over });
const plan = (desired: Tier[], actual: Tier[], subscribers: PlanInput['subscribers']) =>
  buildPlan({ desired: { catalog: normaliseCatalog({ a: 'A' }, desired), renamedFrom: {} }, actual: normaliseCatalog({ a: 'A' }, actual), subscribers, stripe: { verified: true, keys: {} }, toolVersion: 'test' });

describe('impact in the views', () => {
  it('the Ink view boxes the impact before the changes, as the text view lists it first', () => {
    const p = plan([t('pro', { limits: { users: 2 } }), t('team', { name: 'Team 2' })], [t('pro'), t('team')], { counted: true, counts: { pro: 4 } });
    const frame = render(<PlanView plan={p} color={false} />).lastFrame() ?? '';
    expect(frame).toContain('Impact on subscribers:');
    expect(frame).toContain('! tier pro: 4 subscribers · reduces: limits.users: 5 → 2');
    expect(frame).toContain('tier team: 0 subscribers · neutral');
    expect(frame.indexOf('Impact on subscribers:')).toBeLessThan(frame.indexOf('tierctl will perform these actions:'));
    expect(renderText(p).split('\n').slice(0, 3)).toEqual(['Impact on subscribers:', '  ! tier pro: 4 subscribers · reduces: limits.users: 5 → 2', '    tier team: 0 subscribers · neutral (nothing subscribers use changes)']);
  });

  it('shows no impact block for a plan that only creates tiers', () => {
    const p = plan([t('pro')], [], { counted: true, counts: {} });
    expect(renderText(p)).not.toContain('Impact on subscribers');
    expect(renderMarkdown(p)).not.toContain('| tier | subscribers |');
  });

  it(`keeps the Markdown table to ${MAX_IMPACT_ROWS} rows above the fold, pointing at the JSON plan for the rest`, () => {
    const keys = Array.from({ length: MAX_IMPACT_ROWS + 5 }, (_, i) => `tier_${String(i).padStart(3, '0')}`);
    const p = plan(keys.map((k) => t(k, { limits: { users: 1 } })), keys.map((k) => t(k)), { counted: false, reason: 'no database' });
    const md = renderMarkdown(p);
    expect(md.split('\n').filter((l) => /^\| tier\\_\d+ \| n\/a \|/.test(l))).toHaveLength(MAX_IMPACT_ROWS);
    expect(md).toContain('… 5 more tiers in the JSON plan.');
    expect(md).toContain(`**${keys.length} tiers reduce what subscribers get**`);
    expect(md).toContain(', and 45 more.');
  });
});
