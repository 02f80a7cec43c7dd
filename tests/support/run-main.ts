import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { redact } from '../../src/secrets.js';
import { ROOT, type CliResult } from './cli.js';

/**
 * Runs the CLI in the test process through `main(argv, io)`: the same argument parsing,
 * commands, top-level catch and exit-code map as the real binary, without the 0.3–0.6 s
 * of starting a Node process. Use the real process (`tierctl` in cli.ts) only where the
 * process itself is the subject: the launcher, signals, pty, lazy loading, secrets.
 *
 * Environment as the real-process helper sets it: CI=true, NO_COLOR=1, no Stripe key,
 * no DATABASE_URL, unless `env` says otherwise (undefined removes a variable).
 */
export async function runMain(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; stdoutIsTTY?: boolean; stdinIsTTY?: boolean } = {},
): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, CI: 'true', NO_COLOR: '1', STRIPE_API_KEY: undefined, DATABASE_URL: undefined, ...options.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  let stdout = '';
  let stderr = '';
  const stdoutIsTTY = options.stdoutIsTTY ?? false;
  const stdinIsTTY = options.stdinIsTTY ?? false;
  const io: Io = {
    // Redacted like processIo, so a secret test sees what a user would.
    out: (text) => void (stdout += redact(text)),
    err: (text) => void (stderr += redact(text)),
    env: env as NodeJS.ProcessEnv,
    cwd: options.cwd ?? ROOT,
    stdoutIsTTY,
    stdinIsTTY,
    interactive: stdoutIsTTY && stdinIsTTY && env['CI'] !== 'true' && env['CI'] !== '1',
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
