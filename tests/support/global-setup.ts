import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** CLI tests run the real built binary (the bundle, dist/cli/) and pack dist/src; make sure both exist (npm test builds first). */
export default function setup(): void {
  if (!existsSync(new URL('../../dist/cli/tierctl.js', import.meta.url)) || !existsSync(new URL('../../dist/src/index.d.ts', import.meta.url))) {
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  }
  // The built CLI finds its package root by walking up to a package.json: one emitted into
  // dist/ (a test that imports package.json, compiled by `npm test`'s tsc) would be taken for it.
  if (existsSync(new URL('../../dist/package.json', import.meta.url))) {
    throw new Error('dist/package.json exists (emitted by a JSON import?): the built tierctl would take dist/ for its package root; delete it and read JSON with fs in tests');
  }
}
