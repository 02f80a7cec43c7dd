#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm install` via the prepare script).
let settled = false;
if (process.env.TIERCTL_SPAWN_LOG) {
  const fs = await import('node:fs');
  const file = process.env.VITEST_TEST_FILE_HINT ?? '';
  const t0 = Date.now();
  const log = (what) => { const u = process.cpuUsage(); fs.appendFileSync(process.env.TIERCTL_SPAWN_LOG, `${process.pid}\t${what}\t${process.argv[2]}\t${((u.user + u.system) / 1000).toFixed(0)}\t${Date.now() - t0}\t${process.cwd()}\n`); };
  try { log("start"); } catch {}
  process.on("exit", () => { try { log("exit"); } catch {} });
}
import('../dist/src/cli/main.js').then((m) => m.main(process.argv.slice(2))).then(
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
