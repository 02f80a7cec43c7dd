import type { FromSchema } from 'json-schema-to-ts';
import { tierStateSchema } from '../catalog/tier-state-schema.js';
import { NAME_PATTERN, SQL_COLUMN_PATTERN, SQL_IDENTIFIER_PATTERN, TIER_KEY_PATTERN } from '../catalog/schemas.js';

/**
 * The plan file's JSON Schema, and through FromSchema the one definition of the
 * plan types (and of the normalised tier both sides of a diff share).
 */

const FINGERPRINT = { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' } as const;
const SCALAR = { type: ['string', 'number', 'boolean', 'null'] } as const;
const BEFORE_AFTER = {
  type: 'object',
  additionalProperties: false,
  required: ['before', 'after'],
  properties: { before: SCALAR, after: SCALAR },
} as const;
const ADDED_REMOVED = {
  type: 'object',
  additionalProperties: false,
  required: ['added', 'removed'],
  properties: {
    added: { type: 'array', items: { type: 'string' } },
    removed: { type: 'array', items: { type: 'string' } },
  },
} as const;
const LIMIT_VALUE = { type: ['integer', 'null'] } as const;

const tierFieldsSchema = {
  description: 'Field-level differences: before -> after for columns, added/removed for sets.',
  type: 'object',
  additionalProperties: false,
  properties: {
    name: BEFORE_AFTER,
    description: BEFORE_AFTER,
    customer_facing: BEFORE_AFTER,
    display_order: BEFORE_AFTER,
    status: BEFORE_AFTER,
    protected: BEFORE_AFTER,
    billing_provider: BEFORE_AFTER,
    fallback_price: BEFORE_AFTER,
    billing_keys: ADDED_REMOVED,
    permissions: ADDED_REMOVED,
    columns: { type: 'object', additionalProperties: BEFORE_AFTER },
    limits: {
      type: 'object',
      additionalProperties: false,
      required: ['added', 'removed', 'changed'],
      properties: {
        added: { type: 'object', additionalProperties: LIMIT_VALUE },
        removed: { type: 'object', additionalProperties: LIMIT_VALUE },
        changed: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['before', 'after'],
            properties: { before: LIMIT_VALUE, after: LIMIT_VALUE },
          },
        },
      },
    },
  },
} as const;

const tierChange = <const A extends string, const P extends Record<string, unknown>, const R extends readonly string[]>(action: A, properties: P, required: R) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['kind', 'action', 'tier', ...required],
    properties: { kind: { const: 'tier' }, action: { const: action }, tier: { type: 'string' }, ...properties },
  }) as const;

const permissionChange = <const A extends string, const P extends Record<string, unknown>, const R extends readonly string[]>(action: A, properties: P, required: R) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['kind', 'action', 'permission', ...required],
    properties: { kind: { const: 'permission' }, action: { const: action }, permission: { type: 'string' }, ...properties },
  }) as const;

/**
 * What a tier change does to the tier's subscribers (issue 12): how many there are, and
 * whether the change takes something from them (`reduces`: a limit goes down or from
 * unlimited to a number, a permission is removed, the tier is retired or deleted), gives
 * them more (`extends`), or neither (`neutral`: name, description, order, billing keys).
 * A change that does both is `reduces`; the lists say what each part is.
 */
const IMPACT = {
  description: 'What the change does to the subscribers of the tier.',
  type: 'object',
  additionalProperties: false,
  required: ['effect', 'reduces', 'extends'],
  properties: {
    subscribers: { description: 'Subscribers on the tier when the plan was made; absent when they could not be counted (see subscriber_counts).', type: 'integer', minimum: 0 },
    effect: { enum: ['reduces', 'extends', 'neutral'] },
    reduces: { description: 'What subscribers lose, e.g. "limits.users: 10 → 3", "permission api_access removed".', type: 'array', items: { type: 'string' } },
    extends: { description: 'What subscribers gain.', type: 'array', items: { type: 'string' } },
  },
} as const;

/**
 * A child row whose parent is gone (written outside tierctl with foreign keys off): the
 * plan removes it, so a later insert cannot collide with it.
 */
const orphanChange = <const T extends string, const P extends Record<string, unknown>, const R extends readonly string[]>(table: T, properties: P, required: R) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['kind', 'action', 'table', 'tier_id', 'missing', ...required],
    properties: {
      kind: { const: 'orphan' },
      action: { const: 'delete' },
      table: { const: table },
      tier_id: { type: 'integer' },
      missing: { description: 'The parent row that is gone.', enum: ['tier', 'permission'] },
      ...properties,
    },
  }) as const;

const DESCRIPTION_ONLY = { type: 'object', additionalProperties: false, required: ['description'], properties: { description: { type: 'string' } } } as const;

const CHANGE = {
  oneOf: [
    permissionChange('create', { after: DESCRIPTION_ONLY }, ['after']),
    permissionChange('update', { fields: { type: 'object', additionalProperties: false, required: ['description'], properties: { description: BEFORE_AFTER } } }, ['fields']),
    permissionChange('delete', { before: DESCRIPTION_ONLY }, ['before']),
    // `tier` and `from` name tiers as plans do: `key`, or `key@platform` (a rename stays on its platform).
    tierChange('rename', { from: { type: 'string' }, impact: IMPACT }, ['from']),
    tierChange('create', { after: tierStateSchema }, ['after']),
    tierChange('update', { fields: tierFieldsSchema, impact: IMPACT }, ['fields']),
    tierChange('retire', { impact: IMPACT }, []),
    tierChange('delete', { before: tierStateSchema, impact: IMPACT }, ['before']),
    orphanChange('subscription_tier_permission', { permission_id: { type: 'integer' } }, ['permission_id']),
    orphanChange('tier_limit', { limit_key: { type: 'string' } }, ['limit_key']),
    orphanChange('tier_billing_key', { provider: { type: 'string' }, key: { type: 'string' } }, ['provider', 'key']),
  ],
} as const;

export const planSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://tierctl.dev/schemas/plan.schema.json',
  title: 'tierctl plan',
  description: 'A reconciliation plan: what `tierctl apply plan.json` will do, in order.',
  type: 'object',
  additionalProperties: false,
  required: ['format_version', 'tool_version', 'base_fingerprint', 'desired_fingerprint', 'base_objects', 'changes', 'blocked', 'warnings', 'stripe'],
  properties: {
    format_version: { description: 'Plan file format; tierctl refuses plans of another version.', const: 1 },
    tool_version: { description: 'tierctl version that wrote the plan.', type: 'string' },
    base_fingerprint: { description: 'sha256 of the database state the plan was computed against.', ...FINGERPRINT },
    desired_fingerprint: { description: 'sha256 of the state the files describe; the database equals it after apply.', ...FINGERPRINT },
    base_objects: {
      description: 'Fingerprint of every tier ("tier:KEY", or "tier:KEY@PLATFORM" for a platform tier) and permission ("permission:NAME") in the base state, to tell what changed when the plan goes stale.',
      type: 'object',
      additionalProperties: FINGERPRINT,
    },
    subscribers: {
      description: "Where catalog.yaml said subscribers are recorded (null or absent: nowhere). Apply counts them there again under its lock: deletes are blocked on the live counts, and every impact.subscribers must still hold (subscriber_counts says whether the plan took counts).",
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['table', 'column'],
          properties: { table: { type: 'string', pattern: SQL_IDENTIFIER_PATTERN }, column: { type: 'string', pattern: SQL_COLUMN_PATTERN } },
        },
      ],
    },
    changes: {
      description: 'Changes in the order apply runs them.',
      type: 'array',
      items: CHANGE,
    },
    subscriber_counts: {
      description: "Whether the changes' impact carries subscriber counts, and why not (e.g. --against plans against files, not a database).",
      type: 'object',
      additionalProperties: false,
      required: ['counted'],
      properties: { counted: { type: 'boolean' }, reason: { type: 'string' } },
    },
    blocked: {
      description: 'Changes that can never be applied as planned; a plan with any is refused.',
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['tier', 'action', 'reason'],
        properties: { tier: { type: 'string' }, action: { enum: ['delete', 'retire', 'rename'] }, reason: { type: 'string' } },
      },
    },
    warnings: {
      description: 'Things a reviewer should look at (possible renames, drift).',
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['message'],
        properties: { tier: { type: 'string' }, message: { type: 'string' } },
      },
    },
    drift: {
      description: 'Present when the database differs from what the last apply left: it was changed outside tierctl. `changes` lead from what that run left to what is there now (same shape as the plan\'s changes).',
      type: 'object',
      additionalProperties: false,
      required: ['run_id', 'changes'],
      properties: {
        run_id: { type: 'integer' },
        changes: { type: 'array', items: CHANGE },
        unreadable_state: { description: 'The run\'s recorded state could not be read: the database differs, but the fields cannot be listed.', type: 'boolean' },
      },
    },
    stripe: {
      description: 'What Stripe said about each lookup key: shown to reviewers, and the source of the IDs in resolved columns (storage {stripe: price|product}), which apply re-derives from it. Never a price amount source.',
      type: 'object',
      additionalProperties: false,
      required: ['verified', 'keys'],
      properties: {
        verified: { type: 'boolean' },
        reason: { type: 'string' },
        unresolved_columns: {
          description: 'Columns holding IDs Stripe resolves that this plan did not compare, because Stripe was not asked (see reason): every row keeps the value it has, a new row gets null.',
          type: 'array',
          items: { type: 'string', pattern: SQL_COLUMN_PATTERN },
        },
        keys: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['tier', 'price', 'product', 'product_name', 'unit_amount', 'currency', 'interval', 'livemode'],
            properties: {
              tier: { type: 'string' },
              price: { type: 'string' },
              product: { type: 'string' },
              product_name: { type: ['string', 'null'] },
              unit_amount: { type: ['integer', 'null'] },
              currency: { type: 'string' },
              interval: { type: ['string', 'null'] },
              livemode: { type: 'boolean' },
            },
          },
        },
      },
    },
  },
} as const;

export type { TierState } from '../catalog/tier-state-schema.js';
export type Plan = FromSchema<typeof planSchema>;
export type Change = Plan['changes'][number];
export type TierChange = Extract<Change, { kind: 'tier' }>;
export type PermissionChange = Extract<Change, { kind: 'permission' }>;
export type OrphanChange = Extract<Change, { kind: 'orphan' }>;
export type TierFields = Extract<Change, { kind: 'tier'; action: 'update' }>['fields'];
export type BlockedChange = Plan['blocked'][number];
export type PlanWarning = Plan['warnings'][number];
export type StripeReport = Plan['stripe'];
export type StripeKeyFacts = NonNullable<StripeReport['keys'][string]>;
export type Drift = NonNullable<Plan['drift']>;
export type ChangeImpact = NonNullable<Extract<Change, { kind: 'tier'; action: 'update' }>['impact']>;
export type SubscriberCounts = NonNullable<Plan['subscriber_counts']>;
