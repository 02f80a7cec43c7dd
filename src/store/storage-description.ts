/**
 * The resolved storage description: what the store consumes (STORAGE-SKETCH.md, agreed
 * between store-port and store-mapped). tierctl's own tables are the built-in description;
 * catalog.yaml's `storage:` resolves to an 'app' description (catalog/resolve-storage.ts).
 */
export type TierField =
  | 'key' | 'name' | 'description' | 'customer_facing' | 'display_order' | 'status'
  | 'protected' | 'billing.provider' | 'billing.fallback_price';

export type ColumnValue = string | number | boolean | null;

export type ColumnSource =
  | { kind: 'field'; field: TierField }
  | { kind: 'map'; field: TierField; values: Record<string, ColumnValue> }
  | { kind: 'timestamp'; on: 'create' | 'write' }
  | { kind: 'tier-column'; name: string }
  | { kind: 'limit'; limit: string }
  | { kind: 'billing-key'; provider: 'stripe' | 'whop' }
  | { kind: 'permissions-json'; shape: 'array' | 'object' };

export interface StorageDescription {
  /** 'builtin' for tierctl's own tables (migrated by tierctl); 'app' for an app's tables (never created/altered/dropped). */
  origin: 'builtin' | 'app';
  /** Where catalog.yaml declared it, for file:line errors (null for builtin). */
  at: { file: string; line: number; col: number } | null;
  tier: {
    table: string;
    keyColumn: string;
    /** The integer id column the app's foreign keys point at (kept across renames); null when the key IS the primary key (renames refused). */
    idColumn: string | null;
    columns: Record<string, ColumnSource>;
  };
  limits:
    | { kind: 'rows'; table: string; tierIdColumn: string; nameColumn: string; valueColumn: string }
    | { kind: 'columns' };
  permissions:
    | { kind: 'join'; table: string; tierIdColumn: string; permissionIdColumn: string;
        vocabulary: { table: string; idColumn: string; nameColumn: string; descriptionColumn: string | null } }
    | { kind: 'json' }
    | { kind: 'none' };
  billingKeys:
    | { kind: 'rows'; table: string; tierIdColumn: string; providerColumn: string; keyColumn: string }
    | { kind: 'columns' }
    | { kind: 'none' };
  subscribers: { table: string; column: string; references: 'id' | 'key' } | null;
  /** tierctl's bookkeeping (reconcile_run, migration records): a table-name prefix so it can never collide with an app table. */
  bookkeeping: { prefix: string };
}
