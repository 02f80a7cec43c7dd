import { catalogSchema, tierSchema } from './schemas.js';
import { planSchema } from '../plan/plan-schema.js';

/** The published schema files, by file name under schemas/. */
export const schemaFiles = {
  'tier.schema.json': tierSchema,
  'catalog.schema.json': catalogSchema,
  'plan.schema.json': planSchema,
} as const;
