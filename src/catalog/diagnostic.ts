/** A problem in an input file, pointing at the offending node. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
  hint?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.col}`;
  return d.hint ? `${where}: ${d.message} (${d.hint})` : `${where}: ${d.message}`;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.col - b.col || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}
