import path from 'node:path';
import { PACKAGE_ROOT } from '../version.js';

/**
 * Where a tier directory's `# yaml-language-server: $schema=` lines should point,
 * relative to that directory: at this tierctl's schemas when it is installed inside
 * the repository (node_modules/tierctl, or this very repository), otherwise (npx from
 * the cache, a global install) at where `npm install tierctl` will put them. Shared by
 * `init` and `import`, so both write a path that exists in the user's repository.
 */
export function schemaDirFor(tierDir: string, cwd: string): string {
  const installed = path.relative(cwd, PACKAGE_ROOT);
  const schemas = installed.startsWith('..') || path.isAbsolute(installed) ? path.join(cwd, 'node_modules', 'tierctl', 'schemas') : path.join(PACKAGE_ROOT, 'schemas');
  return path.relative(path.resolve(cwd, tierDir), schemas).split(path.sep).join('/');
}
