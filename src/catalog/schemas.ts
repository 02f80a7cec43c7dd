import type { FromSchema } from 'json-schema-to-ts';
import { NAME_PATTERN, PLATFORM_CODE_PATTERN, SQL_COLUMN_PATTERN, SQL_IDENTIFIER_PATTERN } from './patterns.js';
import { storageSchema } from './storage-schema.js';

export { NAME_PATTERN, PLATFORM_CODE_PATTERN, SQL_COLUMN_PATTERN, SQL_IDENTIFIER_PATTERN };

/**
 * The JSON Schemas of tierctl's input files. This module is the one source: the
 * TypeScript types below are derived from these objects, and `schemas/*.json` are
 * written from them by `npm run schemas` (a test fails when the two drift apart).
 */

const SCHEMA_BASE = 'https://tierctl.dev/schemas';
/** Tier keys are stable row identifiers and end up in URLs and code: keep them boring. */
export const TIER_KEY_PATTERN = '^[a-z][a-z0-9_]{1,31}$';
/** Stripe lookup keys: up to 200 printable characters, no spaces. */
export const STRIPE_LOOKUP_KEY_PATTERN = '^[\\x21-\\x7e]{1,200}$';
/** Stripe Entitlements feature lookup keys: up to 80 printable characters, no spaces. */
export const STRIPE_FEATURE_KEY_PATTERN = '^[\\x21-\\x7e]{1,80}$';
/** Whop product ids look like `prod_XXXXXXXX`. */
export const WHOP_PRODUCT_KEY_PATTERN = '^prod_[A-Za-z0-9]{1,64}$';
/** One line of text without control characters. */
const SINGLE_LINE = '^[^\\x00-\\x1f\\x7f]*$';
/** Free text: tabs and newlines allowed, other control characters not. */
const MULTI_LINE = '^[^\\x00-\\x08\\x0b-\\x1f\\x7f]*$';
/**
 * The largest limit value: 2^53 - 1, the largest whole number a JavaScript number holds
 * exactly (byte quotas and monthly API calls need more than 2^31; the database column is
 * 64-bit, migrations/0002-limits-64-bit.ts).
 */
export const MAX_LIMIT_VALUE = 9007199254740991;

export const tierSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `${SCHEMA_BASE}/tier.schema.json`,
  title: 'tierctl tier',
  description: 'One subscription tier. Every tiers/*.yaml file except catalog.yaml holds exactly one.',
  type: 'object',
  additionalProperties: false,
  // billing is required by the rules, not here: a storage that holds no billing provider
  // (catalog.yaml storage:) takes tier files without it.
  required: ['key', 'name'],
  properties: {
    key: {
      description: 'Stable identifier of the tier, unique across files. Changing it is a rename: list the old key in renamed_from.',
      type: 'string',
      pattern: TIER_KEY_PATTERN,
    },
    platform: {
      description: 'The platform this tier belongs to (a code declared under platforms: in catalog.yaml, or in the app\'s platform table with storage:). Absent: a global tier. The key is unique within its platform, so `essential` may exist globally and on a platform; plans name a platform tier `key@platform`.',
      type: 'string',
      pattern: PLATFORM_CODE_PATTERN,
    },
    name: {
      description: 'Display name shown to customers and staff.',
      type: 'string',
      minLength: 1,
      maxLength: 128,
      pattern: SINGLE_LINE,
    },
    description: {
      description: 'Longer text shown on pricing pages.',
      type: 'string',
      maxLength: 4000,
      pattern: MULTI_LINE,
    },
    customer_facing: {
      description: 'Shown on the pricing page and offered at signup. false for internal or invite-only tiers.',
      type: 'boolean',
      default: true,
    },
    display_order: {
      description: 'Sort position on pricing pages, lowest first.',
      type: 'integer',
      minimum: 0,
      maximum: 1000000,
      default: 0,
    },
    status: {
      description: 'active: offered. retired: kept for existing subscribers, hidden, no new signups. Retiring is the everyday way to end a tier.',
      enum: ['active', 'retired'],
      default: 'active',
    },
    protected: {
      description: 'true: the tier can never be deleted or retired (for example the exempt tier staff accounts rely on). Stored in the database, so deleting the file does not lift it.',
      type: 'boolean',
      default: false,
    },
    renamed_from: {
      description: 'Earlier keys of this tier, on its own platform. The plan renames the existing row (keeping its id and subscribers) instead of deleting and creating.',
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', pattern: TIER_KEY_PATTERN },
    },
    billing: {
      description: 'How the tier is paid for. Stripe is the source of truth for prices; the tier only names them.',
      type: 'object',
      additionalProperties: false,
      required: ['provider'],
      properties: {
        provider: {
          description: 'stripe: billed through Stripe Prices named by lookup_keys. whop: billed through one Whop product. exempt: never billed (staff, partners).',
          enum: ['stripe', 'whop', 'exempt'],
        },
        lookup_keys: {
          description: 'Stripe Price lookup keys (for example monthly and yearly). Each must resolve to an active Price of one active Product.',
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { type: 'string', pattern: STRIPE_LOOKUP_KEY_PATTERN },
        },
        product_key: {
          description: 'The Whop product key (provider whop only).',
          type: 'string',
          pattern: WHOP_PRODUCT_KEY_PATTERN,
        },
        fallback_price: {
          description: 'Display-only price text such as "$9/mo", for when the provider cannot be reached. Never charged, never a price source.',
          type: 'string',
          maxLength: 32,
          pattern: SINGLE_LINE,
        },
      },
    },
    limits: {
      description: 'Limit values by name, each declared in catalog.yaml. null means unlimited.',
      type: 'object',
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: {
        anyOf: [
          { type: 'integer', minimum: 0, maximum: MAX_LIMIT_VALUE },
          { type: 'null' },
        ],
      },
    },
    permissions: {
      description: 'Permissions granted by this tier, each declared in catalog.yaml.',
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', pattern: NAME_PATTERN },
    },
    columns: {
      description: 'Values for the app\'s own columns that catalog.yaml storage: declares as per_tier (for example price, currency). Only with a storage: section.',
      type: 'object',
      propertyNames: { pattern: SQL_COLUMN_PATTERN },
      additionalProperties: {
        anyOf: [
          { type: 'string', maxLength: 4000, pattern: MULTI_LINE },
          { type: 'number' },
          { type: 'boolean' },
          { type: 'null' },
        ],
      },
    },
  },
} as const;

export const catalogSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `${SCHEMA_BASE}/catalog.schema.json`,
  title: 'tierctl catalog',
  description: 'tiers/catalog.yaml: the vocabulary every tier draws from.',
  type: 'object',
  additionalProperties: false,
  required: ['permissions', 'limits'],
  properties: {
    permissions: {
      description: 'Every permission a tier may grant: `name: description`, or `name: { description, stripe_feature }` when a Stripe Entitlements feature represents it.',
      type: 'object',
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: {
        anyOf: [
          { type: 'string', maxLength: 500, pattern: SINGLE_LINE },
          {
            type: 'object',
            additionalProperties: false,
            required: ['description'],
            properties: {
              description: { description: 'What the permission allows.', type: 'string', maxLength: 500, pattern: SINGLE_LINE },
              stripe_feature: {
                description: 'Lookup key of the Stripe Entitlements feature that represents this permission. Verification then checks that the product of every Stripe-billed tier has exactly the features of its permissions (read-only).',
                type: 'string',
                pattern: STRIPE_FEATURE_KEY_PATTERN,
              },
            },
          },
        ],
      },
    },
    limits: {
      description: 'Every limit a tier may set. A tier value of null means unlimited.',
      type: 'object',
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          description: { description: 'What the limit counts.', type: 'string', maxLength: 500, pattern: SINGLE_LINE },
        },
      },
    },
    platforms: {
      description: 'Optional: the platforms (products sold from one database) a tier may belong to, by code. A tier file with `platform: CODE` must name one declared here (with storage:, the app\'s platform table may list them instead).',
      type: 'object',
      propertyNames: { pattern: PLATFORM_CODE_PATTERN },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { description: 'Display name of the platform.', type: 'string', minLength: 1, maxLength: 128, pattern: SINGLE_LINE },
          description: { description: 'What the platform is.', type: 'string', maxLength: 500, pattern: SINGLE_LINE },
        },
      },
    },
    subscribers: {
      description: 'Optional: where the application records which tier an organization is on; used to refuse deleting a tier that still has subscribers.',
      type: 'object',
      additionalProperties: false,
      required: ['table', 'column'],
      properties: {
        table: { description: 'Table holding subscribers (plain identifier, optionally schema.table).', type: 'string', pattern: SQL_IDENTIFIER_PATTERN },
        column: { description: 'Column referencing the tier (subscription_tier.id, or the tier table of storage:).', type: 'string', pattern: SQL_COLUMN_PATTERN },
        references: {
          description: 'What the column holds: the tier\'s integer id (default) or its key (when storage: has id: null).',
          enum: ['id', 'key'],
        },
      },
    },
    storage: storageSchema,
  },
} as const;

export type TierFile = FromSchema<typeof tierSchema>;
export type CatalogFile = FromSchema<typeof catalogSchema>;
export type PermissionDeclaration = CatalogFile['permissions'][string];
export type BillingProvider = NonNullable<TierFile['billing']>['provider'];
export type TierStatus = NonNullable<TierFile['status']>;
