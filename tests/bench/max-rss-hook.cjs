// Loaded with `node --require` when /usr/bin/time is missing: reports the process's
// peak resident set size at exit, in the same unit (KiB) /usr/bin/time's %M uses, and
// the CPU seconds (user, system) its %U %S give.
'use strict';
process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(`tierctl-bench: max-rss-kb ${usage.maxRSS} cpu-s ${usage.userCPUTime / 1e6} ${usage.systemCPUTime / 1e6}\n`);
});
