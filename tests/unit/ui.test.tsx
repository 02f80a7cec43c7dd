import { restoreForceColor } from '../support/force-color.js';
import { render } from 'ink-testing-library';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { normaliseCatalog, type Tier } from '../../src/catalog/model.js';
import { buildPlan, summaryLine } from '../../src/plan/build-plan.js';
import type { Plan } from '../../src/plan/plan-schema.js';
import { changeLines } from '../../src/render/plan-lines.js';
import { ConfirmPrompt, typeInto } from '../../src/ui/confirm-prompt.js';
import { createInteractiveUi } from '../../src/ui/interactive.js';
import { PlanView } from '../../src/ui/plan-view.js';
import { ProgressView } from '../../src/ui/progress-view.js';

restoreForceColor();
afterEach(() => cleanup());

const PERMISSIONS = { a: 'A', b: 'B' };
const base: Tier = { key: 'pro', name: 'Pro', description: null, customer_facing: true, display_order: 1, status: 'active', protected: false, billing_provider: 'stripe', billing_keys: ['pro_m'], fallback_price: null, limits: { users: 1 }, permissions: ['a'] };
const t = (key: string, over: Partial<Tier> = {}): Tier => ({ ...base, key, billing_keys: [`${key}_m`], ...over });

function plan(desired: Tier[], actual: Tier[], extra: { verified?: boolean; drift?: Plan['drift'] } = {}): Plan {
  const verified = extra.verified ?? true;
  return buildPlan({
    desired: { catalog: normaliseCatalog(PERMISSIONS, desired), renamedFrom: {} },
    actual: normaliseCatalog(PERMISSIONS, actual),
    stripe: verified ? { verified: true, keys: {} } : { verified: false, reason: 'STRIPE_API_KEY is not set', keys: {} },
    drift: extra.drift,
    notes: [{ tier: 'pro', message: 'check the new seat limit' }],
    toolVersion: 'test',
  });
}

// create new, update pro (name, permission added, limit removed), delete old, keep vip
// out of the files although it is protected in the database (a blocked delete).
const mixed = () =>
  plan([t('new'), t('pro', { name: 'Pro 2', permissions: ['a', 'b'], limits: {} })], [t('pro'), t('old'), t('vip', { protected: true })], {
    verified: false,
    drift: { run_id: 7, changes: [{ kind: 'tier', action: 'update', tier: 'pro', fields: { name: { before: 'Pro', after: 'Pro X' } } }] },
  });

const ESC = '\u001b';

describe('PlanView', () => {
  it('shows every line of every change, the blocked change, drift, warnings, the Stripe warning and the summary', () => {
    const p = mixed();
    const frame = render(<PlanView plan={p} color={false} />).lastFrame() ?? '';
    expect(frame).not.toContain(ESC);
    for (const c of p.changes) for (const l of changeLines(c)) expect(frame).toContain(`${l.mark} ${l.text}`);
    expect(frame).toContain('+ tier new will be created');
    expect(frame).toContain('~ name: "Pro" → "Pro 2"');
    expect(frame).toContain('- tier old will be DELETED');
    expect(frame).toContain('Blocked: this plan cannot be applied');
    expect(frame).toContain('! tier vip: delete is blocked');
    expect(frame).toContain('drift: the database was changed outside tierctl since apply run #7');
    expect(frame).toContain('! tier pro: check the new seat limit');
    expect(frame).toContain('WARNING: Stripe lookup keys were NOT verified (STRIPE_API_KEY is not set).');
    expect(frame.trimEnd().split('\n').at(-1)).toBe(summaryLine(p));
    expect(summaryLine(p)).toContain('1 blocked');
  });

  it('colours each mark: + green, ~ yellow, - red, → cyan; blocked and the Stripe warning red', () => {
    const renamed = buildPlan({
      desired: { catalog: normaliseCatalog(PERMISSIONS, [t('team')]), renamedFrom: { team: ['crew'] } },
      actual: normaliseCatalog(PERMISSIONS, [t('crew')]),
      stripe: { verified: true, keys: {} },
      toolVersion: 'test',
    });
    expect(render(<PlanView plan={renamed} color />).lastFrame()).toContain('\u001b[36m→ tier crew will be renamed to team');
    const frame = render(<PlanView plan={mixed()} color />).lastFrame() ?? '';
    expect(frame).toContain('\u001b[32m+ tier new will be created');
    expect(frame).toContain('\u001b[33m~ tier pro will be updated');
    expect(frame).toContain('\u001b[31m- tier old will be DELETED');
    expect(frame).toContain('\u001b[31m! tier vip: delete is blocked');
    expect(frame).toMatch(/\u001b\[31m[^\n]*WARNING: Stripe lookup keys were NOT verified/);
  });

  it('names a platform tier key@platform, beside the global tier of the same key', () => {
    const frame = render(<PlanView plan={plan([t('pro'), t('pro', { platform: 'loyalty', billing_keys: ['pro_loyalty_m'] })], [t('pro')])} color={false} />).lastFrame() ?? '';
    expect(frame).toContain('+ tier pro@loyalty will be created');
    expect(frame).toContain('platform: loyalty');
    expect(frame).not.toContain('tier pro will');
  });

  it('says there is nothing to do, and reports verified keys calmly', () => {
    const frame = render(<PlanView plan={plan([t('pro')], [t('pro')])} color={false} />).lastFrame() ?? '';
    expect(frame).toContain('No changes. The database matches the tier files.');
    expect(frame).toContain('Stripe: 0 lookup keys verified against Stripe.');
    expect(frame).not.toContain('WARNING');
  });

  it('is what showPlan writes through the command output', () => {
    const written: string[] = [];
    const ui = createInteractiveUi({ stdin: process.stdin, live: process.stderr, write: (s) => written.push(s), columns: 100, color: false });
    const p = mixed();
    ui.showPlan(p);
    expect(written).toHaveLength(1);
    for (const c of p.changes) for (const l of changeLines(c)) expect(written[0]).toContain(`${l.mark} ${l.text}`);
    expect(written[0]).toContain(summaryLine(p));
  });
});

/** Resolves once the prompt listens to stdin (Ink attaches in an effect, after the first frame). */
async function listening(stdin: EventEmitter): Promise<void> {
  while (stdin.listenerCount('readable') === 0) await new Promise((r) => setImmediate(r));
}

async function answer(...chunks: string[]): Promise<{ approved: boolean; frame: () => string }> {
  let resolve!: (v: boolean) => void;
  const answered = new Promise<boolean>((r) => (resolve = r));
  const app = render(<ConfirmPrompt color={false} onAnswer={resolve} />);
  await listening(app.stdin);
  for (const c of chunks) app.stdin.write(c);
  const approved = await answered;
  // The final frame is rendered asynchronously after the answer; read it when asserting.
  return { approved, frame: () => app.lastFrame() ?? '' };
}

describe('ConfirmPrompt', () => {
  it('asks for yes', () => {
    expect(render(<ConfirmPrompt color={false} onAnswer={() => undefined} />).lastFrame()).toContain('Type yes and press Enter to apply');
  });

  it('resolves true on "yes" + Enter, in one chunk or key by key', async () => {
    const one = await answer('yes\r');
    expect(one.approved).toBe(true);
    await vi.waitFor(() => {
      expect(one.frame()).toContain('› yes');
      expect(one.frame()).toContain('Confirmed.');
    });
    expect((await answer('y', 'e', 's', '\r')).approved).toBe(true);
    expect((await answer('yesx', '\u007f', '\r')).approved).toBe(true);
  });

  it('resolves false on anything else, on Esc and on Ctrl-C', async () => {
    const no = await answer('no\r');
    expect(no.approved).toBe(false);
    await vi.waitFor(() => expect(no.frame()).toContain('Cancelled.'));
    expect((await answer('y\r')).approved).toBe(false);
    expect((await answer('yess\r')).approved).toBe(false);
    expect((await answer('\r')).approved).toBe(false);
    expect((await answer('ye', ESC)).approved).toBe(false);
    expect((await answer('yes', '\u0003')).approved).toBe(false);
  });

  it('turns typed chunks into an answer (pure)', () => {
    expect(typeInto('', 'yes')).toEqual({ kind: 'typing', buffer: 'yes' });
    expect(typeInto('ye', 's\r')).toEqual({ kind: 'submitted', answer: 'yes' });
    expect(typeInto('', 'yes\n')).toEqual({ kind: 'submitted', answer: 'yes' });
    expect(typeInto('yes', '\u007f\u007f')).toEqual({ kind: 'typing', buffer: 'y' });
    expect(typeInto('yes', '\u0003')).toEqual({ kind: 'cancelled' });
  });
});

describe('ProgressView', () => {
  it('ticks finished steps, spins on the running one, then shows the result', () => {
    const app = render(<ProgressView state={{ steps: ['migrating', 'reading state'] }} color={false} />);
    const running = app.lastFrame() ?? '';
    expect(running).toContain('✔ migrating');
    expect(running).toContain('reading state…');
    expect(running).not.toContain('✔ reading state');

    app.rerender(<ProgressView state={{ steps: ['migrating', 'reading state', 'applying 3 changes', 'recording the run'], result: { ok: true, message: 'Apply complete' } }} color={false} />);
    const done = app.lastFrame() ?? '';
    for (const s of ['migrating', 'reading state', 'applying 3 changes', 'recording the run']) expect(done).toContain(`✔ ${s}`);
    expect(done).toContain('Apply complete');
    expect(done).not.toContain('…');
  });

  it('marks the step that failed', () => {
    const frame = render(<ProgressView state={{ steps: ['migrating', 'applying 3 changes'], result: { ok: false, message: 'Nothing was changed.' } }} color={false} />).lastFrame() ?? '';
    expect(frame).toContain('✔ migrating');
    expect(frame).toContain('✖ applying 3 changes');
    expect(frame).toContain('Nothing was changed.');
  });
});
