/** Minimal ANSI styling: the plain-text renderer must not pull in a colour library. */
export interface Style {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

export const COLOR: Style = { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), cyan: wrap(36, 39), bold: wrap(1, 22), dim: wrap(2, 22) };
const id = (s: string) => s;
export const PLAIN: Style = { green: id, red: id, yellow: id, cyan: id, bold: id, dim: id };

/** Colour only on a TTY, never with NO_COLOR (https://no-color.org) or in CI. */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['FORCE_COLOR'] && env['FORCE_COLOR'] !== '0') return true;
  return Boolean(stream.isTTY) && env['CI'] !== 'true' && env['TERM'] !== 'dumb';
}
