import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { failuresHarness } from './secrets-failures.js';
import { SKIP } from './secrets-harness.js';

/** Failures through Stripe and through a bad tier file, as real processes, without a secret in any output. */
describe.skipIf(SKIP)('secrets stay out of every output: Stripe and tier-file failures', () => {
  const { h, fails } = failuresHarness();

  it('Stripe echoing the key (plan, apply) or unreachable: plan and apply refuse and say why without the key', async () => {
    const [echoed] = await fails(
      { label: 'plan, Stripe echoes the key', args: ['plan', ...h.withUrl()], env: { STRIPE_API_BASE: h.stripeBase } },
      { label: 'apply, Stripe echoes the key', args: ['apply', '--auto-approve', ...h.withUrl()], env: { STRIPE_API_BASE: h.stripeBase } },
      { label: 'plan, Stripe unreachable', args: ['plan', ...h.withUrl()] },
    );
    expect(echoed!.stderr).toMatch(/refused the price lookup \(400\): Request refused for API key (sk_test_)?\*\*\*$/m);
  });

  it('a bad tier file (validate, plan, apply): the file error, and no secret', async () => {
    // A copy of the work dir, so the broken file is never seen by another case.
    const broken = mkdtempSync(path.join(tmpdir(), 'tierctl-secrets-broken-'));
    try {
      cpSync(h.cwd, broken, { recursive: true });
      writeFileSync(path.join(broken, 'tiers', 'broken.yaml'), 'key: broken\nname: [oops\n');
      const results = await fails(
        { label: 'validate, bad tier file', args: ['validate'], cwd: broken },
        { label: 'plan, bad tier file', args: ['plan', '--skip-stripe', ...h.withUrl()], cwd: broken },
        { label: 'apply, bad tier file', args: ['apply', '--auto-approve', '--skip-stripe', ...h.withUrl()], cwd: broken },
      );
      for (const r of results) expect(r.stderr).toMatch(/broken\.yaml:\d+:\d+/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
