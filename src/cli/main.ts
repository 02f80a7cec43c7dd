import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../catalog/diagnostic.js';
import { BugError, TierctlError } from '../errors.js';
import { EXIT_CODES } from '../exit-codes.js';
import { fileSystemError } from '../fs-errors.js';
import { registerSecret } from '../secrets.js';
import { TOOL_VERSION } from '../version.js';
import { COMMANDS, type CommandSpec } from './command-spec.js';
import { processIo, type Io } from './io.js';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'tierctl: subscription tiers as code (YAML files -> SQL database, verified against Stripe)',
    '',
    'Usage: tierctl <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `tierctl <command> --help` for a command\'s options.',
    'Exit codes: 0 ok/no changes, 1 error, 2 changes (--detailed-exitcode), 3 destructive or blocked, 4 stale plan or lock timeout.',
    '',
  ].join('\n');
}

function commandHelp(c: CommandSpec): string {
  return `${c.summary}\n\nUsage: ${c.usage}\n\nDATABASE URL: --database, else $DATABASE_URL, else sqlite:tierctl.sqlite\n`;
}

/** The one entry point and the one top-level catch: errors become messages and exit codes, never stack traces. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  registerSecret(io.env['STRIPE_API_KEY']);
  // Set once the arguments asked for JSON: a failure is then JSON on stdout too, for CI tools.
  let json: { command: string } | undefined;
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.out(usage());
      return name === undefined ? EXIT_CODES.error : EXIT_CODES.ok;
    }
    if (name === '--version' || name === '-v' || name === 'version') {
      io.out(`${TOOL_VERSION}\n`);
      return EXIT_CODES.ok;
    }
    const spec = COMMANDS.find((c) => c.name === name);
    if (!spec) throw new TierctlError(`unknown command "${name}"`, { hint: `commands: ${COMMANDS.map((c) => c.name).join(', ')}` });
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(commandHelp(spec));
      return EXIT_CODES.ok;
    }
    let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
    try {
      parsed = parseArgs({ args: rest, options: spec.options, allowPositionals: true, strict: true }) as typeof parsed;
    } catch (err) {
      throw new TierctlError((err as Error).message.split('\n')[0] ?? 'invalid arguments', { hint: `usage: ${spec.usage}` });
    }
    if (parsed.positionals.length > (spec.positionals ?? 0)) {
      throw new TierctlError(`unexpected argument "${parsed.positionals[spec.positionals ?? 0]}"`, { hint: `usage: ${spec.usage}` });
    }
    if (parsed.values['format'] === 'json') json = { command: spec.name };
    const command = await spec.load();
    const outcome = await command.run(parsed.values, parsed.positionals, io);
    return EXIT_CODES[outcome];
  } catch (err) {
    const code = report(err, io);
    if (json) io.out(`${JSON.stringify(errorJson(fileSystemError(err) ?? err, json.command, code), null, 2)}\n`);
    return code;
  }
}

/**
 * A failed command's machine output (`--format json`): the message, hint and every
 * diagnostic (file, line, col, message, hint), with the exit code. The human text still
 * goes to stderr.
 */
function errorJson(err: unknown, command: string, code: number): Record<string, unknown> {
  const known = err instanceof TierctlError;
  return {
    ...(command === 'validate' ? { valid: false } : {}),
    error: {
      message: known ? err.message : `tierctl hit an internal problem: ${err instanceof Error ? err.message : String(err)}`,
      hint: known ? err.hint ?? null : 'run again with TIERCTL_DEBUG=1 for details, and report it if it persists',
    },
    exit_code: code,
    diagnostics: known ? err.diagnostics.map((d) => ({ file: d.file, line: d.line, col: d.col, message: d.message, hint: d.hint ?? null })) : [],
  };
}

function report(thrown: unknown, io: Io): number {
  // Errors that reach here unclassified but are the user's to fix (a missing directory, a permission).
  const err = thrown instanceof TierctlError ? thrown : fileSystemError(thrown) ?? thrown;
  if (err instanceof TierctlError) {
    for (const d of err.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
    io.err(`error: ${err.message}\n`);
    if (err.hint) io.err(`hint: ${err.hint}\n`);
    return EXIT_CODES[err.outcome];
  }
  const message = err instanceof Error ? err.message : String(err);
  io.err(`error: tierctl hit an internal problem: ${message}\n`);
  io.err(err instanceof BugError ? 'hint: nothing was changed; please report this with the command you ran\n' : 'hint: nothing was changed; run again with TIERCTL_DEBUG=1 for details, and report it if it persists\n');
  if (io.env['TIERCTL_DEBUG'] === '1' && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
  return EXIT_CODES.error;
}
