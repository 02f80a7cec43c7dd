import { redact } from '../secrets.js';

/**
 * Where a command writes: machine output (plans, JSON) to stdout, progress and
 * errors to stderr. Every write is redacted, so a secret echoed by a driver or SDK
 * cannot reach the terminal.
 */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdoutIsTTY: boolean;
  stdinIsTTY: boolean;
  /** Where prompts and progress draw; undefined (older callers) reads as stdoutIsTTY. */
  stderrIsTTY?: boolean;
  /** A person is at a terminal: TTY on both ends and not CI. Ink and prompts only then. */
  interactive: boolean;
}

/**
 * A person can answer a prompt: the keyboard (stdin) and the screen the prompt draws on
 * (stderr) are a terminal, outside CI. stdout may be a pipe (`tierctl apply | tee log`):
 * the plan then goes to the pipe as plain text and the question to the terminal.
 */
export function canAsk(io: Io): boolean {
  return io.stdinIsTTY && (io.stderrIsTTY ?? io.stdoutIsTTY) && io.env['CI'] !== 'true' && io.env['CI'] !== '1';
}

export function processIo(): Io {
  const env = process.env;
  const stdoutIsTTY = Boolean(process.stdout.isTTY);
  const stdinIsTTY = Boolean(process.stdin.isTTY);
  return {
    out: (text) => void process.stdout.write(redact(text)),
    err: (text) => void process.stderr.write(redact(text)),
    env,
    cwd: process.cwd(),
    stdoutIsTTY,
    stdinIsTTY,
    stderrIsTTY: Boolean(process.stderr.isTTY),
    interactive: stdoutIsTTY && stdinIsTTY && env['CI'] !== 'true' && env['CI'] !== '1',
  };
}
