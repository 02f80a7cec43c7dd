import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TierctlError, type Outcome } from '../../errors.js';
import { ignoreLocalDatabase } from '../../init/gitignore.js';
import { scaffoldFiles, WORKFLOW_TEMPLATES, type WorkflowTemplates } from '../../init/scaffold.js';
import { schemaDirFor } from '../../init/schema-location.js';
import { PACKAGE_ROOT } from '../../version.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';

/**
 * Scaffolds a tier directory and (unless --no-workflows) the two GitHub workflows, and
 * keeps the local SQLite database out of git; never overwrites without --force.
 */
export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const dir = repoRelative(values['dir'] as string, io.cwd);
  // The templates live in templates/workflows/ of the package, not in .github/, so
  // tierctl's own repository does not run them against its reference tiers.
  const workflows =
    values['no-workflows'] === true
      ? undefined
      : (Object.fromEntries(
          await Promise.all(WORKFLOW_TEMPLATES.map(async (name) => [name, await readFile(path.join(PACKAGE_ROOT, 'templates', 'workflows', name), 'utf8')])),
        ) as WorkflowTemplates);
  const files = scaffoldFiles({ dir, schemaDir: schemaDirFor(dir, io.cwd), ...(workflows ? { workflows } : {}) });

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
  const gitignore = path.join(io.cwd, '.gitignore');
  const before = await readFile(gitignore, 'utf8').catch(() => undefined);
  const after = ignoreLocalDatabase(before);
  if (after !== before) {
    await writeFile(gitignore, after);
    io.out(`${before === undefined ? 'created' : 'updated'} .gitignore (tierctl.sqlite, the local database)\n`);
  }
  io.err(
    [
      '',
      'Next:',
      '  npm install --save-dev tierctl     (the CLI and workflows; use `npm install tierctl` if your app calls openCatalog at runtime)',
      `  npx tierctl validate${dir === 'tiers' ? '' : ` --dir ${dir}`}`,
      ...(workflows
        ? [
            '  set DATABASE_URL (and STRIPE_API_KEY if a tier is billed by Stripe) as secrets of a `production` environment',
            '  with required reviewers for tiers-apply.yml, and optionally READONLY_DATABASE_URL / STRIPE_READONLY_API_KEY',
            '  for plans on pull requests.',
          ]
        : []),
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
