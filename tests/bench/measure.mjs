// Runs one process and measures it from outside: wall time, peak RSS (through
// /usr/bin/time when the system has it, else a --require'd exit hook), and the SQL
// statement count tierctl prints when TIERCTL_SQL_COUNT=1.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const GNU_TIME = '/usr/bin/time';
const HOOK = fileURLToPath(new URL('./max-rss-hook.cjs', import.meta.url));
export const RSS_SOURCE = existsSync(GNU_TIME) ? '/usr/bin/time %M' : 'process.resourceUsage().maxRSS at exit';

/**
 * @param {string[]} nodeArgs script and arguments for `node`
 * @param {{ cwd: string, env?: Record<string, string | undefined> }} options
 * @returns {Promise<{ code: number | null, seconds: number, cpuSeconds: number | null, rssMb: number | null, statements: number | null, stderr: string }>}
 */
export function measure(nodeArgs, options) {
  const env = { ...process.env, CI: 'true', NO_COLOR: '1', TIERCTL_SQL_COUNT: '1', STRIPE_API_KEY: undefined, DATABASE_URL: undefined, ...options.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const [command, args] = existsSync(GNU_TIME)
    ? [GNU_TIME, ['-f', 'tierctl-bench: max-rss-kb %M cpu-s %U %S', process.execPath, ...nodeArgs]]
    : [process.execPath, ['--require', HOOK, ...nodeArgs]];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // stdout (rendered plans of 10,000 tiers) goes nowhere: we measure tierctl, not a pipe reader.
    const child = spawn(command, args, { cwd: options.cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rss = /tierctl-bench: max-rss-kb (\d+)/.exec(stderr);
      // CPU seconds (user + system): on a loaded, shared machine wall time follows the load; CPU time far less.
      const cpu = /cpu-s ([\d.]+) ([\d.]+)/.exec(stderr);
      const statements = /tierctl: sql statements: (\d+)/.exec(stderr);
      resolve({
        code,
        seconds,
        rssMb: rss ? Number(rss[1]) / 1024 : null,
        cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : null,
        statements: statements ? Number(statements[1]) : null,
        stderr: stderr.replace(/tierctl-bench: max-rss-kb \d+( cpu-s [\d.]+ [\d.]+)?\n?/, ''),
      });
    });
  });
}

/** Median of several runs, for start-up times that one run would make noisy. */
export async function medianOf(runs, fn) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await fn());
  results.sort((a, b) => a.seconds - b.seconds);
  return results[Math.floor(results.length / 2)];
}
