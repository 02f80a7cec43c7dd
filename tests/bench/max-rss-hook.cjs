// Loaded with `node --require` when /usr/bin/time is missing: reports the process's
// peak resident set size at exit, in the same unit (KiB) /usr/bin/time's %M uses.
'use strict';
process.on('exit', () => {
  process.stderr.write(`tierctl-bench: max-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
