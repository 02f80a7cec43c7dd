import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { BIN } from './cli.js';

/**
 * Runs the real tierctl in a pseudo-terminal through util-linux `script`, so stdin and
 * stdout are TTYs exactly as for a person at a terminal. CI markers are removed
 * (tierctl and Ink both treat CI as non-interactive). Input is written only after the
 * awaited text has appeared, never after a fixed delay.
 */
export interface PtyRun {
  /** Everything the terminal showed so far, escape sequences removed. */
  screen(): string;
  waitFor(text: string): Promise<void>;
  type(keys: string): void;
  exited: Promise<number | null>;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** `bin`: another tierctl launcher than this checkout's (the packed package's, say). */
export function runInPty(args: string[], options: { cwd: string; env?: Record<string, string | undefined>; stdoutFile?: string; bin?: string }): PtyRun {
  const env: Record<string, string | undefined> = { ...process.env, TERM: 'xterm', STRIPE_API_KEY: undefined, DATABASE_URL: undefined, NO_COLOR: undefined, ...options.env };
  for (const k of ['CI', 'CONTINUOUS_INTEGRATION']) delete env[k];
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  // A pty made by `script` without a terminal behind it has no size; give it one.
  // stdoutFile: stdout redirected away from the terminal (as `tierctl apply | tee log`), stdin and stderr still on it.
  const redirect = options.stdoutFile ? ` > ${quote(options.stdoutFile)}` : '';
  const command = `stty cols 100 rows 40; exec ${[process.execPath, options.bin ?? BIN, ...args].map(quote).join(' ')}${redirect}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: options.cwd, env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let raw = '';
  const waiters: { text: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  const settle = () => {
    const shown = stripVTControlCharacters(raw);
    for (const w of [...waiters]) {
      if (!shown.includes(w.text)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    raw += d.toString();
    settle();
  });
  child.stderr.on('data', (d: Buffer) => (raw += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`tierctl exited (${code}) before showing "${w.text}":\n${stripVTControlCharacters(raw)}`));
      child.stdin.destroy();
      resolve(code);
    });
  });
  return {
    screen: () => stripVTControlCharacters(raw),
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ text, resolve, reject });
        settle();
      }),
    type: (keys) => void child.stdin.write(keys),
    exited,
  };
}
