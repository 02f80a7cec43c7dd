import { describe, expect, it } from 'vitest';
import { failuresHarness } from './secrets-failures.js';
import { DB_PASSWORD, SKIP, hex } from './secrets-harness.js';

/** Failures to reach the database, as real processes, without the password in any output. */
describe.skipIf(SKIP)('secrets stay out of every output: database failures', () => {
  const { h, fails } = failuresHarness();
  const wrongPort = () => {
    const u = new URL(h.url);
    u.port = '1';
    return u.href;
  };

  it('the wrong port, through every command that connects (and $DATABASE_URL, and TIERCTL_DEBUG stack traces)', async () => {
    const commands = [
      ['plan', ['plan', '--skip-stripe']],
      ['apply', ['apply', '--auto-approve', '--skip-stripe']],
      ['drift', ['drift']],
      ['history', ['history']],
      ['migrate', ['migrate']],
      ['import', ['import', '--dir', 'imported-2']],
    ] as const;
    const results = await fails(
      ...commands.map(([label, args]) => ({ label: `${label}, wrong port`, args: [...args, ...h.withUrl(wrongPort())] })),
      // The debug switch prints stack traces on purpose; they are redacted too.
      { label: 'plan, wrong port, TIERCTL_DEBUG=1', args: ['plan', '--skip-stripe', ...h.withUrl(wrongPort())], env: { TIERCTL_DEBUG: '1' } },
      { label: 'migrate, wrong port, via $DATABASE_URL', args: ['migrate'], env: { DATABASE_URL: wrongPort() } },
    );
    for (const r of results.slice(0, commands.length)) expect(r.stderr).toMatch(/cannot open database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\//);
  });

  it('a missing database (plan, apply) and a malformed URL carrying the raw password', async () => {
    const missing = new URL(h.url);
    missing.pathname = `/no_such_db_${hex(4)}`;
    await fails(
      { label: 'plan, missing database', args: ['plan', '--skip-stripe', ...h.withUrl(missing.href)] },
      { label: 'apply, missing database', args: ['apply', '--auto-approve', '--skip-stripe', ...h.withUrl(missing.href)] },
      { label: 'plan, malformed URL', args: ['plan', '--skip-stripe', '--database', `postgres://postgres:${DB_PASSWORD}@127.0.0.1:99999/db`] },
    );
  });
});
