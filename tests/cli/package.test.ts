import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { runInPty } from '../support/pty.js';

/**
 * The package as a user gets it: `npm pack`, the tarball unpacked into a fresh app whose
 * node_modules holds only tierctl's runtime dependencies (linked from this checkout's
 * install, so no network: the devDependencies, json-schema-to-ts among them, are not
 * there), then a TypeScript consumer compiled with `skipLibCheck: false` and run.
 */
interface PackedFile { path: string }
const NODE_MODULES = path.join(ROOT, 'node_modules');

/** The runtime dependency closure of package.json, as installed (hoisted) in this checkout. */
function runtimeDependencies(): string[] {
  const seen = new Set<string>();
  const queue = Object.keys((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
  while (queue.length) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    const dir = path.join(NODE_MODULES, name);
    if (!existsSync(path.join(dir, 'package.json'))) continue; // an optional dependency not installed here
    seen.add(name);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    // Nested node_modules of a package come along with its directory; hoisted ones are queued.
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) queue.push(...Object.keys(pkg[field] ?? {}));
  }
  return [...seen].sort();
}

describe('the packed tarball in a fresh TypeScript app', () => {
  let root: string;
  let app: string;
  let files: string[];

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'tierctl-pack-'));
    // dist/ is built by `npm test` (and tests/support/global-setup.ts); pack it as is.
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const [packed] = JSON.parse(out) as { filename: string; files: PackedFile[] }[];
    files = packed!.files.map((f) => f.path);
    app = path.join(root, 'app');
    const installed = path.join(app, 'node_modules', 'tierctl');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['xzf', path.join(root, packed!.filename), '-C', installed, '--strip-components=1']);
    for (const dep of runtimeDependencies()) {
      mkdirSync(path.dirname(path.join(app, 'node_modules', dep)), { recursive: true });
      symlinkSync(path.join(NODE_MODULES, dep), path.join(app, 'node_modules', dep), 'dir');
    }
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { tierctl: '*' } }));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('ships the code (the CLI as the bundle only), declarations, schemas, migrations, workflow templates and LICENSE; no source maps, no tests', () => {
    for (const f of ['LICENSE', 'README.md', 'package.json', 'bin/tierctl.js', 'dist/cli/tierctl.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'schemas/tier.schema.json', 'templates/workflows/tiers-plan.yml', 'templates/workflows/tiers-apply.yml']) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => f.startsWith('migrations/') || f.startsWith('dist/migrations/'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('tests/') || f.startsWith('src/') || f.startsWith('.github/'))).toEqual([]);
    // tsc's output of the CLI's own modules is not shipped: bin/tierctl.js runs the bundle.
    expect(files.filter((f) => f.startsWith('dist/src/cli/') || f.startsWith('dist/src/ui/'))).toEqual([]);
    expect(readFileSync(path.join(app, 'node_modules', 'tierctl', 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('a consumer importing openCatalog compiles with skipLibCheck: false, with only the runtime dependencies installed', () => {
    // The premise: the app has tierctl's runtime dependencies and none of its devDependencies.
    expect(existsSync(path.join(app, 'node_modules', 'sequelize'))).toBe(true);
    expect(existsSync(path.join(app, 'node_modules', 'json-schema-to-ts'))).toBe(false);
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: [] }, include: ['index.ts'] }),
    );
    writeFileSync(
      path.join(app, 'index.ts'),
      [
        "import { openCatalog, CatalogLookupError, TierctlError, type RuntimeTier, type TierCatalog } from 'tierctl';",
        'export async function seats(org: { tierId: number }): Promise<number | null> {',
        "  const catalog: TierCatalog = await openCatalog({ database: 'sqlite:app.sqlite' });",
        '  const tier: RuntimeTier | undefined = catalog.tierById(org.tierId);',
        "  if (!tier) throw new TierctlError('no such tier');",
        "  try { return catalog.limit(tier.key, 'seats'); } catch (e) { if (e instanceof CatalogLookupError) return 0; throw e; }",
        '}',
        '',
      ].join('\n'),
    );
    const tsc = spawnSync(process.execPath, [path.join(NODE_MODULES, 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('the packed CLI runs in that app through its bin link: --help, init (templates), validate (schemas), plan and apply on SQLite (migrations)', () => {
    // What npm does on install: node_modules/.bin/tierctl links to the package's bin. Through
    // the link, the bundle (dist/cli/) must find its package root, chunks and dependencies.
    const bin = path.join(app, 'node_modules', '.bin', 'tierctl');
    mkdirSync(path.dirname(bin), { recursive: true });
    symlinkSync(path.join('..', 'tierctl', 'bin', 'tierctl.js'), bin);
    const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', NO_COLOR: '1' };
    for (const k of ['STRIPE_API_KEY', 'DATABASE_URL', 'NODE_OPTIONS']) delete env[k];
    const run = (...args: string[]) => {
      const r = spawnSync(process.execPath, [bin, ...args], { cwd: app, env, encoding: 'utf8' });
      expect(r.stderr, args.join(' ')).not.toContain('    at ');
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r.stdout + r.stderr;
    };
    expect(run('--help')).toContain('Usage: tierctl <command>');
    run('init');
    expect(existsSync(path.join(app, '.github', 'workflows', 'tiers-plan.yml'))).toBe(true);
    expect(run('validate')).toMatch(/valid: \d+ tiers?/);
    expect(run('plan', '--skip-stripe', '--database', 'sqlite:app.sqlite')).toMatch(/Plan: [1-9]\d* to create/);
    const applied = run('apply', '--auto-approve', '--skip-stripe', '--database', 'sqlite:app.sqlite');
    expect(applied).toContain('Migrated: 0001-initial-tables');
    expect(applied).toContain('Apply complete');
  });

  it('the packed CLI draws at a terminal with its bundled Ink, though ink and react are not installed', async () => {
    expect(existsSync(path.join(app, 'node_modules', 'ink'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', 'react'))).toBe(false);
    // After the test above: tiers/ from init, app.sqlite applied.
    const run = runInPty(['plan', '--skip-stripe', '--database', 'sqlite:app.sqlite'], { cwd: app, bin: path.join(app, 'node_modules', '.bin', 'tierctl'), env: { NODE_OPTIONS: undefined } });
    const code = await run.exited;
    expect(code, run.screen()).toBe(0);
    expect(run.screen()).toContain('✔ reading the database');
    expect(run.screen()).not.toContain('    at ');
  });

  it('the runtime API loads in that app from its runtime dependencies', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', "const m = await import('tierctl'); console.log(typeof m.openCatalog, typeof m.CatalogLookupError);"], { cwd: app, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function');
  });
});
