import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { editTierFile, tierctl, workdirWithTiers, type CliResult } from '../support/cli.js';
import { BACKENDS } from '../support/databases.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe-server.js';
import { runMain } from '../support/run-main.js';
import { loadReference } from '../support/sources.js';
import { seedCatalog } from '../support/stripe-catalog-seed.js';

/**
 * What Stripe says is untrusted too (issue 15 items 12-14 and the timeout clamp): an answer
 * that echoes the key must not put it into a plan file or a summary file, escape sequences in
 * a product name must not reach a terminal or break a PR comment, Node's own debug output must
 * not print the Authorization header, and a huge TIERCTL_STRIPE_TIMEOUT must not overflow the timer.
 */
const KEY = `sk_test_${randomBytes(12).toString('hex')}`;
const reference = loadReference();
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f\x9b]/;
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/;

let fake: FakeStripe;
let cwd: string;

beforeEach(async () => {
  fake = await startFakeStripe();
  fake.addKey(KEY);
  seedCatalog(fake, reference.catalog);
  cwd = workdirWithTiers();
});
afterEach(async () => {
  await fake.close();
  rmSync(cwd, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({ STRIPE_API_KEY: KEY, STRIPE_API_BASE: fake.url, ...extra });
const renameProducts = (name: string) => {
  for (const [id, p] of fake.products) fake.products.set(id, { ...p, name });
};

describe('TIERCTL_STRIPE_TIMEOUT', () => {
  it('clamps a timeout above what a timer can hold instead of firing at once', async () => {
    // 3,000,000 s is 3e9 ms, over setTimeout's 2^31-1: Node fires such a timer after 1 ms.
    const r = await runMain(['plan', '--format', 'json'], { cwd, env: env({ TIERCTL_STRIPE_TIMEOUT: '3000000' }) });
    expect(r.stderr).not.toMatch(/no complete answer/);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { stripe: { verified: boolean } }).stripe.verified).toBe(true);
  });

  it.each(['abc', '12s', '-5', '0', 'Infinity', '1e400', '0x10'])('refuses %j with a clear message', async (value) => {
    const r = await runMain(['plan'], { cwd, env: env({ TIERCTL_STRIPE_TIMEOUT: value }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: TIERCTL_STRIPE_TIMEOUT must be a positive number of seconds/);
    expect(r.stderr).not.toContain('internal problem');
  });
});

describe('a Stripe answer that echoes the key (item 13)', () => {
  it('never reaches the plan file, the summary file or the output', async () => {
    renameProducts(`Product of ${KEY}`);
    const r = await runMain(['plan', '--format', 'markdown', '--out', path.join(cwd, 'plan.json'), '--summary-file', path.join(cwd, 'summary.md')], { cwd, env: env() });
    expect(r.code, r.stderr).toBe(0);
    const plan = readFileSync(path.join(cwd, 'plan.json'), 'utf8');
    const summary = readFileSync(path.join(cwd, 'summary.md'), 'utf8');
    expect(plan).toMatch(/Product of (sk_test_)?\*\*\*/);
    for (const [where, text] of [['plan.json', plan], ['summary.md', summary], ['stdout', r.stdout], ['stderr', r.stderr]] as const) {
      expect(text.includes(KEY.slice('sk_test_'.length)), `${where} holds the key`).toBe(false);
    }
    // The redacted plan is still a plan apply reads.
    expect(() => JSON.parse(plan)).not.toThrow();
  });
});

describe('the audit row (item 13)', () => {
  for (const backend of BACKENDS) {
    it.skipIf(backend.skip)(`is redacted like every other output on ${backend.name}`, async () => {
      const db = await backend.create();
      try {
        // Pasted into a tier file, the key is refused at its line before anything is written.
        editTierFile(cwd, 'essential.yaml', 'description: For a single shop getting started.', `description: "Key ${KEY} pasted by mistake"`);
        const pasted = await runMain(['apply', '--auto-approve', '--database', db.url], { cwd, env: env() });
        expect(pasted.stderr).toMatch(/essential\.yaml:\d+:\d+: value looks like a Stripe API key/);
        expect(pasted.stderr).not.toContain(KEY.slice('sk_test_'.length));
        expect(pasted.code).toBe(1);
        editTierFile(cwd, 'essential.yaml', `description: "Key ${KEY} pasted by mistake"`, 'description: For a single shop getting started, edited.');
        // Through the environment (the CI actor's name), it reaches the audit row redacted.
        const r = await runMain(['apply', '--auto-approve', '--database', db.url], { cwd, env: { ...env(), GITHUB_ACTOR: `bot ${KEY}` } });
        expect(r.code, r.stderr).toBe(0);
        const rows = await db.sql<Record<string, unknown>>('SELECT * FROM reconcile_run');
        expect(rows).toHaveLength(1);
        expect(String(rows[0]?.['actor'])).toContain('bot ');
        expect(JSON.stringify(rows)).not.toContain(KEY.slice('sk_test_'.length));
        // And what history prints from that row is escaped like any database text (item 14).
        await db.sql(`UPDATE reconcile_run SET actor = $1`, ['ev\u001b[2Jil\u202e']);
        const history = await runMain(['history', '--database', db.url], { cwd });
        expect(history.code, history.stderr).toBe(0);
        expect(history.stdout).toContain('ev\\u{1b}[2Jil\\u{202e}');
        expect(history.stdout).not.toMatch(RAW_CONTROL);
        expect(history.stdout).not.toMatch(BIDI);
      } finally {
        await db.drop();
      }
    });
  }
});

describe('control characters from Stripe (item 14)', () => {
  const hostile = 'Evil\u001b[2J\u001b]0;pwned\u0007 \u202eytinifni\u202c | `x` </details>';

  it('escapes ANSI, bidi and Markdown from product names in text, Markdown and JSON', async () => {
    renameProducts(hostile);
    const edit = path.join(cwd, 'tiers', 'essential.yaml');
    // A changed tier shows its Stripe facts in the text view.
    const text = readFileSync(edit, 'utf8').replace('name: Essential', 'name: Essential 2');
    await import('node:fs').then((fs) => fs.writeFileSync(edit, text));

    const t = await runMain(['plan'], { cwd, env: env() });
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain('Evil');
    expect(t.stdout).not.toMatch(RAW_CONTROL);
    expect(t.stdout).not.toMatch(BIDI);

    const md = await runMain(['plan', '--format', 'markdown'], { cwd, env: env() });
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).not.toMatch(RAW_CONTROL);
    expect(md.stdout).not.toMatch(BIDI);
    expect(md.stdout).not.toContain('</details> |');
    // Each Stripe table row keeps its four cells: a `|` in the name does not add one.
    for (const row of md.stdout.split('\n').filter((l) => l.includes('Evil'))) {
      expect(row.replace(/\\\|/g, '').split('|').length, row).toBe(6);
    }

    const json = await runMain(['plan', '--format', 'json'], { cwd, env: env() });
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    // JSON stays JSON: the value round-trips exactly.
    const plan = JSON.parse(json.stdout) as { stripe: { keys: Record<string, { product_name: string }> } };
    expect(Object.values(plan.stripe.keys)[0]?.product_name).toBe(hostile);
  });
});

describe('NODE_DEBUG in the real process (item 12)', () => {
  const VALUES = ['http', 'net', 'https', 'undici', 'fetch', 'stripe', 'http,net,https,undici,fetch,stripe,tls', 'HTTP'];
  // The eight processes run at once, against one fake Stripe and work dir of their own
  // (most of each is Node starting up); each case checks its own process's output.
  const results = new Map<string, CliResult>();
  beforeAll(async () => {
    const own = await startFakeStripe();
    own.addKey(KEY);
    seedCatalog(own, reference.catalog);
    const dir = workdirWithTiers();
    try {
      const runs = await Promise.all(VALUES.map((debug) => tierctl(['plan'], { cwd: dir, env: { STRIPE_API_KEY: KEY, STRIPE_API_BASE: own.url, NODE_DEBUG: debug } })));
      VALUES.forEach((debug, i) => results.set(debug, runs[i]!));
    } finally {
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(VALUES)('NODE_DEBUG=%s never prints the key', (debug) => {
    const r = results.get(debug)!;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(KEY.slice('sk_test_'.length));
    expect(r.stdout + r.stderr).not.toMatch(/Bearer sk_/);
  });
});
