#!/usr/bin/env node
// `npm test`: typecheck + build dist/ (tsc) while the unit project runs, then the
// integration and ui projects, which need dist/ (real tierctl processes).
//
// Why overlap: tsc is one core for ~8 s; the unit tests (tests/unit, pure, no I/O) import
// src/ through vitest and never read dist/, so they use the other core meanwhile instead of
// waiting. The suite fails if either fails; a failed tsc stops before the projects that
// would run a stale or missing dist/. With arguments (`npm test -- tests/cli/plan.test.ts`),
// it is tsc, then `vitest run <arguments>`, as before.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const tscBin = require.resolve('typescript/bin/tsc');
const vitestBin = path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs');

/** Runs a node script with inherited stdio; resolves to its exit code (a signal counts as failure). */
function run(script, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit' });
    child.on('error', () => resolve(1));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const tsc = () => run(tscBin, ['-p', 'tsconfig.test.json']);
const vitest = (args) => run(vitestBin, ['run', ...args]);
const extra = process.argv.slice(2);

let code;
if (extra.length > 0) {
  code = (await tsc()) || (await vitest(extra));
} else {
  const [built, unit] = await Promise.all([tsc(), vitest(['--project', 'unit'])]);
  if (built !== 0) {
    process.stderr.write('npm test: tsc failed; the integration and ui projects were not run (they need dist/)\n');
    code = built;
  } else {
    const rest = await vitest(['--project', 'integration', '--project', 'ui']);
    code = unit || rest;
  }
}
process.exit(code);
