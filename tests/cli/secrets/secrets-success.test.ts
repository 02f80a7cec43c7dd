import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliResult } from '../../support/cli.js';
import { SKIP, expectNoSecret, secretsHarness } from './secrets-harness.js';

/**
 * Every command succeeds, as a real process with the Stripe key and a password-bearing
 * PostgreSQL URL, without printing or storing a secret (secrets-harness.ts). The cases run
 * in order on one database: migrate and plan, then apply, then read back.
 */
describe.skipIf(SKIP)('secrets stay out of every output: every command succeeding', () => {
  const h = secretsHarness();
  const expectOk = (label: string, r: CliResult) => {
    expect(r.code, `${label}: ${r.stderr}`).toBe(0);
    expectNoSecret(r.stdout, `${label} stdout`);
    expectNoSecret(r.stderr, `${label} stderr`);
  };
  const okAll = async (...runs: { label: string; args: string[]; env?: Record<string, string> }[]) => {
    const results = await h.run(...runs);
    runs.forEach((r, i) => expectOk(r.label, results[i]!));
  };

  it('validate, migrate, migrate --status and plan in every format (to files, via --database and $DATABASE_URL)', async () => {
    await okAll({ label: 'validate', args: ['validate'] }, { label: 'migrate', args: ['migrate', ...h.withUrl()] });
    await okAll(
      { label: 'migrate --status', args: ['migrate', '--status', ...h.withUrl()] },
      { label: 'plan text', args: ['plan', '--skip-stripe', '--format', 'text', '--out', 'plan-text.json', '--summary-file', 'summary.md', ...h.withUrl()] },
      { label: 'plan markdown', args: ['plan', '--skip-stripe', '--format', 'markdown', '--out', 'plan-markdown.json', ...h.withUrl()] },
      { label: 'plan json', args: ['plan', '--skip-stripe', '--format', 'json', '--out', 'plan.json', ...h.withUrl()] },
      { label: 'plan via $DATABASE_URL', args: ['plan', '--skip-stripe'], env: { DATABASE_URL: h.url } },
    );
    for (const file of ['plan-text.json', 'plan-markdown.json', 'plan.json', 'summary.md']) expectNoSecret(readFileSync(path.join(h.cwd, file), 'utf8'), file);
  });

  it('apply of the saved plan, then a plan-less no-op apply: no secret in the output or the audit table', async () => {
    await okAll({ label: 'apply plan.json', args: ['apply', 'plan.json', '--skip-stripe', ...h.withUrl()] });
    await okAll({ label: 'apply (no-op)', args: ['apply', '--auto-approve', '--skip-stripe', ...h.withUrl()] });
    const audit = await h.db.sql('SELECT * FROM reconcile_run');
    expect(audit.length).toBe(2);
    expectNoSecret(JSON.stringify(audit), 'reconcile_run');
  });

  it('drift, history and import (text and JSON): no secret in the output or the imported tier files', async () => {
    await okAll(
      { label: 'drift', args: ['drift', ...h.withUrl()] },
      { label: 'drift json', args: ['drift', '--format', 'json', ...h.withUrl()] },
      { label: 'history', args: ['history', ...h.withUrl()] },
      { label: 'history json', args: ['history', '--format', 'json', ...h.withUrl()] },
      { label: 'import', args: ['import', '--dir', 'imported', ...h.withUrl()] },
    );
    const imported = readdirSync(path.join(h.cwd, 'imported'));
    expect(imported.length).toBeGreaterThan(1);
    for (const file of imported) expectNoSecret(readFileSync(path.join(h.cwd, 'imported', file), 'utf8'), `imported/${file}`);
    // Every run of this file, once more: 14 commands, none printed a secret.
    expect(h.runs).toHaveLength(14);
    for (const { label, result } of h.runs) {
      expectNoSecret(result.stdout, `${label} stdout`);
      expectNoSecret(result.stderr, `${label} stderr`);
    }
  });
});
