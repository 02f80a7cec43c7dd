import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_LOOKUP_KEYS_PER_REQUEST } from '../../src/billing/stripe-price-verifier.js';
import { billingKeysOf } from '../../src/billing/verifier.js';
import { tierctl, workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe-server.js';
import { expectedFacts, seedCatalog, type SeededKey } from '../support/stripe-catalog-seed.js';
import { loadReference } from '../support/sources.js';

/** The real tierctl process, the real SDK inside it, the Stripe-compatible fake outside it. */
const KEY = 'sk_test_cliSecretKey00000000000000Q7z9';
const RESTRICTED = 'rk_test_cliRestricted000000000000M3k8';
const NO_STACK = /\n\s+at /;
const reference = loadReference().catalog;
const referenceKeys = billingKeysOf(reference, 'stripe');
const expectedCalls = Math.ceil(referenceKeys.length / MAX_LOOKUP_KEYS_PER_REQUEST);

let fake: FakeStripe;
let seeded: SeededKey[];
let cwd: string;

/**
 * In the test process (main(argv, io)); `inRealProcess` where the process itself is the subject.
 * Retry waits start at 5 ms instead of 0.5 s (TIERCTL_TEST_STRIPE_RETRY_MS): these tests count
 * retries; the backoff curve itself is tests/harden/stripe-rate-limit.test.ts's.
 */
const run = (args: string[], env: Record<string, string | undefined> = {}) =>
  runMain([...args, '--database', `sqlite:${path.join(cwd, 'state.sqlite')}`], { cwd, env: { STRIPE_API_KEY: KEY, STRIPE_API_BASE: fake.url, TIERCTL_TEST_STRIPE_RETRY_MS: '5', ...env } });
const inRealProcess = (args: string[], env: Record<string, string | undefined> = {}) =>
  tierctl([...args, '--database', `sqlite:${path.join(cwd, 'state.sqlite')}`], { cwd, env: { STRIPE_API_KEY: KEY, STRIPE_API_BASE: fake.url, ...env } });
const seededPrice = (key: string) => seeded.find((s) => s.key === key)!.price;

/** Where a lookup key sits in the tier files, found by reading them (file:line:col, 1-based). */
function positionOf(key: string): string {
  const word = new RegExp(`(?<![\\w])${key}(?![\\w])`);
  for (const name of readdirSync(path.join(cwd, 'tiers')).sort()) {
    const lines = readFileSync(path.join(cwd, 'tiers', name), 'utf8').split('\n');
    const i = lines.findIndex((l) => /^\s*lookup_keys:/.test(l) && word.test(l));
    if (i >= 0) return `tiers/${name}:${i + 1}:${lines[i]!.search(word) + 1}`;
  }
  throw new Error(`lookup key ${key} is in no tier file`);
}

/** No form of a secret in any output: not the key, not its tail that Stripe echoes. */
function expectNoSecret(...texts: string[]): void {
  for (const secret of [KEY, RESTRICTED]) {
    for (const t of texts) {
      expect(t).not.toContain(secret);
      expect(t).not.toContain(secret.slice(-4));
    }
  }
}

beforeEach(async () => {
  fake = await startFakeStripe();
  fake.addKey(KEY);
  fake.addKey(RESTRICTED, 'no-price-read');
  seeded = seedCatalog(fake, reference);
  cwd = workdirWithTiers();
});
afterEach(async () => {
  await fake.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe('tierctl plan with STRIPE_API_KEY', () => {
  it('verifies the reference catalog with ceil(keys/10) list calls and shows the facts in the plan', async () => {
    const text = await run(['plan']);
    expect(text.stderr).not.toMatch(NO_STACK);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Stripe: ${referenceKeys.length} lookup keys verified`);
    expect(text.stdout).not.toMatch(/NOT verified/);
    expect(fake.requests).toHaveLength(expectedCalls);
    expect(fake.requests.every((r) => r.method === 'GET' && r.path === '/v1/prices')).toBe(true);

    const json = await run(['plan', '--format', 'json', '--out', 'plan.json']);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as { stripe: { verified: boolean; keys: Record<string, unknown> } };
    expect(plan.stripe.verified).toBe(true);
    expect(plan.stripe.keys).toEqual(expectedFacts(seeded));
    const saved = readFileSync(path.join(cwd, 'plan.json'), 'utf8');
    expect(JSON.parse(saved)).toEqual(plan);
    expectNoSecret(text.stdout, text.stderr, json.stdout, json.stderr, saved);
  });

  it('a verified plan file applies without the key', async () => {
    expect((await run(['plan', '--out', 'plan.json'])).code).toBe(0);
    const applied = await run(['apply', 'plan.json'], { STRIPE_API_KEY: undefined });
    expect(applied.stderr).not.toMatch(NO_STACK);
    expect(applied.code).toBe(0);
  });

  type Case = [name: string, breakIt: () => string, message: RegExp];
  const cases: Case[] = [
    ['unknown key', () => (fake.prices.delete(seededPrice('essential_annual').id), 'essential_annual'), /Stripe has no price with lookup key "essential_annual" in test mode/],
    ['key only in live mode', () => (fake.prices.set(seededPrice('professional_monthly').id, { ...seededPrice('professional_monthly'), livemode: true }), 'professional_monthly'), /no price with lookup key "professional_monthly" in test mode \(.*live-mode prices/],
    ['inactive price', () => (fake.prices.set(seededPrice('hobbyist_yearly').id, { ...seededPrice('hobbyist_yearly'), active: false }), 'hobbyist_yearly'), /points to an inactive price/],
    ['archived product', () => ((fake.products.get('prod_test_enterprise')!.active = false), 'enterprise_monthly'), /its product "Enterprise" \(prod_test_enterprise\) is archived/],
    [
      'keys of one tier on two products',
      () => {
        fake.products.set('prod_other', { id: 'prod_other', name: 'Other', active: true, livemode: false });
        const [, second] = referenceKeys.filter((k) => k.tier === 'business');
        fake.prices.set(seededPrice(second!.key).id, { ...seededPrice(second!.key), product: 'prod_other' });
        return second!.key;
      },
      /belongs to product prod_other, but "\w+" of the same tier belongs to prod_test_business; all lookup keys of a tier must belong to one product/,
    ],
  ];

  it.each(cases)('fails on %s, pointing at the key in its tier file', async (_name, breakIt, message) => {
    const key = breakIt();
    const r = await run(['plan']);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(NO_STACK);
    const diagnostics = r.stderr.split('\n').filter((l) => /^tiers\//.test(l));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.startsWith(`${positionOf(key)}: `)).toBe(true);
    expect(diagnostics[0]).toMatch(message);
    expect(r.stderr).toMatch(/error: 1 problem in the billing keys/);
    expect(r.stdout).toBe('');
  });

  it('fails the pull-request view (--against a git ref) on a billing problem too', async () => {
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'tiers');
    const ok = await runMain(['plan', '--against', 'HEAD'], { cwd, env: { STRIPE_API_KEY: KEY, STRIPE_API_BASE: fake.url } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('lookup keys verified against Stripe');
    const key = cases[0]![1]();
    const r = await runMain(['plan', '--against', 'HEAD'], { cwd, env: { STRIPE_API_KEY: KEY, STRIPE_API_BASE: fake.url } });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => /^tiers\//.test(l))).toEqual([expect.stringMatching(new RegExp(`^${positionOf(key)}: `))]);
    expect(r.stdout).toBe('');
  });

  it('reports every problem at once, and apply refuses the same catalog', async () => {
    const keys = cases.map(([, breakIt]) => breakIt());
    const r = await run(['plan']);
    expect(r.code).toBe(1);
    const diagnostics = r.stderr.split('\n').filter((l) => /^tiers\//.test(l));
    expect(diagnostics.map((d) => d.split(': ')[0]).sort()).toEqual(keys.map(positionOf).sort());

    const applied = await run(['apply', '--auto-approve']);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toMatch(/problems in the billing keys/);
    expect(applied.stdout).not.toMatch(/Apply complete/);
  });

  it('survives injected 429s and 500s', async () => {
    fake.injectFaults({ status: 429 }, { status: 500 }, { status: 429, shouldRetry: true });
    const r = await run(['plan']);
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Stripe: ${referenceKeys.length} lookup keys verified`);
    expect(fake.requests.filter((q) => q.fault)).toHaveLength(3);
    expect(fake.requests).toHaveLength(expectedCalls + 3);
  });

  it('says the key is wrong (401) without printing it', async () => {
    const r = await run(['plan'], { STRIPE_API_KEY: 'sk_test_someoneElsesKey00000000000Zz99' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .* rejected STRIPE_API_KEY \(401\): the key is wrong, expired or revoked/);
    expect(r.stderr).toMatch(/hint: .*"Prices: read" and "Products: read"/);
    expect(r.stdout + r.stderr).not.toMatch(/someoneElses|Zz99/);
  });

  it('says a restricted key lacks Prices: read / Products: read (403) without printing it', async () => {
    const r = await run(['plan', '--format', 'json'], { STRIPE_API_KEY: RESTRICTED });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: STRIPE_API_KEY may not read prices and products .*lacks "Prices: read" or "Products: read"/);
    expectNoSecret(r.stdout, r.stderr);
  });

  it('says "could not verify" when the server is down, never a silent pass', async () => {
    await fake.close();
    const r = await run(['plan', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: could not verify lookup keys with the Stripe-compatible server at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    // --format json: the failure is machine output too (issue 13 item 4), never a plan.
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { message: expect.stringMatching(/^could not verify lookup keys/) as unknown }, exit_code: 1, diagnostics: [] });
    expectNoSecret(r.stdout, r.stderr);
    fake = await startFakeStripe(); // for afterEach
  });

  it('gives up at TIERCTL_STRIPE_TIMEOUT when the server never answers, and the process ends', async () => {
    fake.injectFaults(...Array.from({ length: 20 }, () => ({ hang: true as const })));
    // The real process: hung sockets must not keep it alive once the deadline has passed.
    const r = await inRealProcess(['plan'], { TIERCTL_STRIPE_TIMEOUT: '1' });
    expect(r.code).toBe(1); // null would mean the test runner had to kill it
    expect(r.stderr).toMatch(/error: could not verify lookup keys with .*: no complete answer within 1s/);
  });

  it('refuses a STRIPE_API_BASE it cannot use', async () => {
    const r = await run(['plan'], { STRIPE_API_BASE: `${fake.url}/v1` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: STRIPE_API_BASE must not have a path/);
    expect(fake.requests).toHaveLength(0);
  });
});
