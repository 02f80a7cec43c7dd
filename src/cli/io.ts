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
  guardProcessStderr();
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

/** NODE_DEBUG sections whose output shows request options or wire data (Authorization headers included). */
const LEAKY_DEBUG_SECTIONS = /^(http|http2|https|net|tls|undici|fetch|stripe|child_process|worker)$/i;
let stderrGuarded = false;

/**
 * `NODE_DEBUG=http` (or net, …) makes Node itself print every request's options,
 * `Authorization: Bearer sk_…` included, straight to process.stderr: those writes never
 * pass through Io. Node reads NODE_DEBUG once at startup, so the sections cannot be
 * switched off from here; instead every stderr write of this process is redacted, and
 * the leaky sections are removed from the environment child processes inherit.
 */
export function guardProcessStderr(): void {
  if (stderrGuarded) return;
  stderrGuarded = true;
  const debug = process.env['NODE_DEBUG'];
  if (debug) {
    const kept = debug.split(/[\s,]+/).filter((s) => s && !LEAKY_DEBUG_SECTIONS.test(s) && s !== '*');
    if (kept.length) process.env['NODE_DEBUG'] = kept.join(',');
    else delete process.env['NODE_DEBUG'];
  }
  const write = process.stderr.write.bind(process.stderr) as (chunk: unknown, ...rest: unknown[]) => boolean;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : chunk;
    return write(typeof text === 'string' ? redact(text) : text, ...rest);
  }) as typeof process.stderr.write;
}
