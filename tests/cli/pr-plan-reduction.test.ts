import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REFERENCE_TIERS, ROOT } from '../support/cli.js';

/**
 * FAIL_ON_REDUCTION in templates/workflows/tiers-plan.yml: the workflow's own "plan" step,
 * run through bash as the runner does, on a pull request that lowers a limit.
 */
type Step = { id?: string; run?: string };
const workflow = parse(readFileSync(path.join(ROOT, 'templates', 'workflows', 'tiers-plan.yml'), 'utf8')) as { env: Record<string, string>; jobs: { plan: { steps: Step[] } } };
const planStep = workflow.jobs.plan.steps.find((s) => s.id === 'plan')!;

describe('tiers-plan workflow: FAIL_ON_REDUCTION', () => {
  let root: string;
  let work: string;
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'pipe' }).toString();

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'tierctl-pr-reduction-'));
    const upstream = path.join(root, 'upstream');
    mkdirSync(upstream);
    cpSync(REFERENCE_TIERS, path.join(upstream, 'tiers'), { recursive: true });
    writeFileSync(path.join(upstream, '.gitignore'), 'node_modules/\n*.md\n');
    git(upstream, 'init', '-q', '-b', 'main');
    git(upstream, 'add', '.');
    git(upstream, 'commit', '-qm', 'tiers');
    work = path.join(root, 'work');
    git(root, 'clone', '-q', upstream, work);
    git(work, 'checkout', '-q', '-b', 'change');
    const file = path.join(work, 'tiers', 'professional.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('users: 3,', 'users: 2,'));
    git(work, 'commit', '-qam', 'professional: one seat less');
    mkdirSync(path.join(work, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(ROOT, path.join(work, 'node_modules', 'tierctl'), 'dir');
    symlinkSync('../tierctl/bin/tierctl.js', path.join(work, 'node_modules', '.bin', 'tierctl'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const runPlanStep = (failOnReduction: string) => {
    const output = path.join(root, 'github-output');
    writeFileSync(output, '');
    const script = path.join(root, 'plan.sh');
    writeFileSync(script, planStep.run!);
    const env: Record<string, string | undefined> = { ...process.env, STRIPE_API_KEY: undefined, DATABASE_URL: undefined, npm_config_offline: 'true', NO_COLOR: '1', CI: 'true' };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd: work,
      env: { ...env, TIERS_DIR: 'tiers', FAIL_ON_REDUCTION: failOnReduction, BASE_REF: 'main', GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: path.join(root, 'summary.md') } as NodeJS.ProcessEnv,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, stderr: r.stderr, output: readFileSync(output, 'utf8').trim(), markdown: readFileSync(path.join(work, 'tierctl-plan.md'), 'utf8') };
  };

  it("is off by default; 'true' makes a plan that lowers a limit exit 3 (labelled, check failed), with the impact table in the comment", () => {
    expect(workflow.env['FAIL_ON_REDUCTION']).toBe('false');
    const off = runPlanStep(workflow.env['FAIL_ON_REDUCTION']!);
    expect(off.code, off.stderr).toBe(0);
    expect(off.output).toBe('exit=2');
    expect(off.markdown).toContain('| professional | n/a | **reduces**: limits.users: 3 → 2 |');

    const on = runPlanStep('true');
    expect(on.code, on.stderr).toBe(0);
    expect(on.output).toBe('exit=3');
    expect(on.stderr).toContain('--fail-on-reduction');
    expect(on.markdown).toContain('| professional | n/a | **reduces**: limits.users: 3 → 2 |');
  });
});
