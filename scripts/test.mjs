#!/usr/bin/env node
// `npm test`: typecheck + build dist/ (tsc) and bundle the CLI (rolldown, dist/cli/) while the
// unit and ui projects run, then the integration project, which needs both (real tierctl
// processes run the bundle; the package test packs dist/src and its .d.ts files).
//
// Why overlap: tsc is one core for ~8-14 s; the unit tests (tests/unit, pure, no I/O) and
// the Ink views (ui) import src/ through vitest and never read dist/, so they use the other
// core meanwhile instead of waiting. The bundle is built from src/ (~1-2 s), not from tsc's
// output, so it needs no wait either. The suite fails if any fails; a failed tsc or bundle stops before the
// projects that would run a stale or missing dist/. With arguments
// (`npm test -- tests/cli/plan.test.ts`), it is tsc and the bundle, then `vitest run <arguments>`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const tscBin = require.resolve('typescript/bin/tsc');
const vitestBin = path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
const rolldownBin = path.join(path.dirname(require.resolve('rolldown/package.json')), 'bin', 'cli.mjs');

/** Runs a node script (stdout inherited unless `quiet`); resolves to its exit code (a signal counts as failure). */
function run(script, args, { quiet = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['inherit', quiet ? 'ignore' : 'inherit', 'inherit'] });
    child.on('error', () => resolve(1));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const tsc = () => run(tscBin, ['-p', 'tsconfig.test.json']);
// Its stdout is a table of every chunk's size; warnings and errors go to stderr.
const bundle = () => run(rolldownBin, ['-c', 'rolldown.config.mjs'], { quiet: true });
const vitest = (args) => run(vitestBin, ['run', ...args]);
const extra = process.argv.slice(2);

let code;
/** The first failed build step's code (0 when both built), saying which one failed. */
function builds(compiled, bundled) {
  if (compiled !== 0) process.stderr.write('npm test: tsc failed; the tests that need dist/ were not run\n');
  if (bundled !== 0) process.stderr.write('npm test: the CLI bundle (rolldown.config.mjs) failed; the tests that need dist/cli/ were not run\n');
  return compiled || bundled;
}

if (extra.length > 0) {
  code = builds(...(await Promise.all([tsc(), bundle()]))) || (await vitest(extra));
} else {
  // The Ink views (ui) need no dist/ either: they fill the core tsc leaves idle once the
  // unit tests are done, instead of taking CPU from the integration tests later.
  const [compiled, bundled, early] = await Promise.all([tsc(), bundle(), vitest(['--project', 'unit', '--project', 'ui'])]);
  const built = builds(compiled, bundled);
  if (built !== 0) {
    code = built;
  } else {
    const rest = await vitest(['--project', 'integration']);
    code = early || rest;
  }
}
process.exit(code);
