import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tierctl, workdirWithTiers, type CliResult } from '../support/cli.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';

/**
 * Secrets never leave the process: every command runs with a Stripe key and a
 * password-bearing PostgreSQL URL, through success and failure paths, and neither
 * secret (nor its URL-encoded form, nor its random part) may appear in stdout, stderr,
 * a plan file, a summary file, imported tier files or any column of the audit table.
 */
const postgres = BACKENDS.find((b) => b.name === 'postgres');
const hex = (n: number) => randomBytes(n).toString('hex');
const STRIPE_KEY = `sk_test_${hex(16)}`;
/** Characters that must be URL-encoded, so both the raw and the encoded form are at stake. */
const DB_PASSWORD = `pw-${hex(8)}-p@ss:w/rd%`;
const FORBIDDEN = [STRIPE_KEY, STRIPE_KEY.slice('sk_test_'.length), DB_PASSWORD, encodeURIComponent(DB_PASSWORD), DB_PASSWORD.split('-')[1] as string];
const STACK_FRAME = /\n\s+at /;

function expectNoSecret(text: string, where: string): void {
  for (const secret of FORBIDDEN) expect(text.includes(secret), `${where} contains a secret (${secret.length} characters)`).toBe(false);
}

/**
 * A Stripe-compatible server as hostile as it gets: it refuses every request (400) with a
 * message that echoes the full key back, which tierctl passes on to the user.
 */
function echoingStripe(): Promise<Server> {
  const server = createServer((req, res) => {
    const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: `Request refused for API key ${key}` } }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(!postgres || postgres.skip)('secrets stay out of every output (Stripe key, PostgreSQL password)', () => {
  let db: TestDatabase;
  let url: string;
  let cwd: string;
  let stripe: Server;
  let stripeBase: string;
  const runs: { label: string; result: CliResult }[] = [];

  /** Every command runs with the key set; an unreachable STRIPE_API_BASE keeps accidental calls local. */
  const run = async (label: string, args: string[], env: Record<string, string> = {}) => {
    const result = await tierctl(args, { cwd, env: { STRIPE_API_KEY: STRIPE_KEY, STRIPE_API_BASE: 'http://127.0.0.1:1', ...env } });
    runs.push({ label, result });
    return result;
  };
  const withUrl = (u: string) => ['--database', u];

  beforeAll(async () => {
    db = await (postgres as NonNullable<typeof postgres>).create();
    const u = new URL(db.url);
    u.password = encodeURIComponent(DB_PASSWORD);
    url = u.href;
    expect(url).toContain(encodeURIComponent(DB_PASSWORD));
    cwd = workdirWithTiers();
    stripe = await echoingStripe();
    stripeBase = `http://127.0.0.1:${(stripe.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => stripe?.close(r));
    await db?.drop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('succeeds through every command without printing or storing a secret', async () => {
    const ok = async (label: string, args: string[], env: Record<string, string> = {}, code = 0) => {
      const r = await run(label, args, env);
      expect(r.code, `${label}: ${r.stderr}`).toBe(code);
    };
    await ok('validate', ['validate']);
    await ok('migrate', ['migrate', ...withUrl(url)]);
    await ok('migrate --status', ['migrate', '--status', ...withUrl(url)]);
    await ok('plan text', ['plan', '--skip-stripe', '--format', 'text', '--out', 'plan-text.json', '--summary-file', 'summary.md', ...withUrl(url)]);
    await ok('plan markdown', ['plan', '--skip-stripe', '--format', 'markdown', '--out', 'plan-markdown.json', ...withUrl(url)]);
    await ok('plan json', ['plan', '--skip-stripe', '--format', 'json', '--out', 'plan.json', ...withUrl(url)]);
    await ok('plan via $DATABASE_URL', ['plan', '--skip-stripe'], { DATABASE_URL: url });
    await ok('apply plan.json', ['apply', 'plan.json', '--skip-stripe', ...withUrl(url)]);
    await ok('apply (no-op)', ['apply', '--auto-approve', '--skip-stripe', ...withUrl(url)]);
    await ok('drift', ['drift', ...withUrl(url)]);
    await ok('drift json', ['drift', '--format', 'json', ...withUrl(url)]);
    await ok('history', ['history', ...withUrl(url)]);
    await ok('history json', ['history', '--format', 'json', ...withUrl(url)]);
    await ok('import', ['import', '--dir', 'imported', ...withUrl(url)]);

    for (const { label, result } of runs) {
      expectNoSecret(result.stdout, `${label} stdout`);
      expectNoSecret(result.stderr, `${label} stderr`);
    }
    for (const file of ['plan-text.json', 'plan-markdown.json', 'plan.json', 'summary.md']) expectNoSecret(readFileSync(path.join(cwd, file), 'utf8'), file);
    for (const file of readdirSync(path.join(cwd, 'imported'))) expectNoSecret(readFileSync(path.join(cwd, 'imported', file), 'utf8'), `imported/${file}`);
    const audit = await db.sql('SELECT * FROM reconcile_run');
    expect(audit.length).toBe(2);
    expectNoSecret(JSON.stringify(audit), 'reconcile_run');
  });

  it('fails through every command (Stripe echoing the key, wrong port, missing database, bad URL, bad tier file) without printing a secret', async () => {
    const failures: { label: string; result: CliResult }[] = [];
    const fails = async (label: string, args: string[], env: Record<string, string> = {}) => {
      const r = await run(label, args, env);
      expect(r.code, `${label} should fail: ${r.stdout}${r.stderr}`).not.toBe(0);
      failures.push({ label, result: r });
      return r;
    };

    // The key is set and Stripe answers with it: plan and apply refuse, and say why without it.
    const echoed = await fails('plan, Stripe echoes the key', ['plan', ...withUrl(url)], { STRIPE_API_BASE: stripeBase });
    expect(echoed.stderr).toMatch(/refused the price lookup \(400\): Request refused for API key (sk_test_)?\*\*\*$/m);
    await fails('apply, Stripe echoes the key', ['apply', '--auto-approve', ...withUrl(url)], { STRIPE_API_BASE: stripeBase });
    await fails('plan, Stripe unreachable', ['plan', ...withUrl(url)]);

    const wrongPort = new URL(url);
    wrongPort.port = '1';
    for (const [label, args] of [
      ['plan', ['plan', '--skip-stripe']],
      ['apply', ['apply', '--auto-approve', '--skip-stripe']],
      ['drift', ['drift']],
      ['history', ['history']],
      ['migrate', ['migrate']],
      ['import', ['import', '--dir', 'imported-2']],
    ] as const) {
      const r = await fails(`${label}, wrong port`, [...args, ...withUrl(wrongPort.href)]);
      expect(r.stderr).toMatch(/cannot open database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\//);
    }
    // The debug switch prints stack traces on purpose; they are redacted too.
    await fails('plan, wrong port, TIERCTL_DEBUG=1', ['plan', '--skip-stripe', ...withUrl(wrongPort.href)], { TIERCTL_DEBUG: '1' });
    await fails('migrate, wrong port, via $DATABASE_URL', ['migrate'], { DATABASE_URL: wrongPort.href });

    const missing = new URL(url);
    missing.pathname = `/no_such_db_${hex(4)}`;
    await fails('plan, missing database', ['plan', '--skip-stripe', ...withUrl(missing.href)]);
    await fails('apply, missing database', ['apply', '--auto-approve', '--skip-stripe', ...withUrl(missing.href)]);
    await fails('plan, malformed URL', ['plan', '--skip-stripe', '--database', `postgres://postgres:${DB_PASSWORD}@127.0.0.1:99999/db`]);

    writeFileSync(path.join(cwd, 'tiers', 'broken.yaml'), 'key: broken\nname: [oops\n');
    await fails('validate, bad tier file', ['validate']);
    await fails('plan, bad tier file', ['plan', '--skip-stripe', ...withUrl(url)]);
    await fails('apply, bad tier file', ['apply', '--auto-approve', '--skip-stripe', ...withUrl(url)]);
    rmSync(path.join(cwd, 'tiers', 'broken.yaml'));

    for (const { label, result } of failures) {
      expectNoSecret(result.stdout, `${label} stdout`);
      expectNoSecret(result.stderr, `${label} stderr`);
      if (!label.includes('TIERCTL_DEBUG')) expect(result.stderr, label).not.toMatch(STACK_FRAME);
    }
    // Nothing the failures did reached the audit table either.
    expectNoSecret(JSON.stringify(await db.sql('SELECT * FROM reconcile_run')), 'reconcile_run');
  });
});
