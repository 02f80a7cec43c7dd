import { MAX_LIMIT_VALUE } from '../catalog/schemas.js';
import { TierctlError } from '../errors.js';

/**
 * A limit value as the driver returns it (PostgreSQL's BIGINT arrives as a string, SQLite's
 * INTEGER as a number) turned into a number, or refused: a value past 2^53 - 1 would be
 * rounded by Number() and then compared, planned and served wrong without a word.
 * `where.tier` is the tier in words: its key quoted (`"pro"`), or `id 7` when the key is unknown.
 * The one reader of stored limits (tier rows and the store's child rows alike).
 */
export function storedLimitValue(raw: unknown, where: { table: string; limit: string; tier: string; column?: string }): number | null {
  const value = limitValueOf(raw);
  if (value !== undefined) return value;
  throw new TierctlError(
    `${where.table} holds ${shown(raw)} for limit "${where.limit}" (tier ${where.tier}), which is not a whole number from 0 to ${MAX_LIMIT_VALUE}${where.column ? ` (column ${where.column})` : ''}`,
    { hint: `the row was edited outside tierctl; set it to a value in range (or NULL for unlimited), or delete the row and run \`tierctl apply\`` },
  );
}

/**
 * The check of `storedLimitValue` without the error: the value, or undefined when it is refused.
 * For a reader of many rows that words its error (the tier's key) only when there is one.
 */
export function limitValueOf(raw: unknown): number | null | undefined {
  if (raw === null || raw === undefined) return null;
  const value = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : typeof raw === 'number' || typeof raw === 'bigint' ? Number(raw) : NaN;
  return Number.isSafeInteger(value) && value >= 0 && value <= MAX_LIMIT_VALUE ? value : undefined;
}

/** A stored value as an error shows it: strings quoted and cut short, so a huge or odd value stays readable. */
function shown(raw: unknown): string {
  return typeof raw === 'string' && !/^-?\d+$/.test(raw) ? JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw) : String(raw);
}
