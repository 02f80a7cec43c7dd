import { spawn } from 'node:child_process';
import { BIN, ROOT } from '../support/cli.js';

/**
 * A tierctl process the test can watch and kill: the fault tests need the child itself
 * (to SIGKILL it mid-apply) and its stderr as it arrives (to aim the kill at the writes),
 * which tests/support/cli.ts's run-to-completion helper does not expose.
 */
export interface RunningTierctl {
  pid: number;
  /** Resolves when a stderr line matching `pattern` has been printed (false if the process exited first). */
  waitForStderr(pattern: RegExp): Promise<boolean>;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Milliseconds since the process was started. */
  elapsed(): number;
}

export function startTierctl(args: string[], options: { cwd?: string; env?: Record<string, string | undefined>; uid?: number; gid?: number } = {}): RunningTierctl {
  const env: Record<string, string | undefined> = { ...process.env, CI: 'true', NO_COLOR: '1', STRIPE_API_KEY: undefined, DATABASE_URL: undefined, ...options.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
  });
  let stdout = '';
  let stderr = '';
  const watchers: { pattern: RegExp; resolve: (seen: boolean) => void }[] = [];
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of [...watchers]) {
      if (w.pattern.test(stderr)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(true);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const w of watchers.splice(0)) w.resolve(false);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    pid: child.pid ?? -1,
    waitForStderr(pattern) {
      if (pattern.test(stderr)) return Promise.resolve(true);
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(false);
      return new Promise((resolve) => watchers.push({ pattern, resolve }));
    },
    kill(signal) {
      child.kill(signal);
    },
    exited,
    elapsed: () => Date.now() - started,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Matches a Node stack frame: tierctl must never print one. */
export const STACK_FRAME = /\n\s+at /;
