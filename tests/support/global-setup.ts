import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLE = path.join(ROOT, 'dist', 'cli', 'tierctl.js');

/** The newest modification time among the files the CLI bundle is built from. */
function newestSource(): number {
  let newest = statSync(path.join(ROOT, 'rolldown.config.mjs')).mtimeMs;
  for (const dir of ['src', 'migrations']) {
    for (const entry of readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/** CLI tests run the real built binary (the bundle, dist/cli/) and pack dist/src; make sure both exist (npm test builds first). */
export default function setup(): void {
  if (!existsSync(BUNDLE) || !existsSync(path.join(ROOT, 'dist', 'src', 'index.d.ts'))) {
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  } else if (statSync(BUNDLE).mtimeMs < newestSource()) {
    // `npx tsc -p tsconfig.test.json && npx vitest run <file>` refreshes dist/src but not the
    // bundle: the real-process tests would run yesterday's CLI. Rebuilding it takes ~1-2 s.
    execFileSync('npm', ['run', 'build:cli'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  // The built CLI finds its package root by walking up to a package.json: one emitted into
  // dist/ (a test that imports package.json, compiled by `npm test`'s tsc) would be taken for it.
  if (existsSync(path.join(ROOT, 'dist', 'package.json'))) {
    throw new Error('dist/package.json exists (emitted by a JSON import?): the built tierctl would take dist/ for its package root; delete it and read JSON with fs in tests');
  }
}
