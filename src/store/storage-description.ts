/**
 * A resolved storage description: where a catalog lives in SQL tables and how each
 * column maps to the tier model. tierctl's own tables are the built-in description
 * (`builtinStorage`); an app's own tables come from catalog.yaml's `storage:` section
 * (store-mapped resolves and validates it into this same shape). The store
 * (`sequelize-tier-store.ts`) consumes only this: it never guesses a table or column.
 */

/** Scalars a per-tier app column (`columns:` in a tier file) or a value map may hold. */
export type ColumnScalar = string | number | boolean | null;

/**
 * Tier fields a column can take its value from, spelled as in the tier model
 * (src/catalog/model.ts); the YAML spelling (`billing.provider`) is resolved by the loader.
 */
export type TierField =
  | 'key'
  | 'name'
  | 'description'
  | 'customer_facing'
  | 'display_order'
  | 'status'
  | 'protected'
  | 'billing_provider'
  | 'fallback_price';

export type ColumnSource =
  /** name ← name */
  | { kind: 'field'; field: TierField }
  /** is_active ← status {active: true, retired: false}; read back through the inverse map. */
  | { kind: 'map'; field: TierField; values: Record<string, ColumnScalar> }
  /** created_at (set when the row is created) / updated_at (set on every write). */
  | { kind: 'timestamp'; on: 'create' | 'write' }
  /** A per-tier value from the tier file's `columns:` map. */
  | { kind: 'tier-column'; name: string }
  /** user_limit ← limit `users` (limits as columns; `limits.kind === 'columns'`). */
  | { kind: 'limit'; limit: string }
  /** stripe_lookup_key: one billing key in one column (`billingKeys.kind === 'columns'`). */
  | { kind: 'billing-key'; provider: 'stripe' | 'whop' }
  /** features: ["a","b"] (array) or {"a": true} (object) (`permissions.kind === 'json'`). */
  | { kind: 'permissions-json'; shape: 'array' | 'object' }
  /**
   * An ID Stripe resolves from the tier's lookup keys (plan/resolve-stripe-ids.ts): the price
   * recurring at `interval`, or the product. Held in the model's `columns` under the column's
   * name, like a per-tier value, but never taken from a tier file.
   */
  | { kind: 'stripe'; object: 'price'; interval: StripeInterval }
  | { kind: 'stripe'; object: 'product' };

/** A Stripe price's recurring.interval. */
export type StripeInterval = 'day' | 'week' | 'month' | 'year';

/** Where catalog.yaml declared something, for file:line errors. */
export interface SourceAt {
  file: string;
  line: number;
  col: number;
}

export interface TierTableDescription {
  table: string;
  keyColumn: string;
  /** The integer id column the app's foreign keys point at (kept across renames); null when the key IS the primary key (renames refused). */
  idColumn: string | null;
  /** Column name → its source. The key and id columns are not listed here. Columns not named are never read or written. */
  columns: Record<string, ColumnSource>;
  /** Where a tier's platform is stored (DESIGN.md, "Platforms"); absent or null: every tier is global. */
  platform?: PlatformStorage | null;
  /** SQL type of a column where its source does not imply it (e.g. `tier-column`); store-mapped fills it from the live table. */
  types?: Record<string, 'string' | 'text' | 'integer' | 'bigint' | 'boolean' | 'json' | 'date' | 'decimal'>;
  /** Columns the live table declares NOT NULL (filled by open-app-store for `stripe` columns: no match is then an error, not null). */
  notNull?: string[];
}

/**
 * A tier's platform: NULL for a global tier, else its code, stored as the code itself
 * (tierctl's own `subscription_tier.platform`) or as the id of the app's platform row, found
 * by code (`platforms.code` -> `platforms.id`; the app's table is read in one statement,
 * never written).
 */
export type PlatformStorage =
  | { kind: 'code'; column: string }
  | { kind: 'table'; column: string; table: string; idColumn: string; codeColumn: string };

export type LimitStorage =
  | { kind: 'rows'; table: string; tierIdColumn: string; nameColumn: string; valueColumn: string }
  /** One column per limit, each declared in `tier.columns` with a `limit` source. */
  | { kind: 'columns' };

export type PermissionStorage =
  | {
      kind: 'join';
      table: string;
      tierIdColumn: string;
      permissionIdColumn: string;
      vocabulary: { table: string; idColumn: string; nameColumn: string; descriptionColumn: string | null };
    }
  /** One JSON column declared in `tier.columns` with a `permissions-json` source. */
  | { kind: 'json' }
  | { kind: 'none' };

export type BillingKeyStorage =
  | { kind: 'rows'; table: string; tierIdColumn: string; providerColumn: string; keyColumn: string }
  /** Single columns declared in `tier.columns` with `billing-key` sources. */
  | { kind: 'columns' }
  | { kind: 'none' };

export interface SubscribersDescription {
  table: string;
  column: string;
  /** What the column holds: the tier's id column, or its key. */
  references: 'id' | 'key';
}

export interface StorageDescription {
  /** 'builtin' for tierctl's own tables (migrated by tierctl); 'app' for an app's tables (never created, altered or dropped). */
  origin: 'builtin' | 'app';
  /** Where catalog.yaml declared it, for file:line errors (null for builtin). */
  at: SourceAt | null;
  tier: TierTableDescription;
  limits: LimitStorage;
  permissions: PermissionStorage;
  billingKeys: BillingKeyStorage;
  subscribers: SubscribersDescription | null;
  /**
   * tierctl's bookkeeping tables (reconcile_run, migration records) take this prefix, and
   * for 'builtin' its tier tables too, so they can never collide with an app's table.
   * '' (the default) is the 0.1.0 layout.
   */
  bookkeeping: { prefix: string };
}

/** The bookkeeping table names for a prefix. */
export function bookkeepingTables(prefix: string): { run: string; migration: string } {
  return { run: `${prefix}reconcile_run`, migration: `${prefix}tierctl_migration` };
}

/** Unprefixed names of tierctl's own tier tables (the 0.1.0 layout). */
export const BUILTIN_TABLE_NAMES = {
  tier: 'subscription_tier',
  permission: 'permission',
  tierPermission: 'subscription_tier_permission',
  limit: 'tier_limit',
  billingKey: 'tier_billing_key',
} as const;

/** A table prefix: empty, or a plain lowercase identifier start ending in `_`. */
export const TABLE_PREFIX_PATTERN = /^(?:[a-z][a-z0-9_]{0,30}_)?$/;

/**
 * tierctl's own tables as a description: what migrations/ create, with `prefix` in front
 * of every table name. `subscribers` comes from catalog.yaml (by id) or is null.
 */
export function builtinStorage(options: { prefix?: string; subscribers?: { table: string; column: string } | null } = {}): StorageDescription {
  const prefix = options.prefix ?? '';
  const t = (name: string) => `${prefix}${name}`;
  return {
    origin: 'builtin',
    at: null,
    tier: {
      table: t(BUILTIN_TABLE_NAMES.tier),
      keyColumn: 'key',
      idColumn: 'id',
      // migrations/0003-platform-scoped-tiers.ts; a database still before it reads as all-global.
      platform: { kind: 'code', column: 'platform' },
      columns: {
        name: { kind: 'field', field: 'name' },
        description: { kind: 'field', field: 'description' },
        customer_facing: { kind: 'field', field: 'customer_facing' },
        display_order: { kind: 'field', field: 'display_order' },
        status: { kind: 'field', field: 'status' },
        protected: { kind: 'field', field: 'protected' },
        billing_provider: { kind: 'field', field: 'billing_provider' },
        fallback_price: { kind: 'field', field: 'fallback_price' },
        created_at: { kind: 'timestamp', on: 'create' },
        updated_at: { kind: 'timestamp', on: 'write' },
      },
    },
    limits: { kind: 'rows', table: t(BUILTIN_TABLE_NAMES.limit), tierIdColumn: 'tier_id', nameColumn: 'limit_key', valueColumn: 'value' },
    permissions: {
      kind: 'join',
      table: t(BUILTIN_TABLE_NAMES.tierPermission),
      tierIdColumn: 'tier_id',
      permissionIdColumn: 'permission_id',
      vocabulary: { table: t(BUILTIN_TABLE_NAMES.permission), idColumn: 'id', nameColumn: 'name', descriptionColumn: 'description' },
    },
    billingKeys: { kind: 'rows', table: t(BUILTIN_TABLE_NAMES.billingKey), tierIdColumn: 'tier_id', providerColumn: 'provider', keyColumn: 'key' },
    subscribers: options.subscribers ? { ...options.subscribers, references: 'id' } : null,
    bookkeeping: { prefix },
  };
}

/** Tier model fields (src/catalog/model.ts) a storage can hold. */
export type TrackedField = Exclude<TierField, 'key'> | 'billing_keys' | 'limits' | 'permissions' | 'columns';

/**
 * Which tier fields this storage holds: the planner compares only these, and loading
 * refuses a tier file that needs another (e.g. `status: retired` with no status column).
 */
export function trackedFields(d: StorageDescription): Set<TrackedField> {
  const out = new Set<TrackedField>();
  for (const source of Object.values(d.tier.columns)) {
    if ((source.kind === 'field' || source.kind === 'map') && source.field !== 'key') out.add(source.field);
    if (source.kind === 'tier-column' || source.kind === 'stripe') out.add('columns');
    if (source.kind === 'limit') out.add('limits');
    if (source.kind === 'billing-key') out.add('billing_keys');
    if (source.kind === 'permissions-json') out.add('permissions');
  }
  if (d.limits.kind === 'rows') out.add('limits');
  if (d.permissions.kind === 'join') out.add('permissions');
  if (d.billingKeys.kind === 'rows') out.add('billing_keys');
  return out;
}

/** Every table a description names (tier tables, then bookkeeping), for collision checks and listings. */
export function describedTables(d: StorageDescription): { tier: string[]; bookkeeping: string[] } {
  const tier = [d.tier.table];
  if (d.tier.platform?.kind === 'table') tier.push(d.tier.platform.table);
  if (d.permissions.kind === 'join') tier.push(d.permissions.vocabulary.table, d.permissions.table);
  if (d.limits.kind === 'rows') tier.push(d.limits.table);
  if (d.billingKeys.kind === 'rows') tier.push(d.billingKeys.table);
  const b = bookkeepingTables(d.bookkeeping.prefix);
  return { tier, bookkeeping: [b.run, b.migration] };
}
