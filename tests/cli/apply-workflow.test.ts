import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { npxShim, REFERENCE_TIERS, ROOT } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

/**
 * Runs the split apply workflow's own jobs and steps, read from
 * templates/workflows/tiers-apply.yml, as a runner would: the plan job in one
 * workspace, the apply job (after "approval") in a fresh one that only gets plan.json
 * through the artifact. `run:` scripts go through `bash --noprofile --norc -eo pipefail`
 * with `npx tierctl` resolving to this package; checkout, setup-node and `npm ci` are
 * what the linked workspace already is; the artifact actions copy files.
 */
type Step = { id?: string; name?: string; uses?: string; run?: string; if?: string; env?: Record<string, string>; with?: Record<string, string | boolean> };
type Job = { if?: string; needs?: string; environment?: string; env?: Record<string, string>; outputs?: Record<string, string>; steps: Step[] };
type Workflow = { env: Record<string, string>; jobs: { plan: Job; apply: Job } };
const workflow = parse(readFileSync(path.join(ROOT, 'templates', 'workflows', 'tiers-apply.yml'), 'utf8')) as Workflow;

interface Event {
  name: 'push' | 'workflow_dispatch';
  ref: string;
  secrets: Record<string, string>;
  inputs?: Record<string, string>;
}
interface JobRun {
  status: 'success' | 'failure' | 'skipped';
  outputs: Record<string, string>;
  failedStep?: string;
  log: string;
}

const EXEMPT_CATALOG = 'permissions:\n  app.use: Use the app\nlimits:\n  seats: { description: Seats }\n';
const exemptTier = (key: string, name: string) => `key: ${key}\nname: ${name}\nbilling:\n  provider: exempt\nlimits: { seats: 5 }\npermissions: [app.use]\n`;

// Each workflow run starts several real tierctl processes through npx: slow on a loaded machine.
describe('the tiers-apply workflow (plan job, approval, apply job), run locally', { timeout: 180_000 }, () => {
  let root: string;
  let dbFile: string;
  let artifacts: string;
  let summary: string;
  let npxBin: string;
  let workspaces = 0;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'tierctl-apply-wf-'));
    dbFile = path.join(root, 'production.sqlite');
    artifacts = path.join(root, 'artifacts');
    summary = path.join(root, 'summary.md');
    mkdirSync(artifacts);
    // `npx tierctl` runs node_modules/.bin/tierctl, as npx does after `npm ci`, without
    // starting npm for every step.
    npxBin = npxShim(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A fresh runner workspace: the repository at the pushed commit, with `npm ci` done (this package linked). */
  function workspace(tiers: Record<string, string>): string {
    const dir = path.join(root, `ws${workspaces++}`);
    mkdirSync(path.join(dir, 'tiers'), { recursive: true });
    for (const [name, text] of Object.entries(tiers)) writeFileSync(path.join(dir, 'tiers', name), text);
    mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(ROOT, path.join(dir, 'node_modules', 'tierctl'), 'dir');
    symlinkSync('../tierctl/bin/tierctl.js', path.join(dir, 'node_modules', '.bin', 'tierctl'));
    return dir;
  }

  /** The `${{ }}` values this workflow uses, for one event. */
  function context(event: Event, stepOutputs: Record<string, Record<string, string>>, needs: Record<string, JobRun>): Record<string, string> {
    return {
      'github.event_name': event.name,
      'github.ref_name': event.ref,
      'github.event.repository.default_branch': 'main',
      'github.run_id': '4242',
      'inputs.allow-destroy': event.inputs?.['allow-destroy'] ?? '',
      ...Object.fromEntries(Object.entries(event.secrets).map(([k, v]) => [`secrets.${k}`, v])),
      ...Object.fromEntries(['READONLY_DATABASE_URL', 'STRIPE_READONLY_API_KEY', 'DATABASE_URL'].filter((k) => !(k in event.secrets)).map((k) => [`secrets.${k}`, ''])),
      ...Object.fromEntries(Object.entries(stepOutputs).flatMap(([id, o]) => Object.entries(o).map(([k, v]) => [`steps.${id}.outputs.${k}`, v]))),
      ...Object.fromEntries(Object.entries(needs).flatMap(([job, r]) => Object.entries(r.outputs).map(([k, v]) => [`needs.${job}.outputs.${k}`, v]))),
    };
  }

  const value = (term: string, ctx: Record<string, string>): string => {
    const t = term.trim();
    const quoted = /^'([^']*)'$/.exec(t);
    if (quoted) return quoted[1]!;
    if (!/^[\w.-]+$/.test(t)) throw new Error(`the test cannot evaluate ${t}`);
    // An unset output or input is the empty string, as in GitHub's expressions.
    return ctx[t] ?? (/^(steps|needs)\./.test(t) ? '' : (() => { throw new Error(`the test does not know ${t}; teach it`); })());
  };
  /** The `if:` forms the workflow uses: `a == b` / `a != b` joined by `||`. */
  const condition = (expr: string | undefined, ctx: Record<string, string>): boolean =>
    !expr ||
    expr.split('||').some((part) => {
      const m = /^(.+?)\s*(==|!=)\s*(.+)$/.exec(part.trim());
      if (!m) throw new Error(`the test cannot evaluate if: ${expr}`);
      return (value(m[1]!, ctx) === value(m[3]!, ctx)) === (m[2] === '==');
    });
  const resolve = (text: string, ctx: Record<string, string>) => text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, e: string) => value(e, ctx));
  const resolveBlock = (block: Record<string, string> | undefined, ctx: Record<string, string>) =>
    Object.fromEntries(Object.entries(block ?? {}).map(([k, v]) => [k, resolve(String(v), ctx)]));

  function runJob(name: 'plan' | 'apply', event: Event, cwd: string, needs: Record<string, JobRun> = {}): JobRun {
    const job = workflow.jobs[name];
    const outputs: Record<string, Record<string, string>> = {};
    if (job.needs && needs[job.needs]?.status !== 'success') return { status: 'skipped', outputs: {}, log: '' };
    if (!condition(job.if, context(event, outputs, needs))) return { status: 'skipped', outputs: {}, log: '' };
    let log = '';
    for (const step of job.steps) {
      const ctx = context(event, outputs, needs);
      if (!condition(step.if, ctx)) continue;
      const uses = step.uses?.replace(/@.*/, '');
      if (uses === 'actions/checkout' || uses === 'actions/setup-node' || step.run === 'npm ci') continue;
      if (uses === 'actions/upload-artifact') {
        const from = path.join(cwd, String(step.with!['path']));
        if (!existsSync(from)) return { status: 'failure', outputs: {}, failedStep: step.id ?? 'upload', log: `${log}no files for the artifact\n` };
        cpSync(from, path.join(artifacts, resolve(String(step.with!['name']), ctx), path.basename(from)));
        continue;
      }
      if (uses === 'actions/download-artifact') {
        const dir = path.join(artifacts, resolve(String(step.with!['name']), ctx));
        if (!existsSync(dir)) return { status: 'failure', outputs: {}, failedStep: step.id ?? 'download', log: `${log}artifact not found\n` };
        cpSync(dir, cwd, { recursive: true });
        continue;
      }
      if (!step.run) throw new Error(`the test cannot run step ${step.name ?? step.uses}`);
      const out = path.join(root, 'github-output');
      writeFileSync(out, '');
      const script = path.join(root, 'step.sh');
      writeFileSync(script, step.run);
      const env = { ...resolveBlock(workflow.env, ctx), ...resolveBlock(job.env, ctx), ...resolveBlock(step.env, ctx), GITHUB_OUTPUT: out, GITHUB_STEP_SUMMARY: summary, PATH: `${npxBin}:${process.env['PATH']}` };
      const base: Record<string, string | undefined> = { ...process.env, STRIPE_API_KEY: undefined, DATABASE_URL: undefined, npm_config_offline: 'true', NO_COLOR: '1' };
      for (const k of Object.keys(base)) if (base[k] === undefined) delete base[k];
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env: { ...base, ...env } as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 60_000 });
      log += r.stdout + r.stderr;
      if (step.id) outputs[step.id] = Object.fromEntries(readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => l.split('=', 2) as [string, string]));
      if (r.status !== 0) return { status: 'failure', outputs: {}, failedStep: step.id ?? step.name ?? step.run, log };
    }
    return { status: 'success', outputs: resolveBlock(job.outputs, context(event, outputs, needs)), log };
  }

  /** One workflow run: the plan job, then (after approval) the apply job in a fresh workspace. */
  function runWorkflow(event: Event, tiers: Record<string, string>, beforeApproval?: () => Promise<void>) {
    return (async () => {
      const plan = runJob('plan', event, workspace(tiers));
      await beforeApproval?.();
      const apply = runJob('apply', event, workspace(tiers), { plan });
      return { plan, apply };
    })();
  }

  /** The production database as an earlier apply left it (in-process: only the workflow runs are under test). */
  const seed = async (tiers: Record<string, string>) => {
    const r = await runMain(['apply', '--auto-approve', '--database', `sqlite:${dbFile}`], { cwd: workspace(tiers) });
    expect(r.code, r.stderr).toBe(0);
  };
  const push = (secrets: Record<string, string>): Event => ({ name: 'push', ref: 'main', secrets });
  const secretsFor = () => ({ READONLY_DATABASE_URL: `sqlite:${dbFile}`, DATABASE_URL: `sqlite:${dbFile}` });
  const names = async () => {
    const sqlite3 = (await import('sqlite3')).default;
    const db = new sqlite3.Database(dbFile);
    try {
      return await new Promise<string[]>((ok, ko) => db.all('SELECT key, name FROM subscription_tier ORDER BY key', (e, rows: { key: string; name: string }[]) => (e ? ko(e) : ok(rows.map((r) => `${r.key}:${r.name}`)))));
    } finally {
      await new Promise((r) => db.close(r));
    }
  };

  it('with no Stripe-billed tier needs no Stripe key: plans, shows the plan, uploads it, applies exactly it; no changes, no apply job', async () => {
    const tiers = { 'catalog.yaml': EXEMPT_CATALOG, 'staff.yaml': exemptTier('staff', 'Staff') };
    const first = await runWorkflow(push(secretsFor()), tiers);
    expect(first.plan.status, first.plan.log).toBe('success');
    expect(first.plan.outputs).toEqual({ exit: '2' });
    expect(readFileSync(summary, 'utf8')).toContain('<!-- tierctl-plan -->');
    expect(readFileSync(summary, 'utf8')).toContain('staff');
    expect(existsSync(path.join(artifacts, 'tierctl-plan-4242', 'plan.json'))).toBe(true);
    expect(first.apply.status, first.apply.log).toBe('success');
    expect(first.apply.log).toContain('Apply complete');
    expect(await names()).toEqual(['staff:Staff']);

    rmSync(artifacts, { recursive: true });
    mkdirSync(artifacts);
    const again = await runWorkflow(push(secretsFor()), tiers);
    expect(again.plan.status, again.plan.log).toBe('success');
    expect(again.plan.outputs).toEqual({ exit: '0' });
    expect(existsSync(path.join(artifacts, 'tierctl-plan-4242'))).toBe(false);
    expect(again.apply.status).toBe('skipped');
  });

  it('a plan gone stale while waiting for approval fails the apply job (exit 4) and applies nothing', async () => {
    const before = { 'catalog.yaml': EXEMPT_CATALOG, 'staff.yaml': exemptTier('staff', 'Staff') };
    await seed(before);
    const renamed = { ...before, 'staff.yaml': exemptTier('staff', 'Staff Plus') };
    const run = await runWorkflow(push(secretsFor()), renamed, async () => {
      // Someone applies another change between the plan and the approval.
      const other = workspace({ ...before, 'partner.yaml': exemptTier('partner', 'Partner') });
      const r = await runMain(['apply', '--auto-approve', '--database', `sqlite:${dbFile}`], { cwd: other });
      expect(r.code, r.stderr).toBe(0);
    });
    expect(run.plan.status).toBe('success');
    expect(run.apply.status).toBe('failure');
    expect(run.apply.failedStep).toBe('apply');
    expect(run.apply.log).toContain('::error::the database changed since this plan was approved');
    expect(await names()).toEqual(['partner:Partner', 'staff:Staff']);
  });

  it('Stripe-billed tiers without a Stripe key fail the plan job before anyone is asked to approve', async () => {
    const tiers = Object.fromEntries(['catalog.yaml', 'hobbyist.yaml'].map((f) => [f, readFileSync(path.join(REFERENCE_TIERS, f), 'utf8')]));
    const run = await runWorkflow(push(secretsFor()), tiers);
    expect(run.plan.status).toBe('failure');
    expect(run.plan.failedStep).toBe('plan');
    expect(run.plan.log).toContain('set the STRIPE_READONLY_API_KEY repository secret');
    expect(run.apply.status).toBe('skipped');
    expect(existsSync(dbFile) ? await names().catch(() => []) : []).toEqual([]);
  });

  it('a manual run from another branch than the default does nothing', async () => {
    const tiers = { 'catalog.yaml': EXEMPT_CATALOG, 'staff.yaml': exemptTier('staff', 'Staff') };
    const run = await runWorkflow({ name: 'workflow_dispatch', ref: 'feature', secrets: secretsFor() }, tiers);
    expect(run.plan.status).toBe('skipped');
    expect(run.apply.status).toBe('skipped');
    const fromMain = await runWorkflow({ name: 'workflow_dispatch', ref: 'main', secrets: secretsFor() }, tiers);
    expect(fromMain.apply.status, fromMain.plan.log + fromMain.apply.log).toBe('success');
  });

  it('a destructive plan fails the plan job unless the manual run allows destroying', async () => {
    const two = { 'catalog.yaml': EXEMPT_CATALOG, 'staff.yaml': exemptTier('staff', 'Staff'), 'partner.yaml': exemptTier('partner', 'Partner') };
    await seed(two);
    const one = { 'catalog.yaml': EXEMPT_CATALOG, 'staff.yaml': exemptTier('staff', 'Staff') };
    const refused = await runWorkflow(push(secretsFor()), one);
    expect(refused.plan.status).toBe('failure');
    expect(refused.plan.log).toContain('the plan deletes tiers');
    const allowed = await runWorkflow({ name: 'workflow_dispatch', ref: 'main', secrets: secretsFor(), inputs: { 'allow-destroy': 'true' } }, one);
    expect(allowed.apply.status, allowed.plan.log + allowed.apply.log).toBe('success');
    expect(await names()).toEqual(['staff:Staff']);
  });
});
