import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

/** The README is for users: its links resolve, it points at nothing a user cannot follow, its commands are real. */
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const DOCS = readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
const shBlocks = (text: string) => [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README and docs/', () => {
  it('links only to files that exist, and to every page in docs/', () => {
    for (const [file, text] of [['README.md', README] as const, ...DOCS.map((d) => [`docs/${d}`, readFileSync(path.join(ROOT, 'docs', d), 'utf8')] as const)]) {
      for (const m of text.matchAll(/\]\((?!https?:|#)([^)#]+)(#[^)]*)?\)/g)) {
        expect(existsSync(path.resolve(path.dirname(path.join(ROOT, file)), m[1]!)), `${file} links to ${m[1]}`).toBe(true);
      }
    }
    for (const d of DOCS) expect(README).toContain(`(docs/${d})`);
  });

  it('refers to nothing outside this repository (no seeds, no ../shared)', () => {
    for (const text of [README, ...DOCS.map((d) => readFileSync(path.join(ROOT, 'docs', d), 'utf8'))]) {
      expect(text).not.toMatch(/\.\.\/shared|seeds?\b|seed 00\d/i);
    }
  });

  it('its test command is the one .ci/run runs', () => {
    expect(shBlocks(README).some((b) => b.trim() === 'npm test')).toBe(true);
    expect(readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
  });

  describe('the quick start, word for word', () => {
    const cwd = workdirWithTiers();
    afterAll(() => rmSync(cwd, { recursive: true, force: true }));
    const quick = shBlocks(README.slice(README.indexOf('## Quick start')))[0]!;
    const lines = quick.split('\n').filter((l) => l.startsWith('npx tierctl '));
    it('starts from a clone and npm install', () => {
      expect(quick).toMatch(/^git clone .*\nnpm install\n/);
      expect(lines.length).toBeGreaterThanOrEqual(3);
    });
    // apply asks on a terminal: tests/cli/apply-tty.test.ts runs that path in a pseudo-terminal.
    it.each(lines.filter((l) => !l.includes(' apply')))('%s', async (line) => {
      const r = await runMain(line.split(' ').slice(2), { cwd, env: { DATABASE_URL: undefined } });
      expect(r.code, r.stderr).toBe(0);
    });
  });
});
