/** Rows per multi-row INSERT: well under SQLite's 32,766 bound parameters and PostgreSQL's 65,535. */
export const ROWS_PER_STATEMENT = 500;

export function chunk<T>(items: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `(?, ?, ?), (?, ?, ?)` for a multi-row INSERT with positional replacements. */
export function valuesClause(rows: number, columns: number): string {
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => row).join(', ');
}

/** `?, ?, ?` for an IN list. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}
