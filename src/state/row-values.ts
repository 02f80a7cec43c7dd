import { TierctlError } from '../errors.js';

/**
 * Checks for values read from tierctl's tables. The database is input like any file:
 * a row edited by hand (or by an app with SQLite's loose typing) can hold `'abc'` in an
 * INTEGER column, and `Number('abc')` is NaN, which compares false with everything, so
 * `count >= limit` would pass for ever. Every reader goes through these, so a bad value
 * is an error that names the row, never a number, never "unlimited".
 */
export interface RowRef {
  table: string;
  /** `tier "pro"`, `tier id 7`, `permission "x"`, `row id 3`: which row, in words. */
  row: string;
}

/**
 * A child row of a tier known by its id (`tier id 7`), for readers of many rows: the words
 * are made only when an error reads them, not for each of ~180,000 rows at 10,000 tiers.
 */
export class TierIdRowRef implements RowRef {
  constructor(
    readonly table: string,
    private readonly id: number | string,
  ) {}

  get row(): string {
    return `tier id ${String(this.id)}`;
  }
}

const HINT = 'fix the row in the database (or run `tierctl apply` to write the tier files again); nothing was changed';

function bad(ref: RowRef, column: string, value: unknown, expected: string): TierctlError {
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value) : String(value);
  return new TierctlError(`${ref.table}: ${ref.row}: column ${column} holds ${shown}, which is not ${expected}`, { hint: HINT });
}

/** A whole number JavaScript can hold exactly; drivers hand bigints over as decimal strings. */
export function integerValue(ref: RowRef, column: string, value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  if (typeof value === 'string' && /^-?(0|[1-9][0-9]{0,15})$/.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
  }
  throw bad(ref, column, value, 'a whole number');
}

/** A limit: a whole number of at least 0, or NULL for unlimited. */
/** PostgreSQL hands booleans over as booleans, SQLite as 0 or 1; nothing else is a boolean. */
export function booleanValue(ref: RowRef, column: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  throw bad(ref, column, value, 'a boolean (true/false, or 1/0 in SQLite)');
}

export function textValue(ref: RowRef, column: string, value: unknown): string {
  if (typeof value === 'string') return value;
  throw bad(ref, column, value, 'text');
}

export function nullableTextValue(ref: RowRef, column: string, value: unknown): string | null {
  return value === null ? null : textValue(ref, column, value);
}

export function enumValue<T extends string>(ref: RowRef, column: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw bad(ref, column, value, `one of ${allowed.join(', ')}`);
}
