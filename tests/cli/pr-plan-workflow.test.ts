import { spawnSync, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN, npxShim, REFERENCE_TIERS, ROOT } from '../support/cli.js';
import { runMain } from '../support/run-main.js';

/**
 * Runs the pull-request workflow's own steps, read from templates/workflows/tiers-plan.yml (what init writes),
 * on a temporary repository: the `run:` scripts through bash as the runner does
 * (`bash --noprofile --norc -eo pipefail`), with `npx tierctl` resolving to this package
 * installed in node_modules (through the npx shim of tests/support/cli.ts), and the
 * github-script step with a fake GitHub client.
 */
type Step = { id?: string; name?: string; uses?: string; run?: string; if?: string; env?: Record<string, string>; with?: { script?: string } };
type Workflow = { env: Record<string, string>; jobs: { plan: { env: Record<string, string>; steps: Step[] } } };
const workflow = parse(readFileSync(path.join(ROOT, 'templates', 'workflows', 'tiers-plan.yml'), 'utf8')) as Workflow;
const steps = workflow.jobs.plan.steps;
const MARKER = '<!-- tierctl-plan -->';
const count = (text: string, needle: string) => text.split(needle).length - 1;

interface Comment { id: number; body: string; user: { type: string; login: string } }

/** Just the calls the comment script makes, with state to assert on. */
function fakeGitHub(comments: Comment[], options: { readOnlyToken?: boolean } = {}) {
  const labels = new Set<string>();
  const calls: string[] = [];
  let nextId = 1000;
  const denied = () => Object.assign(new Error('Resource not accessible by integration'), { status: 403 });
  const issues = {
    listComments: async () => ({ data: comments }),
    createComment: async ({ body }: { body: string }) => {
      calls.push('create');
      if (options.readOnlyToken) throw denied();
      comments.push({ id: nextId++, body, user: { type: 'Bot', login: 'github-actions[bot]' } });
    },
    updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => {
      calls.push(`update:${comment_id}`);
      const c = comments.find((x) => x.id === comment_id);
      if (!c) throw Object.assign(new Error('Not Found'), { status: 404 });
      c.body = body;
    },
    addLabels: async ({ labels: add }: { labels: string[] }) => void add.forEach((l) => labels.add(l)),
    removeLabel: async ({ name }: { name: string }) => void labels.delete(name),
  };
  const github = { rest: { issues }, paginate: async <P>(fn: (p: P) => Promise<{ data: unknown[] }>, params: P) => (await fn(params)).data };
  return { github, labels, calls, comments };
}

describe('the tiers-plan workflow, run locally on a temporary repository', () => {
  let root: string;
  let work: string;
  let ghEnv: Record<string, string>;
  let npxBin: string;
  const outputs: Record<string, Record<string, string>> = {};
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'pipe' }).toString();

  /** `${{ … }}` in env blocks, from what a pull request into main from a branch supplies. */
  const expressions = (secrets: Record<string, string>): Record<string, string> => ({
    'github.base_ref': 'main',
    "secrets.READONLY_DATABASE_URL != ''": String(Boolean(secrets['READONLY_DATABASE_URL'])),
    'secrets.READONLY_DATABASE_URL': secrets['READONLY_DATABASE_URL'] ?? '',
    'secrets.STRIPE_READONLY_API_KEY': secrets['STRIPE_READONLY_API_KEY'] ?? '',
    'steps.plan.outputs.exit': outputs['plan']?.['exit'] ?? '',
    'steps.db-plan.outputs.exit': outputs['db-plan']?.['exit'] ?? '',
    'steps.db-plan.outputs.failed': outputs['db-plan']?.['failed'] ?? '',
  });
  const resolve = (block: Record<string, string> | undefined, secrets: Record<string, string>) =>
    Object.fromEntries(Object.entries(block ?? {}).map(([k, v]) => [k, String(v).replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, e: string) => {
      const value = expressions(secrets)[e];
      if (value === undefined) throw new Error(`the test does not know the expression ${e}; teach it`);
      return value;
    })]));

  /** The `if:` forms the workflow uses: `a == 'b'` joined by `||`; anything else fails the test. */
  const condition = (expr: string | undefined, env: Record<string, string>): boolean => {
    if (!expr) return true;
    return expr.split('||').some((part) => {
      const m = /^\s*([\w.-]+)\s*==\s*'([^']*)'\s*$/.exec(part);
      if (!m) throw new Error(`the test cannot evaluate if: ${expr}`);
      const [, lhs, rhs] = m as unknown as [string, string, string];
      const ref = lhs.split('.');
      const value = ref[0] === 'env' ? env[ref[1]!] : ref[0] === 'steps' && ref[2] === 'outputs' ? outputs[ref[1]!]?.[ref[3]!] : undefined;
      if (ref[0] !== 'env' && ref[0] !== 'steps') throw new Error(`the test cannot evaluate ${lhs}`);
      return (value ?? '') === rhs;
    });
  };

  const envFor = (step: Step, secrets: Record<string, string>) => ({
    ...resolve(workflow.env, secrets),
    ...resolve(workflow.jobs.plan.env, secrets),
    ...resolve(step.env, secrets),
    ...ghEnv,
  });

  const step = (id: string) => {
    const s = steps.find((x) => x.id === id);
    if (!s) throw new Error(`no step with id ${id} in tiers-plan.yml`);
    return s;
  };

  /** Runs one `run:` step; returns its exit code, or null when its `if:` skips it. */
  function runStep(id: string, secrets: Record<string, string> = {}): { code: number | null; stderr: string } {
    const s = step(id);
    const env = envFor(s, secrets);
    if (!condition(s.if, env)) return { code: null, stderr: '' };
    writeFileSync(ghEnv['GITHUB_OUTPUT']!, '');
    const script = path.join(root, `${id}.sh`);
    writeFileSync(script, s.run!);
    const base: Record<string, string | undefined> = { ...process.env, STRIPE_API_KEY: undefined, DATABASE_URL: undefined, npm_config_offline: 'true', NO_COLOR: '1' };
    for (const k of Object.keys(base)) if (base[k] === undefined) delete base[k];
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: work, env: { ...base, ...env, PATH: `${npxBin}:${process.env['PATH']}` } as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 60_000 });
    outputs[id] = Object.fromEntries(readFileSync(ghEnv['GITHUB_OUTPUT']!, 'utf8').split('\n').filter(Boolean).map((l) => l.split('=', 2) as [string, string]));
    return { code: r.status, stderr: r.stderr };
  }

  /** Runs the github-script step the way actions/github-script does: an async function body with its globals. */
  async function runCommentStep(fake: ReturnType<typeof fakeGitHub>, prLabels: string[], secrets: Record<string, string> = {}) {
    const s = step('comment');
    expect(s.uses).toMatch(/^actions\/github-script@/);
    const warnings: string[] = [];
    const core = { warning: (m: string) => void warnings.push(m), info: () => undefined, setFailed: (m: string) => { throw new Error(m); } };
    const context = { repo: { owner: 'acme', repo: 'shop' }, issue: { number: 7 }, payload: { pull_request: { number: 7, labels: prLabels.map((name) => ({ name })) } } };
    const fakeProcess = { env: { ...envFor(s, secrets), GITHUB_WORKSPACE: work } };
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;
    await new AsyncFunction('require', 'github', 'context', 'core', 'process', s.with!.script!)(createRequire(import.meta.url), fake.github, context, core, fakeProcess);
    return warnings;
  }

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'tierctl-pr-'));
    const upstream = path.join(root, 'upstream');
    mkdirSync(upstream);
    cpSync(REFERENCE_TIERS, path.join(upstream, 'tiers'), { recursive: true });
    cpSync(path.join(ROOT, 'schemas'), path.join(upstream, 'schemas'), { recursive: true });
    writeFileSync(path.join(upstream, '.gitignore'), 'node_modules/\n*.md\n');
    git(upstream, 'init', '-q', '-b', 'main');
    git(upstream, 'add', '.');
    git(upstream, 'commit', '-qm', 'tiers');
    // actions/checkout with fetch-depth: 0 leaves origin/<base> next to the pull request's commit.
    work = path.join(root, 'work');
    git(root, 'clone', '-q', upstream, work);
    git(work, 'checkout', '-q', '-b', 'change');
    rmSync(path.join(work, 'tiers', 'maker.yaml'));
    const hobbyist = path.join(work, 'tiers', 'hobbyist.yaml');
    writeFileSync(hobbyist, readFileSync(hobbyist, 'utf8').replace('name: Hobbyist', 'name: Hobbyist Plus'));
    git(work, 'commit', '-qam', 'delete maker, rename hobbyist');
    // `npm ci` in a user's repository installs tierctl; here it is this package, linked.
    mkdirSync(path.join(work, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(ROOT, path.join(work, 'node_modules', 'tierctl'), 'dir');
    symlinkSync('../tierctl/bin/tierctl.js', path.join(work, 'node_modules', '.bin', 'tierctl'));
    npxBin = npxShim(root);
    ghEnv = { GITHUB_OUTPUT: path.join(root, 'github-output'), GITHUB_STEP_SUMMARY: path.join(root, 'step-summary.md'), GITHUB_WORKSPACE: work, CI: 'true' };
    writeFileSync(ghEnv['GITHUB_STEP_SUMMARY']!, '');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('posts one comment with the counts and the destructive warning, labels the PR, fails the check; a fix updates the same comment', async () => {
    const validate = runStep('validate');
    expect(validate.code, validate.stderr).toBe(0);

    const plan = runStep('plan');
    expect(plan.code, plan.stderr).toBe(0);
    expect(outputs['plan']).toEqual({ exit: '3' });
    const markdown = readFileSync(path.join(work, 'tierctl-plan.md'), 'utf8');
    expect(count(markdown, MARKER)).toBe(1);
    // One file deleted, one edited, nothing added; the vocabulary in catalog.yaml is untouched.
    expect(markdown).toContain('| create | 0 | 0 |');
    expect(markdown).toContain('| update | 1 | 0 |');
    expect(markdown).toContain('| delete | 1 | 0 |');
    expect(markdown).toMatch(/\*\*Destructive\*\*: this plan deletes 1 tier\b/);
    expect(markdown).toContain('maker');
    expect(readFileSync(ghEnv['GITHUB_STEP_SUMMARY']!, 'utf8')).toBe(markdown);

    expect(runStep('db-plan').code).toBeNull(); // no READONLY_DATABASE_URL secret: skipped

    const human: Comment = { id: 1, body: `quoting the bot: ${MARKER}`, user: { type: 'User', login: 'dev' } };
    const fake = fakeGitHub([human]);
    await runCommentStep(fake, []);
    const label = workflow.env['DESTRUCTIVE_LABEL']!;
    expect(fake.calls).toEqual(['create']);
    expect(fake.labels).toEqual(new Set([label]));
    const bot = fake.comments.filter((c) => c.user.type === 'Bot');
    expect(bot).toHaveLength(1);
    expect(count(bot[0]!.body, MARKER)).toBe(1);
    expect(bot[0]!.body).toContain('| delete | 1 | 0 |');
    expect(human.body).toBe(`quoting the bot: ${MARKER}`);

    const fail = runStep('fail');
    expect(fail.code).toBe(1);

    // The author brings the tier back: the same comment is updated, the label goes, the check passes.
    git(work, 'checkout', '-q', 'origin/main', '--', 'tiers/maker.yaml');
    expect(runStep('plan').code).toBe(0);
    expect(outputs['plan']).toEqual({ exit: '2' });
    await runCommentStep(fake, [label]);
    expect(fake.calls).toEqual(['create', `update:${bot[0]!.id}`]);
    expect(fake.comments.filter((c) => c.user.type === 'Bot')).toHaveLength(1);
    expect(bot[0]!.body).toContain('| delete | 0 | 0 |');
    expect(bot[0]!.body).not.toContain('Destructive');
    expect(fake.labels.size).toBe(0);
    expect(runStep('fail').code).toBeNull();
    rmSync(path.join(work, 'tiers', 'maker.yaml'));
  });

  it('with a read-only database secret, plans against it too, in the same single comment', async () => {
    const dbFile = path.join(root, 'prod.sqlite');
    // The production database as an earlier apply left it (in-process: only the workflow's steps are under test).
    const applied = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', `sqlite:${dbFile}`], { cwd: path.join(root, 'upstream') });
    expect(applied.code, applied.stderr).toBe(0);
    // The application's own table, named by subscribers: in catalog.yaml, so deletes can be checked.
    const sqlite3 = (await import('sqlite3')).default;
    const conn = new sqlite3.Database(dbFile);
    await new Promise<void>((ok, ko) => conn.exec('CREATE TABLE organization (id INTEGER PRIMARY KEY, subscription_tier_id INTEGER)', (e) => (e ? ko(e) : ok())));
    await new Promise((ok) => conn.close(ok));
    const secrets = { READONLY_DATABASE_URL: `sqlite:${dbFile}` };
    expect(runStep('plan', secrets).code).toBe(0);
    const db = runStep('db-plan', secrets);
    expect(db.code, db.stderr).toBe(0);
    expect(outputs['db-plan']).toEqual({ exit: '3' });
    const dbMarkdown = readFileSync(path.join(work, 'tierctl-db-plan.md'), 'utf8');
    expect(dbMarkdown).toContain('| delete | 1 | 0 |');

    const fake = fakeGitHub([]);
    await runCommentStep(fake, [], secrets);
    expect(fake.comments).toHaveLength(1);
    const body = fake.comments[0]!.body;
    expect(count(body, MARKER)).toBe(1);
    expect(body.indexOf('Files on `main`')).toBeGreaterThan(0);
    expect(body.indexOf('Read-only database')).toBeGreaterThan(body.indexOf('Files on `main`'));
    expect(count(body, '| delete | 1 | 0 |')).toBe(2);
    rmSync(path.join(work, 'tierctl-db-plan.md'));
  });

  it('on a fork (read-only token) warns instead of failing, leaving the plan in the summary', async () => {
    expect(runStep('plan').code).toBe(0);
    const fake = fakeGitHub([], { readOnlyToken: true });
    const warnings = await runCommentStep(fake, []);
    expect(fake.calls).toEqual(['create']);
    expect(warnings.join('\n')).toContain('read-only token');
  });

  it('when the database plan fails, still posts the files-only plan, then fails the job', async () => {
    const secrets = { READONLY_DATABASE_URL: 'postgres://nobody:hunter2secret@127.0.0.1:1/none' };
    expect(runStep('plan', secrets).code).toBe(0);
    const db = runStep('db-plan', secrets);
    expect(db.code, db.stderr).toBe(0);
    expect(outputs['db-plan']?.['failed']).toBe('true');
    const fake = fakeGitHub([]);
    await runCommentStep(fake, [], secrets);
    expect(fake.comments).toHaveLength(1);
    const body = fake.comments[0]!.body;
    expect(body).toContain('| delete | 1 | 0 |');
    expect(body).toContain('The plan against the read-only database failed');
    expect(body).not.toContain('hunter2secret');
    expect(runStep('db-plan-failed', secrets).code).toBe(1);
    rmSync(path.join(work, 'tierctl-db-plan.md'));
  });
});
