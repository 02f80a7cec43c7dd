import type { FromSchema } from 'json-schema-to-ts';
import { NAME_PATTERN, PLATFORM_CODE_PATTERN, TIER_KEY_PATTERN } from './schemas.js';

const LIMIT_VALUE = { type: ['integer', 'null'] } as const;

/**
 * The normalised tier both sides of a diff share (src/catalog/model.ts), as a JSON Schema:
 * the plan file embeds it (src/plan/plan-schema.ts), and FromSchema gives the one type.
 * It lives in catalog/ so the model never imports from plan/.
 */
export const tierStateSchema = {
  description: 'A tier as stored: defaults filled in, collections sorted.',
  type: 'object',
  additionalProperties: false,
  required: ['key', 'name', 'description', 'customer_facing', 'display_order', 'status', 'protected', 'billing_provider', 'billing_keys', 'fallback_price', 'limits', 'permissions'],
  properties: {
    key: { type: 'string', pattern: TIER_KEY_PATTERN },
    platform: {
      description: 'The platform code of a platform-scoped tier; absent for a global tier (so a global tier, and the fingerprint of a catalog of global tiers, is exactly as before platforms existed).',
      type: 'string',
      pattern: PLATFORM_CODE_PATTERN,
    },
    name: { type: 'string' },
    description: { type: ['string', 'null'] },
    customer_facing: { type: 'boolean' },
    display_order: { type: 'integer' },
    status: { enum: ['active', 'retired'] },
    protected: { type: 'boolean' },
    billing_provider: { enum: ['stripe', 'whop', 'exempt'] },
    billing_keys: { type: 'array', items: { type: 'string' } },
    fallback_price: { type: ['string', 'null'] },
    limits: { type: 'object', additionalProperties: LIMIT_VALUE },
    permissions: { type: 'array', items: { type: 'string', pattern: NAME_PATTERN } },
    columns: {
      description: 'Per-tier values of app columns (catalog.yaml storage: per_tier); absent for tierctl\'s own tables.',
      type: 'object',
      additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
    },
  },
} as const;

export type TierState = FromSchema<typeof tierStateSchema>;
