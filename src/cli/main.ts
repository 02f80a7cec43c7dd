import { formatDiagnostic, type Diagnostic } from '../catalog/diagnostic.js';
import { BugError, TierctlError } from '../errors.js';
import { EXIT_CODES } from '../exit-codes.js';
import { fileSystemError } from '../fs-errors.js';
import { visibleMultiline } from '../render/visible.js';
import { registerSecret } from '../secrets.js';
import { TOOL_VERSION } from '../version.js';
import { closest } from '../did-you-mean.js';
import { COMMANDS } from './command-spec.js';
import { commandHelp, usage } from './help.js';
import { parseCommandArgs } from './parse-argv.js';
import { processIo, type Io } from './io.js';

/** The one entry point and the one top-level catch: errors become messages and exit codes, never stack traces. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  registerSecret(io.env['STRIPE_API_KEY']);
  // Set once the arguments asked for JSON: a failure is then JSON on stdout too, for CI tools.
  let json: { command: string } | undefined;
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
      io.out(usage());
      return name === undefined ? EXIT_CODES.error : EXIT_CODES.ok;
    }
    if (name === '--version' || name === '-v' || name === 'version') {
      io.out(`${TOOL_VERSION}\n`);
      return EXIT_CODES.ok;
    }
    // `tierctl help plan` is `tierctl plan --help`.
    const helpFor = name === 'help' ? rest[0] : undefined;
    const wanted = helpFor ?? name;
    const spec = COMMANDS.find((c) => c.name === wanted);
    if (!spec) {
      const near = closest(wanted, COMMANDS.map((c) => c.name));
      throw new TierctlError(`unknown command "${wanted}"${near ? ` (did you mean "${near}"?)` : ''}`, {
        hint: `commands: ${COMMANDS.map((c) => c.name).join(', ')}; tierctl --help describes them`,
      });
    }
    if (helpFor !== undefined || rest.includes('--help') || rest.includes('-h')) {
      io.out(commandHelp(spec));
      return EXIT_CODES.ok;
    }
    const parsed = parseCommandArgs(spec, rest);
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

/** Diagnostics printed before "… and N more". */
export const MAX_PRINTED_DIAGNOSTICS = 200;

function report(thrown: unknown, io: Io): number {
  // Errors that reach here unclassified but are the user's to fix (a missing directory, a permission).
  const err = thrown instanceof TierctlError ? thrown : fileSystemError(thrown) ?? thrown;
  if (err instanceof TierctlError) {
    // Sorted by file and line, so the first ones are where to start; a hostile catalog can
    // hold hundreds of thousands, and printing them all helps nobody.
    const shown = Math.min(err.diagnostics.length, MAX_PRINTED_DIAGNOSTICS);
    for (let i = 0; i < shown; i++) io.err(`${visibleMultiline(formatDiagnostic(err.diagnostics[i] as Diagnostic))}\n`);
    const more = err.diagnostics.length - shown;
    if (more > 0) io.err(`… and ${more} more problem${more === 1 ? '' : 's'} not shown\n`);
    // Messages can quote database rows and Stripe answers: nothing invisible reaches the terminal.
    io.err(`error: ${visibleMultiline(err.message)}\n`);
    if (err.hint) io.err(`hint: ${visibleMultiline(err.hint)}\n`);
    return EXIT_CODES[err.outcome];
  }
  const message = err instanceof Error ? err.message : String(err);
  io.err(`error: tierctl hit an internal problem: ${visibleMultiline(message)}\n`);
  io.err(err instanceof BugError ? 'hint: nothing was changed; please report this with the command you ran\n' : 'hint: nothing was changed; run again with TIERCTL_DEBUG=1 for details, and report it if it persists\n');
  if (io.env['TIERCTL_DEBUG'] === '1' && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
  return EXIT_CODES.error;
}
