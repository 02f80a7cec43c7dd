import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import { tierctl, workdirWithTiers, type CliResult } from '../../support/cli.js';
import { BACKENDS, type TestDatabase } from '../../support/databases.js';

/**
 * Shared by the secrets-*.test.ts files (split by command group so each file stays short
 * and the groups run on both vitest workers). Secrets never leave the process: every
 * command runs as a REAL tierctl process with a Stripe key and a password-bearing
 * PostgreSQL URL, through success and failure paths, and neither secret (nor its
 * URL-encoded form, nor its random part) may appear in stdout, stderr, a plan file, a
 * summary file, imported tier files or any column of the audit table.
 */
export const postgres = BACKENDS.find((b) => b.name === 'postgres');
export const SKIP = !postgres || postgres.skip;
export const hex = (n: number) => randomBytes(n).toString('hex');
export const STRIPE_KEY = `sk_test_${hex(16)}`;
/** Characters that must be URL-encoded, so both the raw and the encoded form are at stake. */
export const DB_PASSWORD = `pw-${hex(8)}-p@ss:w/rd%`;
const FORBIDDEN = [STRIPE_KEY, STRIPE_KEY.slice('sk_test_'.length), DB_PASSWORD, encodeURIComponent(DB_PASSWORD), DB_PASSWORD.split('-')[1] as string];
export const STACK_FRAME = /\n\s+at /;

export function expectNoSecret(text: string, where: string): void {
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

export interface SecretsRun {
  label: string;
  args: string[];
  env?: Record<string, string>;
  /** Working directory other than the shared one (a copy with a broken tier file). */
  cwd?: string;
}

export interface SecretsHarness {
  db: TestDatabase;
  /** The database's URL with the password set. */
  url: string;
  cwd: string;
  /** The echoing Stripe server. */
  stripeBase: string;
  /** Every result so far, for the final sweep over all outputs. */
  runs: { label: string; result: CliResult }[];
  run(...runs: SecretsRun[]): Promise<CliResult[]>;
  withUrl(u?: string): string[];
}

/** Per file: one PostgreSQL database, its password-bearing URL, a work dir, the echoing Stripe. */
export function secretsHarness(): SecretsHarness {
  const h: SecretsHarness = {
    db: undefined as unknown as TestDatabase,
    url: '',
    cwd: '',
    stripeBase: '',
    runs: [],
    /**
     * Runs tierctl with the key set; an unreachable STRIPE_API_BASE keeps accidental calls
     * local. Runs given together are independent (no shared lock or file), so they run as
     * concurrent processes: the process start-up, not the command, is most of their time.
     */
    async run(...runs: SecretsRun[]): Promise<CliResult[]> {
      const results = await Promise.all(
        runs.map((r) => tierctl(r.args, { cwd: r.cwd ?? h.cwd, env: { STRIPE_API_KEY: STRIPE_KEY, STRIPE_API_BASE: 'http://127.0.0.1:1', ...r.env } })),
      );
      runs.forEach((r, i) => h.runs.push({ label: r.label, result: results[i]! }));
      return results;
    },
    withUrl: (u = h.url) => ['--database', u],
  };
  let stripe: Server | undefined;
  beforeAll(async () => {
    h.db = await (postgres as NonNullable<typeof postgres>).create();
    const u = new URL(h.db.url);
    u.password = encodeURIComponent(DB_PASSWORD);
    h.url = u.href;
    expect(h.url).toContain(encodeURIComponent(DB_PASSWORD));
    h.cwd = workdirWithTiers();
    stripe = await echoingStripe();
    h.stripeBase = `http://127.0.0.1:${(stripe.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => (stripe ? stripe.close(r) : r(undefined)));
    await h.db?.drop();
    if (h.cwd) rmSync(h.cwd, { recursive: true, force: true });
  });
  return h;
}
