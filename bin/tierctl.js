#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/cli/ (rolldown.config.mjs; built by `npm run build`,
// which `npm install` runs through the prepare script).
let settled = false;
import('../dist/cli/tierctl.js').then((m) => m.main(process.argv.slice(2))).then(
  (code) => { settled = true; process.exitCode = code; },
  (err) => { settled = true; console.error('tierctl: internal error:', err && err.message ? err.message : err); process.exitCode = 1; }
);
// A promise that never settles lets the event loop drain and Node exit 0: a silent
// "success" that did nothing. Turn that into a failure instead.
process.on('exit', () => {
  if (!settled) {
    process.stderr.write('error: tierctl stopped before finishing (an operation never completed); nothing can be assumed to have been applied\n');
    process.exitCode = 1;
  }
});
// The reader went away (`tierctl plan | head`): stop quietly as SIGPIPE would, instead
// of an unhandled 'error' event and its stack trace.
process.stdout.on('error', (err) => {
  if (err && err.code !== 'EPIPE') throw err;
  const finished = settled;
  settled = true;
  process.exit(finished ? process.exitCode : 1);
});
