/**
 * Patterns shared by the tier, catalog and storage schemas (a module of its own so the
 * storage schema can use them without a cycle through schemas.ts).
 */

/** Permission and limit names: `batches.create`, `invoice_eu_vat`, `api:write`. */
export const NAME_PATTERN = '^[a-z][a-z0-9_.:-]{0,63}$';
/** An SQL identifier, optionally schema-qualified, never quoted or computed. */
export const SQL_IDENTIFIER_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?$';
/** An SQL column name: one plain identifier. */
export const SQL_COLUMN_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,62}$';
/**
 * Platform codes (DESIGN.md, "Platforms"): `loyalty`, `oms`. No `@` (a scoped tier is named
 * `key@platform`), no `.` or `/` (import writes `key@platform.yaml`).
 */
export const PLATFORM_CODE_PATTERN = '^[a-z][a-z0-9_-]{0,31}$';
