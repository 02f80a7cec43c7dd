import { wantsColor } from '../render/style.js';
import type { InteractiveUi } from '../ui/interactive.js';
import type { Io } from './io.js';

/**
 * Loads the Ink view. The import is dynamic on purpose: only an interactive run
 * (io.interactive: TTY on both ends, not CI) reaches this, so a pipe or CI never
 * loads Ink or React. The type import above is erased at compile time.
 */
export async function loadInteractiveUi(io: Io): Promise<InteractiveUi> {
  const { createInteractiveUi } = await import('../ui/interactive.js');
  return createInteractiveUi({
    stdin: process.stdin,
    live: process.stderr,
    write: io.out,
    columns: (io.stdoutIsTTY ? process.stdout.columns : process.stderr.columns) || 80,
    color: wantsColor({ isTTY: io.stdoutIsTTY }, io.env),
  });
}
