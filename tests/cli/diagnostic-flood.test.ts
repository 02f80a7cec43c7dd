import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../support/run-main.js';
import { CATALOG_YAML } from '../support/sources.js';

/**
 * Issue 15 item 9: 150 tier files granting 1,000 undeclared permissions each make 150,000
 * diagnostics. 0.1.0 passed them to `push(...problems)` as arguments and overflowed the
 * stack ("internal problem"); now every one is counted and the first 200 are printed.
 */
const FILES = 150;
const PER_FILE = 1000;
const tierFile = (i: number) => `key: t${i}\nname: T${i}\nbilling: { provider: exempt }\npermissions: [${Array.from({ length: PER_FILE }, (_, j) => `p${j}`).join(', ')}]\n`;

describe('a flood of diagnostics', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'tierctl-flood-'));
    mkdirSync(path.join(cwd, 'tiers'));
    writeFileSync(path.join(cwd, 'tiers', 'catalog.yaml'), CATALOG_YAML);
    for (let i = 0; i < FILES; i++) writeFileSync(path.join(cwd, 'tiers', `t${i}.yaml`), tierFile(i));
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('validate counts all 150,000 without overflowing the stack, prints the first 200 and says how many more', async () => {
    const r = await runMain(['validate'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('internal problem');
    const lines = r.stderr.split('\n').filter((l) => /^tiers\/t\d+\.yaml:\d+:\d+: /.test(l));
    expect(lines).toHaveLength(200);
    expect(r.stderr).toContain(`… and ${FILES * PER_FILE - 200} more problems not shown`);
    expect(r.stderr).toContain(`error: ${FILES * PER_FILE} problems in the tier files`);
  });
});
