/** The lines init adds to .gitignore: the embedded default database and its journal. */
const IGNORED = ['tierctl.sqlite', 'tierctl.sqlite-journal'];

/**
 * .gitignore text (undefined: no file yet) with the local database ignored. Pure and
 * idempotent: lines already there (as `tierctl.sqlite` or `/tierctl.sqlite`, or a
 * `*.sqlite` pattern) are not added again, and a file that needs nothing is returned as is.
 */
export function ignoreLocalDatabase(text: string | undefined): string {
  const lines = (text ?? '').split(/\r?\n/).map((l) => l.trim());
  const covered = (name: string) => lines.some((l) => l === name || l === `/${name}` || (l === '*.sqlite' && name.endsWith('.sqlite')) || (l === '*.sqlite-journal' && name.endsWith('-journal')));
  const missing = IGNORED.filter((n) => !covered(n));
  if (!missing.length) return text ?? '';
  const base = text === undefined || text === '' ? '' : text.endsWith('\n') ? text : `${text}\n`;
  return `${base}# tierctl's local database (the default --database sqlite:tierctl.sqlite)\n${missing.join('\n')}\n`;
}
