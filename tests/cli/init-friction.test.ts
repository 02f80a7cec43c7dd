import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ignoreLocalDatabase } from '../../src/init/gitignore.js';
import { workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

const SCHEMA_LINE = /^# yaml-language-server: \$schema=(.+)$/m;

/** First-run friction: init's options and .gitignore, import's schema lines, the suggested apply command. */
describe('init, import and plan --out: what a new user is told works', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'tierctl-friction-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  const read = (f: string) => readFileSync(path.join(cwd, f), 'utf8');

  it('init --no-workflows writes the tiers only', async () => {
    const r = await runMain(['init', '--no-workflows'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(cwd, 'tiers', 'catalog.yaml'))).toBe(true);
    expect(existsSync(path.join(cwd, '.github'))).toBe(false);
  });

  it('init creates .gitignore with the local database, appends to an existing one, and never twice', async () => {
    expect((await runMain(['init', '--no-workflows'], { cwd })).code).toBe(0);
    expect(read('.gitignore').split('\n')).toContain('tierctl.sqlite');

    const other = mkdtempSync(path.join(tmpdir(), 'tierctl-friction-'));
    try {
      writeFileSync(path.join(other, '.gitignore'), 'node_modules/\ndist');
      expect((await runMain(['init'], { cwd: other })).code).toBe(0);
      const text = readFileSync(path.join(other, '.gitignore'), 'utf8');
      expect(text.startsWith('node_modules/\ndist\n')).toBe(true);
      expect(text.split('\n').filter((l) => l === 'tierctl.sqlite')).toHaveLength(1);
      expect((await runMain(['init', '--force'], { cwd: other })).code).toBe(0);
      expect(readFileSync(path.join(other, '.gitignore'), 'utf8')).toBe(text);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    expect(ignoreLocalDatabase('*.sqlite\n*.sqlite-journal\n')).toBe('*.sqlite\n*.sqlite-journal\n');
  });

  it('import writes the $schema path init writes, one that exists once tierctl is installed', async () => {
    const source = workdirWithTiers();
    try {
      const db = `sqlite:${path.join(cwd, 'app.sqlite')}`;
      expect((await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', db], { cwd: source })).code).toBe(0);
      const imported = await runMain(['import', '--database', db, '--dir', 'config/tiers'], { cwd });
      expect(imported.code, imported.stderr).toBe(0);
      const initDir = mkdtempSync(path.join(tmpdir(), 'tierctl-friction-'));
      try {
        expect((await runMain(['init', '--no-workflows', '--dir', 'config/tiers'], { cwd: initDir })).code).toBe(0);
        const byInit = SCHEMA_LINE.exec(readFileSync(path.join(initDir, 'config', 'tiers', 'catalog.yaml'), 'utf8'))![1];
        expect(SCHEMA_LINE.exec(read('config/tiers/catalog.yaml'))![1]).toBe(byInit);
        expect(SCHEMA_LINE.exec(read('config/tiers/hobbyist.yaml'))![1]).toBe(byInit!.replace('catalog.schema.json', 'tier.schema.json'));
        // Outside tierctl's own repository that is node_modules/tierctl/schemas, not ../schemas.
        expect(byInit).toBe('../../node_modules/tierctl/schemas/catalog.schema.json');
      } finally {
        rmSync(initDir, { recursive: true, force: true });
      }
    } finally {
      rmSync(source, { recursive: true, force: true });
    }
  });

  it('plan --out --skip-stripe suggests an apply command that apply accepts', async () => {
    const work = workdirWithTiers();
    try {
      const db = `sqlite:${path.join(work, 'app.sqlite')}`;
      const plan = await runMain(['plan', '--skip-stripe', '--out', 'plan.json', '--database', db], { cwd: work });
      expect(plan.code, plan.stderr).toBe(0);
      const m = /apply it with: (tierctl apply [^\n(]+?)(?: \(with the same --database\))?\n/.exec(plan.stderr);
      expect(m, plan.stderr).not.toBeNull();
      expect(m![1]).toBe('tierctl apply plan.json --skip-stripe');
      const args = m![1]!.split(' ').slice(1);
      const applied = await runMain([...args, '--database', db], { cwd: work });
      expect(applied.code, applied.stderr).toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
