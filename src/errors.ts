import type { Diagnostic } from './catalog/diagnostic.js';

/** What an outcome means to the caller; `exit-codes.ts` maps each to a process exit code. */
export type Outcome = 'ok' | 'error' | 'changes' | 'destructive' | 'stale';

/**
 * The one error base class for problems the user can fix. Its message is shown as is,
 * with the hint on the next line; no stack trace ever reaches the terminal.
 */
export class TierctlError extends Error {
  readonly hint: string | undefined;
  readonly outcome: Outcome;
  readonly diagnostics: readonly Diagnostic[];

  constructor(
    message: string,
    options: { hint?: string; outcome?: Outcome; diagnostics?: readonly Diagnostic[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TierctlError';
    this.hint = options.hint;
    this.outcome = options.outcome ?? 'error';
    this.diagnostics = options.diagnostics ?? [];
  }
}

/** Input files are invalid: carries every diagnostic found in one run. */
export class InvalidCatalogError extends TierctlError {
  constructor(diagnostics: readonly Diagnostic[], what = 'tier files') {
    super(`${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} in the ${what}`, {
      diagnostics,
      hint: 'fix the lines above and run the command again; nothing was changed',
    });
    this.name = 'InvalidCatalogError';
  }
}

/** The saved plan no longer matches the database, or the lock could not be taken in time. */
export class StaleError extends TierctlError {
  constructor(message: string, hint: string, details: string[] = []) {
    super(details.length ? `${message}\n${details.map((d) => `  ${d}`).join('\n')}` : message, {
      hint,
      outcome: 'stale',
    });
    this.name = 'StaleError';
  }
}

/** A bug in tierctl itself (an invariant broke). Reported with a request to file an issue. */
export class BugError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BugError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
