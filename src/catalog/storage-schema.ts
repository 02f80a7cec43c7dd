import { NAME_PATTERN, SQL_COLUMN_PATTERN, SQL_IDENTIFIER_PATTERN } from './patterns.js';

/**
 * The `storage:` section of catalog.yaml: a description of the application's own tier
 * tables (DESIGN.md, "Storage"). Declarative on purpose: every column the app's model has
 * is named with where its value comes from, and nothing else is ever written. The loader
 * (`resolve-storage.ts`) turns it into a `StorageDescription` the store consumes.
 */

const TABLE = { type: 'string', pattern: SQL_IDENTIFIER_PATTERN } as const;
const COLUMN = { type: 'string', pattern: SQL_COLUMN_PATTERN } as const;

/** Tier fields a column may hold, spelled as in a tier file (`billing.provider`). */
export const STORAGE_TIER_FIELDS = ['key', 'name', 'description', 'customer_facing', 'display_order', 'status', 'protected', 'billing.provider', 'billing.fallback_price'] as const;

/** What a `{stripe: ...}` column holds, and the recurring intervals Stripe prices have. */
export const STRIPE_OBJECTS = ['price', 'product'] as const;
export const STRIPE_INTERVALS = ['day', 'week', 'month', 'year'] as const;

const MAP_VALUE = { type: ['string', 'number', 'boolean', 'null'] } as const;

export const columnSourceSchema = {
  description:
    'Where the column\'s value comes from: a tier field (`name`, `billing.provider`, ...), `per_tier` (the tier file\'s `columns:` value of the same name), or an object: {field, map}, {timestamp}, {limit}, {billing_key}, {permissions} or {stripe}.',
  anyOf: [
    { description: 'A tier field, written as is.', enum: STORAGE_TIER_FIELDS },
    { description: 'A per-tier value from the tier file\'s `columns:` map, under this column\'s name.', const: 'per_tier' },
    {
      description: 'A tier field through a value map, read and written both ways (is_active <- status {active: true, retired: false}).',
      type: 'object',
      additionalProperties: false,
      required: ['field', 'map'],
      properties: {
        field: { description: 'The tier field the map reads.', enum: STORAGE_TIER_FIELDS },
        map: {
          description: 'Field value -> column value. Every value the field can take must be listed, and no two may map to the same column value (it must read back).',
          type: 'object',
          minProperties: 1,
          additionalProperties: MAP_VALUE,
        },
      },
    },
    {
      description: 'A timestamp tierctl sets: on create only, or on every write of the row.',
      type: 'object',
      additionalProperties: false,
      required: ['timestamp'],
      properties: { timestamp: { description: 'create: set when tierctl inserts the row. write: set on insert and on every update.', enum: ['create', 'write'] } },
    },
    {
      description: 'One limit as a column (user_limit <- limit users). null (unlimited) is refused for a NOT NULL column.',
      type: 'object',
      additionalProperties: false,
      required: ['limit'],
      properties: { limit: { description: 'The limit name, declared under limits: in catalog.yaml.', type: 'string', pattern: NAME_PATTERN } },
    },
    {
      description: 'A single billing-key column (stripe_lookup_key, whop_product_key): a tier with two lookup keys is refused.',
      type: 'object',
      additionalProperties: false,
      required: ['billing_key'],
      properties: { billing_key: { description: 'stripe: the tier\'s one lookup key. whop: its product key.', enum: ['stripe', 'whop'] } },
    },
    {
      description:
        'An ID Stripe resolves from the tier\'s lookup keys (billing.lookup_keys), never written by hand: {stripe: price, interval: month} is the price among those keys that recurs monthly; {stripe: product} is the product they sell. Plan shows a changed ID as an update; --skip-stripe leaves the column as it is.',
      type: 'object',
      additionalProperties: false,
      required: ['stripe'],
      properties: {
        stripe: { description: 'price: the ID of the price with the given recurring interval. product: the ID of the tier\'s product.', enum: STRIPE_OBJECTS },
        interval: { description: 'For stripe: price, the recurring interval of the price (Stripe\'s recurring.interval).', enum: STRIPE_INTERVALS },
      },
      // A price needs its interval; a product has none.
      if: { properties: { stripe: { const: 'price' } } },
      then: { properties: { interval: { enum: STRIPE_INTERVALS } }, required: ['interval'] },
      else: { properties: { interval: false } },
    },
    {
      description: 'The tier\'s permissions as JSON: an array of names, or an object of flags {"name": true}.',
      type: 'object',
      additionalProperties: false,
      required: ['permissions'],
      properties: { permissions: { description: 'array: ["a", "b"]. object: {"a": true, "b": false} with every declared permission as a flag.', enum: ['array', 'object'] } },
    },
  ],
} as const;

export const storageSchema = {
  description: 'Optional: reconcile into the application\'s own tier tables instead of tierctl\'s. tierctl never creates, alters or drops these tables, and never touches a column not named here. See docs/tables.md and examples/.',
  type: 'object',
  additionalProperties: false,
  required: ['tiers'],
  properties: {
    tiers: {
      description: 'The tier table: one row per tier.',
      type: 'object',
      additionalProperties: false,
      required: ['table', 'key', 'id', 'columns'],
      properties: {
        table: { description: 'The tier table (plain identifier, optionally schema.table).', ...TABLE },
        key: { description: 'The column holding the tier key (unique).', ...COLUMN },
        id: {
          description: 'The integer id column the app\'s foreign keys point at (kept across renames), or null when the key column is the primary key (renames are then refused).',
          anyOf: [COLUMN, { type: 'null' }],
        },
        platform: {
          description: 'Where a tier\'s platform is stored (NULL: a global tier). {column, table, id, code}: the column holds the id of a row of the app\'s platform table, found by the tier file\'s platform: code (platforms.code -> platforms.id; that table is read, never written). {column} alone: the column holds the code itself.',
          type: 'object',
          additionalProperties: false,
          required: ['column'],
          properties: {
            column: { description: 'The tier-table column holding the platform (NULL for a global tier).', ...COLUMN },
            table: { description: 'The app\'s platform table.', ...TABLE },
            id: { description: 'Its integer id column (what the tier column holds).', ...COLUMN },
            code: { description: 'Its unique code column (what a tier file\'s platform: names).', ...COLUMN },
          },
        },
        columns: {
          description: 'Every other column tierctl writes, with where its value comes from. Columns not listed are never touched.',
          type: 'object',
          propertyNames: { pattern: SQL_COLUMN_PATTERN },
          additionalProperties: columnSourceSchema,
        },
      },
    },
    permissions: {
      description: 'Permissions as a join table plus a vocabulary table. Omit it when a column holds them as JSON ({permissions: array|object}) or the app stores none.',
      type: 'object',
      additionalProperties: false,
      required: ['table', 'tier_column', 'permission_column', 'vocabulary'],
      properties: {
        table: { description: 'The join table (one row per grant).', ...TABLE },
        tier_column: { description: 'Join-table column referencing the tier id.', ...COLUMN },
        permission_column: { description: 'Join-table column referencing the permission id.', ...COLUMN },
        vocabulary: {
          description: 'The permission table: one row per permission declared in catalog.yaml.',
          type: 'object',
          additionalProperties: false,
          required: ['table', 'id', 'name'],
          properties: {
            table: { description: 'The permission table.', ...TABLE },
            id: { description: 'Its integer id column.', ...COLUMN },
            name: { description: 'Its unique name column.', ...COLUMN },
            description: { description: 'Its description column, if it has one.', ...COLUMN },
          },
        },
      },
    },
    limits: {
      description: 'Limits as rows of a limit table. Omit it when limits are columns of the tier table ({limit: NAME}).',
      type: 'object',
      additionalProperties: false,
      required: ['table', 'tier_column', 'name_column', 'value_column'],
      properties: {
        table: { description: 'The limit table (one row per tier and limit).', ...TABLE },
        tier_column: { description: 'Column referencing the tier id.', ...COLUMN },
        name_column: { description: 'Column holding the limit name.', ...COLUMN },
        value_column: { description: 'Column holding the value (NULL = unlimited).', ...COLUMN },
      },
    },
    billing_keys: {
      description: 'Billing keys as rows of a key table. Omit it when single columns hold them ({billing_key: stripe|whop}) or the app stores none.',
      type: 'object',
      additionalProperties: false,
      required: ['table', 'tier_column', 'provider_column', 'key_column'],
      properties: {
        table: { description: 'The billing-key table (one row per key).', ...TABLE },
        tier_column: { description: 'Column referencing the tier id.', ...COLUMN },
        provider_column: { description: 'Column holding the provider (stripe or whop).', ...COLUMN },
        key_column: { description: 'Column holding the lookup or product key.', ...COLUMN },
      },
    },
    bookkeeping_prefix: {
      description: 'Prefix of tierctl\'s own bookkeeping tables (audit runs, migration records), so they never collide with an app table. Default: tierctl_.',
      type: 'string',
      pattern: '^[a-z][a-z0-9_]{0,29}_$',
    },
  },
} as const;
