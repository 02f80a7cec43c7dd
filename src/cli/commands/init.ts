import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TierctlError, type Outcome } from '../../errors.js';
import { scaffoldFiles } from '../../init/scaffold.js';
import { PACKAGE_ROOT } from '../../version.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';

const WORKFLOWS = ['tiers-plan.yml', 'tiers-apply.yml'] as const;

/** Scaffolds a tier directory and the two GitHub workflows; never overwrites without --force. */
export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const dir = repoRelative(values['dir'] as string, io.cwd);
  const workflows = Object.fromEntries(
    await Promise.all(WORKFLOWS.map(async (name) => [name, await readFile(path.join(PACKAGE_ROOT, '.github', 'workflows', name), 'utf8')])),
  ) as Record<(typeof WORKFLOWS)[number], string>;
  const files = scaffoldFiles({ dir, schemaDir: schemaDir(dir, io.cwd), workflows });

  const existing = Object.keys(files).filter((f) => existsSync(path.join(io.cwd, f)));
  if (existing.length && values['force'] !== true) {
    throw new TierctlError(`init would overwrite ${existing.join(', ')}`, { hint: 'pass --force to overwrite them, or run init in a repository without them' });
  }
  for (const [file, text] of Object.entries(files)) {
    const target = path.join(io.cwd, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
    io.out(`created ${file}\n`);
  }
  io.err(
    [
      '',
      'Next:',
      '  npm install --save-dev tierctl     (the workflows run `npm ci`, then `npx tierctl`)',
      `  npx tierctl validate${dir === 'tiers' ? '' : ` --dir ${dir}`}`,
      '  set DATABASE_URL and STRIPE_API_KEY as secrets of a `production` environment for tiers-apply.yml,',
      '  and optionally READONLY_DATABASE_URL / STRIPE_READONLY_API_KEY for plans on pull requests.',
      '',
    ].join('\n'),
  );
  return 'ok';
}

/** The tier directory as the workflows' paths filter needs it: inside the repository, forward slashes. */
function repoRelative(dir: string, cwd: string): string {
  const rel = path.relative(cwd, path.resolve(cwd, dir)).split(path.sep).join('/');
  if (!rel || rel.startsWith('..') || !/^[A-Za-z0-9._/-]+$/.test(rel)) {
    throw new TierctlError(`--dir ${dir} must be a folder inside this repository`, { hint: 'run init at the repository root, e.g. tierctl init --dir tiers' });
  }
  return rel;
}

/**
 * The schemas a user's editor should load. When this tierctl is installed inside the
 * repository (node_modules/tierctl, or this very repository), point at its files;
 * otherwise (npx from the cache, a global install) at where `npm install -D tierctl`
 * will put them.
 */
function schemaDir(dir: string, cwd: string): string {
  const installed = path.relative(cwd, PACKAGE_ROOT);
  const schemas = installed.startsWith('..') || path.isAbsolute(installed) ? path.join(cwd, 'node_modules', 'tierctl', 'schemas') : path.join(PACKAGE_ROOT, 'schemas');
  return path.relative(path.join(cwd, dir), schemas).split(path.sep).join('/');
}
